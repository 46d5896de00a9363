#include "paxos/paxos_invariants.hpp"

#include <algorithm>

namespace faultline::paxos {

std::string_view property_name(Property p) {
  switch (p) {
    case Property::agreement:
      return "agreement";
    case Property::validity:
      return "validity";
    case Property::p2c:
      return "p2c";
    case Property::promises_kept:
      return "promises kept";
    case Property::learned_is_chosen:
      return "learned is chosen";
    case Property::one_value_per_ballot:
      return "one value per ballot";
  }
  return "?";
}

PaxosInvariants::PaxosInvariants(const sim::Simulation& sim, std::vector<NodeId> acceptors,
                                 ValidityCheck validity, RenderValue render)
    : sim_(sim),
      acceptors_(std::move(acceptors)),
      validity_(std::move(validity)),
      render_(std::move(render)) {
  FAULTLINE_ASSERT(!acceptors_.voters().empty(), "Paxos has acceptors");
}

bool PaxosInvariants::any_violation() const {
  return std::any_of(violations_.begin(), violations_.end(), [](const auto& v) { return v; });
}

const std::string* PaxosInvariants::chosen(Slot s) const {
  if (s >= slots_.size() || !slots_[s].chosen) return nullptr;
  return &slots_[s].chosen_value;
}

void PaxosInvariants::report(Property p, std::string text) {
  auto& kept = violations_[static_cast<int>(p)];
  if (!kept) kept = std::move(text);
}

std::string PaxosInvariants::where(Slot s) const {
  return s == 0 ? std::string() : " at slot " + std::to_string(s);
}

PaxosInvariants::SlotState& PaxosInvariants::slot(Slot s) {
  // Slots are dense log positions (or 0): a bound keeps a corrupt slot from eating memory.
  FAULTLINE_ASSERT(s < (std::uint64_t{1} << 24), "a slot number is below 2^24");
  if (slots_.size() <= s) slots_.resize(s + 1);
  return slots_[s];
}

void PaxosInvariants::observe(NodeId node, const Observed& fact) {
  stats_.max_round = std::max(stats_.max_round, fact.ballot.round);
  switch (fact.kind) {
    case Observed::Kind::promise:
      return on_promise(node, fact.ballot);
    case Observed::Kind::accept:
      return on_accept(node, fact.slot, fact.ballot, fact.value);
    case Observed::Kind::propose:
      return on_propose(node, fact.slot, fact.ballot, fact.value);
    case Observed::Kind::learn:
      return on_learn(node, fact.slot, fact.value);
  }
}

// ---------------------------------------------------------------- acceptors

void PaxosInvariants::on_promise(NodeId acceptor, Ballot b) {
  FAULTLINE_ASSERT(acceptors_.contains(acceptor), "only acceptors promise");
  ++stats_.promises;
  if (promised_.size() <= acceptor) promised_.resize(acceptor + 1);
  Ballot& highest = promised_[acceptor];
  if (b < highest) {
    report(Property::promises_kept, name(acceptor) + " promised ballot " + ballot_text(b) +
                                        " after it had promised " + ballot_text(highest));
  }
  highest = std::max(highest, b);
}

void PaxosInvariants::on_accept(NodeId acceptor, Slot s, Ballot b, const std::string& value) {
  FAULTLINE_ASSERT(acceptors_.contains(acceptor), "only acceptors accept");
  FAULTLINE_ASSERT(!b.none(), "an acceptance has a ballot");
  ++stats_.accepts;
  if (promised_.size() <= acceptor) promised_.resize(acceptor + 1);
  Ballot& highest = promised_[acceptor];
  if (b < highest) {
    report(Property::promises_kept, name(acceptor) + " accepted ballot " + ballot_text(b) +
                                        where(s) + " after it had promised " +
                                        ballot_text(highest));
  }
  highest = std::max(highest, b);  // accepting b promises b (§2.2: "accepts ... unless it
                                   // has responded to a prepare request having a higher number")
  SlotState& st = slot(s);
  auto it = std::find_if(st.tallies.begin(), st.tallies.end(),
                         [&](const Tally& t) { return t.ballot == b; });
  if (it == st.tallies.end()) {
    st.tallies.push_back(Tally{b, value, {}, false});
    it = st.tallies.end() - 1;
  } else if (it->value != value) {
    report(Property::one_value_per_ballot,
           name(acceptor) + " accepted " + text(value) + " in ballot " + ballot_text(b) + where(s) +
               ", where another acceptor accepted " + text(it->value));
    return;
  }
  it->acceptors.add(acceptor);
  if (!it->chosen && acceptors_.reached(it->acceptors)) {
    it->chosen = true;
    on_chosen(s, *it);
  }
}

void PaxosInvariants::on_chosen(Slot s, const Tally& tally) {
  SlotState& st = slots_[s];
  if (validity_ && !validity_(sim_, tally.value)) {
    report(Property::validity, text(tally.value) + " was chosen in ballot " +
                                   ballot_text(tally.ballot) + where(s) +
                                   " but no client proposed it");
  }
  if (st.chosen && st.chosen_value != tally.value) {
    report(Property::agreement, "two values chosen" + where(s) + ": " + text(st.chosen_value) +
                                    " in ballot " + ballot_text(st.chosen_ballot) + ", and " +
                                    text(tally.value) + " in ballot " + ballot_text(tally.ballot));
    return;
  }
  if (st.chosen) {
    ++stats_.chosen_again;
  } else {
    ++stats_.slots_chosen;
    // A duel left a rival value accepted somewhere: the interesting case for P2c.
    if (std::any_of(st.tallies.begin(), st.tallies.end(),
                    [&](const Tally& t) { return t.value != tally.value; })) {
      ++stats_.chosen_over_rivals;
    }
    st.chosen = true;
    st.chosen_value = tally.value;
    st.chosen_ballot = tally.ballot;
  }
  if (tally.ballot < st.chosen_ballot) st.chosen_ballot = tally.ballot;
  for (const auto& [ballot, value] : st.proposals) {
    if (ballot > st.chosen_ballot && value != st.chosen_value) {
      report(Property::p2c, text(st.chosen_value) + " is chosen in ballot " +
                                ballot_text(st.chosen_ballot) + where(s) +
                                ", but the higher ballot " + ballot_text(ballot) + " proposed " +
                                text(value));
      return;
    }
  }
}

// ---------------------------------------------------------------- proposers and learners

void PaxosInvariants::on_propose(NodeId proposer, Slot s, Ballot b, const std::string& value) {
  FAULTLINE_ASSERT(!b.none(), "a proposal has a ballot");
  ++stats_.proposals;
  SlotState& st = slot(s);
  for (const auto& [ballot, other] : st.proposals) {
    if (ballot == b && other != value) {
      report(Property::one_value_per_ballot, name(proposer) + " proposed " + text(value) +
                                                 " in ballot " + ballot_text(b) + where(s) +
                                                 ", which already proposed " + text(other));
      return;
    }
    if (ballot == b) return;  // the same proposal again (a retry)
  }
  st.proposals.emplace_back(b, value);
  if (st.chosen && st.chosen_ballot < b && value != st.chosen_value) {
    report(Property::p2c, name(proposer) + " proposed " + text(value) + " in ballot " +
                              ballot_text(b) + where(s) + ", but " + text(st.chosen_value) +
                              " was chosen in the lower ballot " + ballot_text(st.chosen_ballot));
  }
}

void PaxosInvariants::on_learn(NodeId learner, Slot s, const std::string& value) {
  ++stats_.learns;
  const std::string* chosen_value = chosen(s);
  if (chosen_value == nullptr) {
    report(Property::learned_is_chosen, name(learner) + " learned " + text(value) + where(s) +
                                            ", which no majority of acceptors accepted");
  } else if (*chosen_value != value) {
    report(Property::learned_is_chosen, name(learner) + " learned " + text(value) + where(s) +
                                            ", but " + text(*chosen_value) + " is chosen");
  }
}

void watch(sim::Simulation& sim, std::shared_ptr<PaxosInvariants> invariants) {
  FAULTLINE_ASSERT(invariants != nullptr, "a run watches the invariants it observes");
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    sim.add_invariant(std::string(property_name(p)),
                      [invariants, p](const sim::Simulation&) { return invariants->violation(p); });
  }
}

}  // namespace faultline::paxos
