#include "sim/client_history.hpp"

namespace faultline::sim {

std::string_view op_type_name(OpType type) {
  switch (type) {
    case OpType::invoke: return "invoke";
    case OpType::ok: return "ok";
    case OpType::fail: return "fail";
    case OpType::info: return "info";
  }
  return "unknown";
}

nlohmann::json ClientHistory::event_json(const HistoryEvent& e) {
  nlohmann::json j = {{"process", e.process},
                      {"type", std::string(op_type_name(e.type))},
                      {"f", e.f}};
  if (e.key) j["key"] = *e.key;
  j["value"] = e.value;
  j["time"] = e.time;
  return j;
}

}  // namespace faultline::sim
