#include <doctest/doctest.h>

#include <set>

#include "sim/choice.hpp"

using namespace faultline::sim;

TEST_CASE("seeded choices are a function of the seed alone") {
  SeededChoices a(42), b(42), c(43);
  std::vector<std::uint32_t> va, vb, vc;
  for (int i = 0; i < 1000; ++i) {
    va.push_back(a.pick(1000, ChoiceKind::delay));
    vb.push_back(b.pick(1000, ChoiceKind::delay));
    vc.push_back(c.pick(1000, ChoiceKind::delay));
  }
  CHECK(va == vb);
  CHECK(va != vc);
}

TEST_CASE("the engine gives pinned numbers: the same on every machine and library") {
  // splitmix64's published first output for state 0.
  std::uint64_t state = 0;
  CHECK(splitmix64(state) == 0xe220a8397b1dcdafULL);
  // Pinned once: a change here changes every recorded run and every repro file.
  SeededChoices pinned(1);
  std::vector<std::uint32_t> first;
  for (int i = 0; i < 5; ++i) first.push_back(pinned.pick(1000000, ChoiceKind::random));
  CHECK(first == std::vector<std::uint32_t>{458798, 331229, 674950, 398532, 480849});
}

TEST_CASE("each kind of choice has its own stream: draws of one kind do not shift another's") {
  SeededChoices plain(1);
  SeededChoices interleaved(1);
  std::vector<std::uint32_t> a, b;
  for (int i = 0; i < 50; ++i) a.push_back(plain.pick(1000, ChoiceKind::delay));
  for (int i = 0; i < 50; ++i) {
    interleaved.pick(7, ChoiceKind::fault);  // a fault schedule's draws in between
    interleaved.flip(Ratio{1, 3}, ChoiceKind::target);
    b.push_back(interleaved.pick(1000, ChoiceKind::delay));
  }
  CHECK(a == b);
  // Different kinds are different streams.
  SeededChoices other(1);
  std::vector<std::uint32_t> c;
  for (int i = 0; i < 50; ++i) c.push_back(other.pick(1000, ChoiceKind::random));
  CHECK(c != a);
}

TEST_CASE("pick stays in range and covers it, a one-way decision is not a choice") {
  SeededChoices s(7);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::uint32_t v = s.pick(10, ChoiceKind::random);
    REQUIRE(v < 10);
    seen.insert(v);
  }
  CHECK(seen.size() == 10);
  const std::size_t before = s.tape().size();
  CHECK(s.pick(1, ChoiceKind::random) == 0);
  CHECK_FALSE(s.flip(Ratio{0, 5}, ChoiceKind::drop));
  CHECK(s.flip(Ratio{5, 5}, ChoiceKind::drop));
  CHECK(s.tape().size() == before);
}

TEST_CASE("flip follows its odds under a seeded source") {
  SeededChoices s(99);
  int ones = 0;
  for (int i = 0; i < 100000; ++i) ones += s.flip(Ratio{1, 10}, ChoiceKind::drop) ? 1 : 0;
  CHECK(ones > 9000);
  CHECK(ones < 11000);
}

TEST_CASE("a tape replays its choices, then gives quiet choices when it runs out") {
  SeededChoices s(5);
  for (int i = 0; i < 50; ++i) s.pick(100, ChoiceKind::delay);
  Tape tape = s.tape();
  TapeChoices replay(tape);
  for (int i = 0; i < 50; ++i) CHECK(replay.pick(100, ChoiceKind::delay) == tape[i].value);
  CHECK(replay.exhausted());
  CHECK(replay.pick(100, ChoiceKind::delay) == 0);
  CHECK_FALSE(replay.flip(Ratio{1, 2}, ChoiceKind::drop));
  CHECK(replay.misfits() == 0);
  CHECK(replay.tape().size() == 52);
}

TEST_CASE("a replayed choice that no longer fits is reported") {
  Tape tape = {Choice{10, 7, ChoiceKind::delay}, Choice{10, 3, ChoiceKind::delay}};
  TapeChoices replay(tape);
  CHECK(replay.pick(5, ChoiceKind::delay) == 4);  // 7 does not fit in [0, 5)
  CHECK(replay.pick(10, ChoiceKind::drop) == 0);  // no drop was recorded: the quiet choice
  CHECK(replay.pick(12, ChoiceKind::delay) == 3);  // fits, but was drawn from 10 options
  CHECK(replay.misfits() == 2);
  REQUIRE(replay.first_misfit().has_value());
  CHECK(replay.first_misfit()->index == 0);
  CHECK(replay.first_misfit()->describe().find("delay 7 of 10") != std::string::npos);
}

TEST_CASE("a tape replays each kind's choices in order, whatever is drawn in between") {
  SeededChoices s(3);
  std::vector<std::uint32_t> delays;
  for (int i = 0; i < 20; ++i) {
    s.pick(5, ChoiceKind::fault);
    delays.push_back(s.pick(100, ChoiceKind::delay));
  }
  TapeChoices replay(s.tape());
  // A run that no longer draws the fault choices still gets the same delays.
  for (int i = 0; i < 20; ++i) CHECK(replay.pick(100, ChoiceKind::delay) == delays[static_cast<std::size_t>(i)]);
  CHECK(replay.misfits() == 0);
  CHECK_FALSE(replay.exhausted());  // the fault choices were never asked for
}

TEST_CASE("choice kinds round-trip through their names") {
  for (int k = 0; k < kChoiceKinds; ++k) {
    const auto kind = static_cast<ChoiceKind>(k);
    CHECK(choice_kind_from_name(choice_kind_name(kind)) == kind);
  }
  CHECK_FALSE(choice_kind_from_name("bogus").has_value());
}
