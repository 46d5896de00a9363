#pragma once
// The key-value service's clients, and the administrator that changes membership.
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

#include "raft/raft_messages.hpp"
#include "sim/simulation.hpp"

namespace faultline::raft {

struct Workload {
  std::vector<NodeId> servers = {};
  int keys = 3;
  int weights[4] = {40, 20, 30, 10};                // get, put, append, cas
  Duration think_max_ns = 200 * sim::kMillisecond;  // a pause in [0, max] before each op
  int count = 0;                                    // operations per client; 0: no limit
  Duration request_timeout_ns = 100 * sim::kMillisecond;
  Duration op_timeout_ns = 1 * sim::kSecond;
};

struct ClientStats {
  std::uint64_t ok = 0;
  std::uint64_t fail = 0;
  std::uint64_t info = 0;
  std::uint64_t attempts = 0;
  std::uint64_t redirects = 0;
  std::uint64_t timeouts = 0;
};

class RaftClient final : public sim::Actor {
 public:
  RaftClient(Workload workload, int index) : w_(std::move(workload)), index_(index) {}
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

// Single-server membership changes (thesis §4.1), one at a time: remove a member while
// the configuration has more than three voters, add a non-member back. Changes are a
// disturbance like the faults: they stop when the fault schedule heals (stop_at_ns, by
// the administrator's clock, which no fault touches), so liveness is judged in calm.
class RaftAdmin final : public sim::Actor {
 public:
  // Each change: attempts of attempt_timeout_ns each, for at most timeout_ns, and given
  // up after three attempts without an answer.
  RaftAdmin(std::vector<NodeId> servers, Config initial, Duration interval_ns,
            Duration attempt_timeout_ns, Duration timeout_ns, Time stop_at_ns)
      : servers_(std::move(servers)),
        config_(std::move(initial)),
        interval_ns_(interval_ns),
        attempt_timeout_ns_(attempt_timeout_ns),
        timeout_ns_(timeout_ns),
        stop_at_ns_(stop_at_ns) {}
  void run(sim::Context& ctx) override;
  std::uint64_t changes_ok() const { return changes_ok_; }

 private:
  bool change(sim::Context& ctx, const ConfigChange& request);

  std::vector<NodeId> servers_ = {};
  Config config_ = {};
  Duration interval_ns_;
  Duration attempt_timeout_ns_;
  Duration timeout_ns_;
  Time stop_at_ns_;
  NodeId leader_guess_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t changes_ok_ = 0;
};

}  // namespace faultline::raft
