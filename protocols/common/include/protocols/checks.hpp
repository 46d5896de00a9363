#pragma once
// Named verdicts of a run, and the named groups of its nodes.
//
// A run's checks: every invariant (checked as the run goes), and every end-of-run check
// a protocol makes (linearizability, atomicity, conservation, liveness...), each with an
// outcome. The run's verdict follows from them: any violation makes it a violation
// (exit 1); otherwise any check that could not decide makes it unknown (exit 3) — a loop
// over seeds that trusts exit codes never counts an undecided run as a pass.
//
// Node groups name the roles of a protocol's nodes (servers, clients, coordinators,
// participants, namenode, datanodes, driver, executors): scenario selectors and fault
// targets name roles, not numbers.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/types.hpp"

namespace faultline::protocols {

enum class CheckStatus : std::uint8_t {
  held,      // checked, and it held
  violated,  // checked, and it broke (a finding says how)
  unknown,   // could not decide (a budget ran out)
  skipped,   // not judged in this run, and why (e.g. it ended before the liveness bound)
};
std::string_view check_status_name(CheckStatus status);

struct CheckOutcome {
  std::string name;
  CheckStatus status = CheckStatus::held;
  std::string detail;  // why unknown or skipped; what held (e.g. "held (leader only)")
  nlohmann::json data = nlohmann::json::object();  // the check's own numbers
};

class Checks {
 public:
  // Records the outcome of `name`, replacing an earlier one of the same name.
  void record(std::string name, CheckStatus status, std::string detail = {},
              nlohmann::json data = nlohmann::json::object());
  const CheckOutcome* find(std::string_view name) const;
  const std::vector<CheckOutcome>& all() const { return outcomes_; }
  bool any(CheckStatus status) const;

 private:
  std::vector<CheckOutcome> outcomes_;  // in the order first recorded
};

class NodeGroups {
 public:
  void add(const std::string& group, sim::NodeId node);
  bool has(std::string_view group) const;
  // The group's nodes in id order; an unknown group is empty.
  const std::vector<sim::NodeId>& nodes(std::string_view group) const;
  const std::map<std::string, std::vector<sim::NodeId>, std::less<>>& all() const {
    return groups_;
  }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::vector<sim::NodeId>, std::less<>> groups_;
};

}  // namespace faultline::protocols
