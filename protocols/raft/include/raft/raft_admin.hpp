#pragma once
// The administrator that changes Raft's membership. (The key-value clients are the
// shared ones of protocols/kv.)
#include <cstdint>
#include <vector>

#include "raft/raft_messages.hpp"
#include "sim/actor.hpp"

namespace faultline::raft {

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
