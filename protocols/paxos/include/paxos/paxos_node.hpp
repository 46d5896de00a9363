#pragma once
// Single-decree Paxos as three roles that never do I/O ("Paxos Made Simple" §2), and the
// node that plays one or several of them. A handler reads a message and its role's
// state and records effects (SingleEffects): messages, whether the durable state changed
// (to be synced before any message leaves), facts for the invariants, and the
// proposer's client operations. Whoever drives the node (SingleServer in the simulator,
// a unit test or the data-driven test) performs them in that order.
//
//  Acceptor  promises and accepts (§2.2). Durable: its promise and its accepted (b, v).
//  Proposer  one attempt at a time gets a value chosen: phase 1 with a fresh ballot,
//            adopting the value of the highest ballot a majority reports (or its own),
//            phase 2, and a random backoff when preempted or timed out (§2.4: duelling
//            proposers). Durable: its highest round, so a ballot is never used twice.
//            Each attempt is a client operation: "cas [null, own]", ok when its own value
//            was chosen, fail (then a "read" of the chosen value) when another was.
//  Learner   learns a value once a majority of acceptors accepted it in one ballot (§2.3).
//
// Role changes (the proposer's phases) happen only in Proposer::begin_*, back_off and
// finish_attempt. Invariants asserted: an acceptor's promise never drops below its
// accepted ballot unless a planted bug says so; a proposer's ballot is its own; a
// proposer in phase 2 proposes exactly one value per ballot.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "paxos/paxos_messages.hpp"
#include "paxos/paxos_types.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/quorum.hpp"

namespace faultline::paxos {

struct SingleConfig {
  NodeId id = 0;
  std::string name = {};          // the node's name: its proposals' values start with it
  std::uint64_t incarnation = 0;  // values differ between incarnations
  bool proposer = false;
  bool acceptor = false;
  bool learner = false;
  std::uint32_t proposer_index = 0;  // the second part of its ballots
  std::vector<NodeId> acceptors = {};
  std::vector<NodeId> learners = {};
  int proposals = 0;                                // attempts per proposer; 0: until the run ends
  Duration start_max_ns = 20 * sim::kMillisecond;   // the first attempt starts in [0, this]
  Duration think_max_ns = 300 * sim::kMillisecond;  // a pause in [0, this] between attempts
  Duration retry_ns = 50 * sim::kMillisecond;       // a phase's wait for a majority
  Duration backoff_ns = 10 * sim::kMillisecond;     // the random backoff's base
  Bugs bugs = {};
};

// What a node keeps on disk.
struct SingleDurable {
  Ballot promised = {};
  Ballot accepted = {};
  std::string value = {};
  std::uint64_t round = 0;  // the proposer's highest round
  friend bool operator==(const SingleDurable&, const SingleDurable&) = default;
};

// A proposer's client operation: begun (own value), or ended with the chosen value.
struct AttemptEvent {
  bool begin = true;
  std::string own = {};
  std::string chosen = {};
};

struct SingleEffects {
  std::vector<protocols::Outgoing> messages = {};
  std::vector<Observed> observed = {};
  std::vector<AttemptEvent> attempts = {};
  bool dirty = false;  // durable state changed: write and sync before sending
  template <class M>
  void send(NodeId to, M message) {
    messages.push_back(protocols::Outgoing{to, sim::Payload(std::move(message))});
  }
};

class Acceptor {
 public:
  Acceptor(const SingleConfig& config, const SingleDurable& restored);
  std::string_view on_prepare(NodeId from, const Prepare& m, SingleEffects& fx);
  std::string_view on_accept(NodeId from, const Accept& m, SingleEffects& fx);
  // What it writes to disk (a planted bug may leave a part out).
  void write(SingleDurable& out) const;
  Ballot promised() const { return promised_; }
  Ballot accepted() const { return accepted_; }
  const std::string& value() const { return value_; }
  void fingerprint(Fingerprint& h) const;
  // A copy's role reads its own node's configuration (SingleNode's copy).
  void rebind(const SingleConfig& config) { cfg_ = &config; }

 private:
  const SingleConfig* cfg_;
  Ballot promised_;
  Ballot accepted_;
  std::string value_;
};

enum class Phase : std::uint8_t { idle, prepare, accept, backoff, done };
std::string_view phase_name(Phase phase);

class Proposer {
 public:
  Proposer(const SingleConfig& config, std::uint64_t restored_round, Random& random);
  void start(Time now);
  std::string_view on_promise(Time now, NodeId from, const Promise& m, SingleEffects& fx);
  std::string_view on_accepted(Time now, NodeId from, const Accepted& m, SingleEffects& fx);
  std::string_view on_nack(Time now, NodeId from, const Nack& m, SingleEffects& fx);
  void tick(Time now, SingleEffects& fx);
  Time next_deadline() const { return deadline_; }
  std::string_view deadline_name() const;
  void write(SingleDurable& out) const;

  Phase phase() const { return phase_; }
  Ballot ballot() const { return ballot_; }
  std::uint64_t round() const { return round_; }
  const std::string& own_value() const { return own_; }
  const std::string& proposal() const { return value_; }  // phase 2's value
  int attempts_done() const { return attempts_done_; }
  std::uint64_t preemptions() const { return preemptions_; }
  std::uint64_t adopted() const { return adopted_; }  // phase 2 with a reported value
  void fingerprint(Fingerprint& h) const;
  void rebind(const SingleConfig& config, Random& random) {
    cfg_ = &config;
    random_ = &random;
  }

 private:
  void begin_attempt(Time now, SingleEffects& fx);
  void begin_prepare(Time now, SingleEffects& fx);
  void begin_accept(Time now, SingleEffects& fx);
  void back_off(Time now, bool grow);
  void finish_attempt(Time now, const std::string& chosen, Ballot in, SingleEffects& fx);
  std::string_view on_other_accepted(Time now, NodeId from, const Accepted& m, SingleEffects& fx);
  void broadcast(const auto& message, SingleEffects& fx) const {
    for (NodeId a : cfg_->acceptors) fx.send(a, message);
  }

  const SingleConfig* cfg_;
  Random* random_;
  Phase phase_ = Phase::idle;
  Time deadline_ = sim::kTimeNever;
  std::uint64_t round_ = 0;       // durable: the highest round it used
  std::uint64_t seen_round_ = 0;  // the highest round a refusal told it about
  Ballot ballot_;
  std::string own_;    // this attempt's own value
  std::string value_;  // phase 2's value
  protocols::VoteSet promises_;
  Ballot best_;  // the highest accepted ballot reported in phase 1
  std::string best_value_;
  protocols::VoteSet accepts_;
  // Other ballots' acceptances heard during this attempt (a node that is also a learner
  // hears them): a majority for one means a value is chosen, which ends the attempt.
  struct OtherTally {
    Ballot ballot;
    protocols::VoteSet acceptors;
  };
  std::vector<OtherTally> others_;
  int attempts_done_ = 0;
  int attempts_begun_ = 0;
  int consecutive_ = 0;  // preemptions since the last success: the backoff grows with it
  std::uint64_t preemptions_ = 0;
  std::uint64_t adopted_ = 0;
};

class Learner {
 public:
  explicit Learner(const SingleConfig& config) : cfg_(&config) {}
  std::string_view on_accepted(NodeId from, const Accepted& m, SingleEffects& fx);
  const std::optional<std::string>& learned() const { return learned_; }
  void fingerprint(Fingerprint& h) const;
  void rebind(const SingleConfig& config) { cfg_ = &config; }

  // Ballots it counts at once; older ones are forgotten (they can no longer win a
  // majority in a run this short, and memory stays bounded).
  static constexpr std::size_t kMaxTallies = 64;

 private:
  struct Tally {
    Ballot ballot;
    std::string value;
    protocols::VoteSet acceptors;
  };
  const SingleConfig* cfg_;
  std::vector<Tally> tallies_;
  std::optional<std::string> learned_;
};

// One node playing one or several roles; messages reach the roles that handle them.
class SingleNode {
 public:
  SingleNode(SingleConfig config, const SingleDurable& restored, Random& random);
  // A copy of `other` in its current state whose proposer draws from `random` (an
  // explorer copies worlds; protocols/explore.hpp).
  SingleNode(const SingleNode& other, Random& random);
  SingleNode(const SingleNode&) = delete;
  SingleNode& operator=(const SingleNode&) = delete;

  void start(Time now);
  std::string_view step(Time now, const sim::Envelope& m);
  void tick(Time now);
  Time next_deadline() const;
  std::string_view deadline_name() const;

  SingleEffects& effects() { return fx_; }
  const SingleEffects& effects() const { return fx_; }
  SingleDurable durable() const;  // what it writes to disk now
  const SingleConfig& config() const { return cfg_; }
  const Acceptor* acceptor() const { return acceptor_ ? &*acceptor_ : nullptr; }
  const Proposer* proposer() const { return proposer_ ? &*proposer_ : nullptr; }
  const Learner* learner() const { return learner_ ? &*learner_ : nullptr; }
  std::string roles_text() const;  // "acceptor", "proposer+acceptor+learner"
  // A hash of the protocol state (not timers' times, not statistics), for an explorer.
  std::uint64_t fingerprint() const;

 private:
  SingleConfig cfg_;
  SingleEffects fx_;
  std::optional<Acceptor> acceptor_;
  std::optional<Proposer> proposer_;
  std::optional<Learner> learner_;
};

// The durable record through the kit's codec (paired: read(write(x)) == x).
std::string write_single_durable(const SingleDurable& d);
std::optional<SingleDurable> read_single_durable(std::string_view record);

}  // namespace faultline::paxos
