#include "protocols/checks.hpp"

#include <algorithm>

namespace faultline::protocols {

std::string_view check_status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::held:
      return "held";
    case CheckStatus::violated:
      return "violated";
    case CheckStatus::unknown:
      return "unknown";
    case CheckStatus::skipped:
      return "skipped";
  }
  return "?";
}

void Checks::record(std::string name, CheckStatus status, std::string detail,
                    nlohmann::json data) {
  for (CheckOutcome& o : outcomes_) {
    if (o.name == name) {
      o = CheckOutcome{std::move(name), status, std::move(detail), std::move(data)};
      return;
    }
  }
  outcomes_.push_back(CheckOutcome{std::move(name), status, std::move(detail), std::move(data)});
}

const CheckOutcome* Checks::find(std::string_view name) const {
  for (const CheckOutcome& o : outcomes_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

bool Checks::any(CheckStatus status) const {
  return std::any_of(outcomes_.begin(), outcomes_.end(),
                     [&](const CheckOutcome& o) { return o.status == status; });
}

void NodeGroups::add(const std::string& group, sim::NodeId node) {
  std::vector<sim::NodeId>& members = groups_[group];
  members.insert(std::upper_bound(members.begin(), members.end(), node), node);
}

bool NodeGroups::has(std::string_view group) const { return groups_.find(group) != groups_.end(); }

const std::vector<sim::NodeId>& NodeGroups::nodes(std::string_view group) const {
  static const std::vector<sim::NodeId> kNone;
  auto it = groups_.find(group);
  return it == groups_.end() ? kNone : it->second;
}

std::vector<std::string> NodeGroups::names() const {
  std::vector<std::string> out;
  for (const auto& [name, nodes] : groups_) out.push_back(name);
  return out;
}

}  // namespace faultline::protocols
