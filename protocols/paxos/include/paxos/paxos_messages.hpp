#pragma once
// The messages of single-decree Paxos ("Paxos Made Simple" §2.2-2.3). The sender is the
// envelope's `from`.
//
//   Prepare   phase 1a  proposer -> acceptors: "prepare ballot b"
//   Promise   phase 1b  acceptor -> proposer:  a promise not to accept below b, with the
//                       highest-ballot proposal it has accepted (none: accepted.none())
//   Accept    phase 2a  proposer -> acceptors: "accept (b, v)"
//   Accepted  phase 2b  acceptor -> the proposer and every learner: it accepted (b, v)
//                       (§2.3: "have each acceptor ... respond with its acceptance to ...
//                       learners")
//   Nack      an acceptor refuses a Prepare or Accept of ballot b because it promised a
//             higher one (the optimisation §2.3 suggests: "it would probably inform the
//             proposer, who should then abandon its proposal")
#include <string>
#include <string_view>

#include "paxos/paxos_types.hpp"
#include "sim/message.hpp"

namespace faultline::paxos {

struct Prepare {
  static constexpr std::string_view kName = "Prepare";
  Ballot ballot = {};
  void describe(sim::Fields& f) const { f("ballot", BallotText(ballot).view()); }
};

struct Promise {
  static constexpr std::string_view kName = "Promise";
  Ballot ballot = {};    // the Prepare this answers
  Ballot accepted = {};  // the highest ballot the acceptor accepted (none: nothing yet)
  std::string value = {};
  void describe(sim::Fields& f) const {
    f("ballot", BallotText(ballot).view())("accepted", BallotText(accepted).view());
    if (!accepted.none()) f("value", value);
  }
};

struct Accept {
  static constexpr std::string_view kName = "Accept";
  Ballot ballot = {};
  std::string value = {};
  void describe(sim::Fields& f) const { f("ballot", BallotText(ballot).view())("value", value); }
};

struct Accepted {
  static constexpr std::string_view kName = "Accepted";
  Ballot ballot = {};
  std::string value = {};
  void describe(sim::Fields& f) const { f("ballot", BallotText(ballot).view())("value", value); }
};

struct Nack {
  static constexpr std::string_view kName = "Nack";
  Ballot ballot = {};    // the refused ballot
  Ballot promised = {};  // the higher ballot the acceptor promised
  void describe(sim::Fields& f) const {
    f("ballot", BallotText(ballot).view())("promised", BallotText(promised).view());
  }
};

}  // namespace faultline::paxos
