#pragma once
// The key-value service's clients and their workload, shared by every protocol that
// serves the service (Raft, Multi-Paxos).
//
// A client runs one operation at a time: it records the invocation in the history, sends
// the request to the server it believes leads, follows `not_leader` redirects, and on a
// timeout retries elsewhere with the same (client, seq), which the servers' session table
// applies at most once. The outcome it records is honest:
//   ok    the service answered (a cas that found the expected value);
//   fail  certainly without effect: a cas that did not find its expected value (applied
//         as a no-op: the session answers every retry the same way);
//   info  unknown: no answer in time. Even if every attempt was refused by a non-leader,
//         a duplicated or delayed copy of one may still reach a leader and be applied.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kv/kv.hpp"
#include "protocols/options.hpp"
#include "sim/actor.hpp"
#include "sim/simulation.hpp"

namespace faultline::kv {

using sim::Duration;
using sim::Time;

struct Workload {
  std::vector<NodeId> servers = {};
  int clients = 5;
  int keys = 3;
  int weights[4] = {40, 20, 30, 10};                // get, put, append, cas
  Duration think_max_ns = 200 * sim::kMillisecond;  // a pause in [0, max] before each op
  int count = 0;                                    // operations per client; 0: no limit
  Duration request_timeout_ns = 100 * sim::kMillisecond;
  Duration op_timeout_ns = 1 * sim::kSecond;
};

// The workload's options, declared once for every protocol that serves the service:
// clients, keys, mix, rate, count, request_timeout, op_timeout.
void add_workload_options(protocols::OptionTable& table);
// Reads them (throws BadInput naming the option).
Workload read_workload(const protocols::OptionValues& values, std::vector<NodeId> servers);

struct ClientStats {
  std::uint64_t ok = 0;
  std::uint64_t fail = 0;
  std::uint64_t info = 0;
  std::uint64_t attempts = 0;
  std::uint64_t redirects = 0;
  std::uint64_t timeouts = 0;
  void add(const ClientStats& o);
  nlohmann::json to_json() const;
};

class KvClient final : public sim::Actor {
 public:
  KvClient(Workload workload, int index) : w_(std::move(workload)), index_(index) {}
  void run(sim::Context& ctx) override;
  const ClientStats& stats() const { return stats_; }
  bool finished() const { return finished_; }

 private:
  struct Result {
    sim::OpType type = sim::OpType::info;
    nlohmann::json value;
  };
  Command next_command(sim::Context& ctx);
  Result execute(sim::Context& ctx, const Command& command);
  std::optional<ClientReply> await_reply(sim::Context& ctx, std::uint64_t seq, Time deadline,
                                         NodeId& from);
  NodeId next_server(NodeId after) const;

  Workload w_ = {};
  int index_;
  std::uint64_t seq_ = 0;
  NodeId leader_guess_ = kNoNode;
  std::vector<std::optional<std::string>> known_ = {};  // per key: the last value seen
  ClientStats stats_;
  bool finished_ = false;
};

// The clients' totals, for a run's summary.
ClientStats total_stats(const sim::Simulation& sim, const std::vector<NodeId>& clients);

// Liveness of the service seen from its clients, at a time after the faults healed at
// heal_ns: every client still working had an operation answered since the heal, and
// none is still waiting on one it invoked before it. Judged only when a client's pause
// and a whole operation fit in `bound` (a slow client may simply not have asked
// anything). Empty when it held; else what is stuck. What would have been stuck had it
// been judged goes into *not_judged, with why it was not (else *not_judged is untouched).
std::string clients_stuck(const sim::Simulation& sim, const std::vector<NodeId>& clients,
                          const Workload& w, Time heal_ns, Duration bound, std::string* not_judged);

}  // namespace faultline::kv
