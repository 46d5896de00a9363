// Explanations of long values: the decisive detail (where a read's value parts from the
// state it met) stays in view, and no state or value is printed unbounded.
#include <doctest/doctest.h>

#include <string>

#include <checker/checker.hpp>

namespace ck = faultline::checker;

namespace {

std::string pieces(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "p" + std::to_string(1000 + i) + " ";
  return text;
}

// Appends p1000 ... p1199 one after another, then a read of `read` on the same key.
ck::History appends_then_read(const std::string& read) {
  ck::HistoryBuilder b;
  std::int64_t time = 0;
  for (int i = 0; i < 200; ++i) {
    REQUIRE_FALSE(b.invoke(0, "append", "x", pieces(i, i + 1), ++time));
    REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nullptr, ++time));
  }
  REQUIRE_FALSE(b.invoke(1, "get", "x", nullptr, ++time));
  REQUIRE_FALSE(b.complete(1, ck::Outcome::ok, read, ++time));
  return std::move(b).finish();
}

std::string explain(const ck::History& h, bool compiled, std::string* html = nullptr) {
  auto model = ck::make_model("kv");
  REQUIRE(model.ok());
  ck::CheckOptions options;
  options.use_compiled_models = compiled;
  auto r = ck::check(h, **model, options);
  REQUIRE(r.ok());
  REQUIRE(r->verdict == ck::Verdict::not_linearizable);
  if (html) *html = ck::explain_html(h, **model, *r, "t");
  return ck::explain_text(h, **model, *r);
}

// The text of the line that starts with `prefix` (after indentation).
std::string line_of(const std::string& text, const std::string& prefix) {
  std::size_t at = text.find("\n  " + prefix);
  REQUIRE_MESSAGE(at != std::string::npos, text);
  std::size_t end = text.find('\n', at + 1);
  return text.substr(at + 3, end - at - 3);
}

}  // namespace

TEST_CASE("elision: a value duplicated mid-string is shown where it parts from the state") {
  // The Raft no-dedup bug's shape: a retried append applied twice.
  const std::string read = pieces(0, 151) + pieces(150, 200);
  for (bool compiled : {true, false}) {
    CAPTURE(compiled);
    const std::string text = explain(appends_then_read(read), compiled);
    const std::string returned = line_of(text, "it returned ");
    const std::string state = line_of(text, "it met the state ");
    CHECK_MESSAGE(returned.find("p1150 p1150 ") != std::string::npos, returned);
    CHECK(returned.find("…(") != std::string::npos);  // elided, but not where it matters
    CHECK(returned.size() < 300);
    // The state is shown from the same place, so the two can be read side by side.
    CHECK_MESSAGE(state.find("p1149 p1150 p1151") != std::string::npos, state);
    CHECK(state.size() < 300);
  }
}

TEST_CASE("elision: a value cut short at its end is shown at its end") {
  const std::string read = pieces(0, 199) + "p11";  // the last piece torn
  const std::string text = explain(appends_then_read(read), true);
  const std::string returned = line_of(text, "it returned ");
  CHECK_MESSAGE(returned.find("p1198 p11\"") != std::string::npos, returned);
}

TEST_CASE("elision: a megabyte of value makes a few kilobytes of explanation") {
  const std::string big(1 << 20, 'a');
  std::string other = big;
  other[1 << 19] = 'b';
  ck::HistoryBuilder b;
  REQUIRE_FALSE(b.invoke(0, "put", "x", big, 1));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nullptr, 2));
  REQUIRE_FALSE(b.invoke(1, "get", "x", nullptr, 3));
  REQUIRE_FALSE(b.complete(1, ck::Outcome::ok, other, 4));
  ck::History h = std::move(b).finish();
  for (bool compiled : {true, false}) {
    std::string html;
    const std::string text = explain(h, compiled, &html);
    CHECK(text.size() < 4000);
    CHECK(html.size() < 40000);
    const std::string returned = line_of(text, "it returned ");
    CHECK_MESSAGE(returned.find("aaab") != std::string::npos, returned);
    CHECK(returned.find("…(524") != std::string::npos);  // says how much is left out
  }
}
