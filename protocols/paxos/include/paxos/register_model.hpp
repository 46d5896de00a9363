#pragma once
// Stateright's Paxos example (examples/paxos.rs, Stateright 0.31) as actors: paxos's
// `model=register`. A register over single-decree Paxos: `acceptors` servers, each a
// proposer, acceptor and learner, and `clients` clients that each put a value, then get.
//
//   client -> server     Put(request, value)   the server, if it has no proposal yet, takes
//                                              the client's value and starts a ballot
//                                              (round + 1, its id), promising itself
//   server -> peers      Prepare(ballot)       promise me
//   peer -> server       Prepared(ballot, last accepted)
//   server -> peers      Accept(ballot, proposal)   at a majority of promises: the highest
//                                              accepted proposal reported, or its own;
//                                              it accepts it itself
//   peer -> server       Accepted(ballot)
//   server -> peers      Decided(ballot, proposal)  at a majority of accepts; and
//   server -> client     PutOk(request)        to the proposal's requester
//   client -> server     Get(request)          answered by a server that has decided:
//   server -> client     GetOk(request, value)
//
// Client i (node id S + i of S servers) puts 'A' + i with request id S + i to server
// (S + i) mod S, and gets with request id 2 (S + i) from server (S + i + 1) mod S.
//
// Stateright's actor model has two rules the model keeps, in explore mode: a delivery the
// receiver ignores (nothing changes, nothing is sent) is no step — the message stays in
// flight (Simulation::set_explore_keep_ignored) — and the history is its
// LinearizabilityTester: per client, the operations completed, each with the index of the
// last one every other client had completed when it was invoked, and the one in flight.
// The pure world's fingerprint is its state: servers, clients, in-flight multiset and that
// history, so its states are Stateright's (16,668 with 2 clients, 1,194,428 with 3).
//
// The servers keep nothing durable, as in Stateright's example: the model claims no
// crash tolerance, and random fault schedules leave its servers up (fault_budget). In a
// normal run a message arrives once: one its receiver ignores is gone (a Get that reaches
// a server before it decides goes unanswered, and its client waits), and the run has no
// liveness check.
#include <array>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/explore.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/protocol.hpp"
#include "sim/message.hpp"

namespace faultline::paxos::reg {

using sim::NodeId;

inline constexpr std::uint32_t kMaxServers = 9;
inline constexpr std::uint32_t kMaxClients = 26;  // values 'A'..'Z'

struct Ballot {
  std::uint32_t round = 0;
  std::uint32_t id = 0;
  friend auto operator<=>(const Ballot&, const Ballot&) = default;
};

// (request, requester, value), ordered as Stateright's tuple.
struct Proposal {
  std::uint64_t request = 0;
  std::uint32_t requester = 0;
  std::uint32_t value = 0;
  friend auto operator<=>(const Proposal&, const Proposal&) = default;
};

// An accepted (ballot, proposal).
struct Vote {
  Ballot ballot;
  Proposal proposal;
  friend auto operator<=>(const Vote&, const Vote&) = default;
};

struct Put {
  static constexpr std::string_view kName = "register_put";
  static constexpr bool kHashBytes = true;
  std::uint64_t request = 0;
  std::uint64_t value = 0;
  void describe(sim::Fields& f) const { f("request", request)("value", std::string(1, static_cast<char>(value))); }
};
struct Get {
  static constexpr std::string_view kName = "register_get";
  static constexpr bool kHashBytes = true;
  std::uint64_t request = 0;
  void describe(sim::Fields& f) const { f("request", request); }
};
struct PutOk {
  static constexpr std::string_view kName = "register_put_ok";
  static constexpr bool kHashBytes = true;
  std::uint64_t request = 0;
  void describe(sim::Fields& f) const { f("request", request); }
};
struct GetOk {
  static constexpr std::string_view kName = "register_get_ok";
  static constexpr bool kHashBytes = true;
  std::uint64_t request = 0;
  std::uint64_t value = 0;
  void describe(sim::Fields& f) const { f("request", request)("value", std::string(1, static_cast<char>(value))); }
};
struct Prepare {
  static constexpr std::string_view kName = "register_prepare";
  static constexpr bool kHashBytes = true;
  Ballot ballot;
  void describe(sim::Fields& f) const { f("round", ballot.round)("id", ballot.id); }
};
struct Prepared {
  static constexpr std::string_view kName = "register_prepared";
  static constexpr bool kHashBytes = true;
  Ballot ballot;
  std::uint32_t has_last = 0;  // 0: None
  std::uint32_t unused = 0;
  Vote last;
  void describe(sim::Fields& f) const;
};
struct Accept {
  static constexpr std::string_view kName = "register_accept";
  static constexpr bool kHashBytes = true;
  Ballot ballot;
  Proposal proposal;
  void describe(sim::Fields& f) const;
};
struct Accepted {
  static constexpr std::string_view kName = "register_accepted";
  static constexpr bool kHashBytes = true;
  Ballot ballot;
  void describe(sim::Fields& f) const { f("round", ballot.round)("id", ballot.id); }
};
struct Decided {
  static constexpr std::string_view kName = "register_decided";
  static constexpr bool kHashBytes = true;
  Ballot ballot;
  Proposal proposal;
  void describe(sim::Fields& f) const;
};

// A server, pure. Servers are node ids 0..servers-1.
class Server {
 public:
  Server(NodeId self, std::uint32_t servers);
  // One message: false when the server ignores it (then nothing changed and nothing is
  // to be sent).
  bool step(NodeId from, const sim::Payload& m);
  std::vector<protocols::Outgoing>& out() { return out_; }
  bool has_output() const { return !out_.empty(); }
  std::uint64_t fingerprint() const;
  Ballot ballot() const { return ballot_; }
  const std::optional<Vote>& accepted() const { return accepted_; }
  bool decided() const { return decided_; }

 private:
  template <class M>
  void broadcast(const M& m);
  std::uint32_t majority() const { return servers_ / 2 + 1; }
  NodeId self_;
  std::uint32_t servers_;
  Ballot ballot_;
  std::optional<Proposal> proposal_;
  std::uint32_t prepared_ = 0;  // the servers in `prepares`, a bit each
  std::array<std::optional<Vote>, kMaxServers> prepares_{};
  std::uint32_t accepts_ = 0;
  std::optional<Vote> accepted_;
  bool decided_ = false;
  std::vector<protocols::Outgoing> out_;
};

// What a client's step records in the history, in order: a return, then an invocation.
struct ClientEvent {
  bool invoke = false;  // else a return
  bool write = false;   // a Put (invoke: its value) / a PutOk; else a Get / a GetOk (its value)
  std::uint64_t value = 0;
};

// A client, pure: put, then get (Stateright's RegisterActor::Client, put_count 1).
class Client {
 public:
  Client(NodeId self, std::uint32_t servers);
  void start();
  bool step(NodeId from, const sim::Payload& m);
  std::vector<protocols::Outgoing>& out() { return out_; }
  std::vector<ClientEvent>& events() { return events_; }
  bool has_output() const { return !out_.empty() || !events_.empty(); }
  std::uint64_t fingerprint() const;
  bool done() const { return !awaiting_ && op_count_ > 0; }

 private:
  NodeId self_;
  std::uint32_t servers_;
  std::optional<std::uint64_t> awaiting_;
  std::uint64_t op_count_ = 0;
  std::vector<protocols::Outgoing> out_;
  std::vector<ClientEvent> events_;
};

// The model's run: `servers` servers s0.., `clients` clients c0.., the history checked by
// the register model at the end, and ignored messages kept in flight in explore mode.
std::unique_ptr<protocols::ProtocolRun> setup(sim::Simulation& sim, const protocols::RunConfig& config,
                                              int servers, int clients);

// Its pure world; null where it does not model the budgets (losses, copies, crashes).
std::unique_ptr<protocols::ExploreWorld> explore_world(const protocols::RunConfig& config,
                                                       const protocols::ExploreSpec& spec, int servers,
                                                       int clients);

}  // namespace faultline::paxos::reg
