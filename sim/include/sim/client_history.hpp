#pragma once
// The client history: every operation a client actor invoked and how it completed.
// ok = took effect with this result; fail = certainly did not take effect; info =
// unknown (e.g. a timeout): it may take effect at any time after its invocation.
// Like Jepsen, a process whose operation ended in info never issues another one: the
// simulator gives the client a fresh process id. Exported as JSONL (docs/formats.md).
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/types.hpp"

namespace faultline::sim {

enum class OpType : std::uint8_t { invoke, ok, fail, info };
std::string_view op_type_name(OpType type);

struct HistoryEvent {
  std::uint32_t process = 0;
  OpType type = OpType::invoke;
  std::string f;
  std::optional<std::string> key;
  nlohmann::json value;
  Time time = 0;
  NodeId node = kNoNode;
};

class ClientHistory {
 public:
  const std::vector<HistoryEvent>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  void add(HistoryEvent event) { events_.push_back(std::move(event)); }
  // One event of the JSONL history (docs/formats.md; the CLI's write_history writes it).
  static nlohmann::json event_json(const HistoryEvent& event);

 private:
  std::vector<HistoryEvent> events_;
};

}  // namespace faultline::sim
