#include <cstdio>

#include "sim/simulation.hpp"

namespace faultline::sim {

std::string_view finding_kind_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::invariant: return "invariant";
    case FindingKind::liveness: return "liveness";
    case FindingKind::linearizability: return "linearizability";
    case FindingKind::actor_error: return "actor_error";
    case FindingKind::livelock: return "livelock";
    case FindingKind::event_limit: return "event_limit";
    case FindingKind::expectation: return "expectation";
  }
  return "unknown";
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok: return "ok";
    case Verdict::violation: return "violation";
    case Verdict::unknown: return "unknown";
  }
  return "unknown";
}

std::string format_time(Time t) {
  char buffer[48];
  const char* sign = t < 0 ? "-" : "";
  const unsigned long long a = t < 0 ? 0ULL - static_cast<unsigned long long>(t)
                                     : static_cast<unsigned long long>(t);
  if (a == 0) return "0s";
  if (a % kSecond == 0 || a >= kSecond) {
    std::snprintf(buffer, sizeof buffer, "%s%llu.%09llus", sign, a / kSecond, a % kSecond);
  } else if (a >= kMillisecond) {
    std::snprintf(buffer, sizeof buffer, "%s%llu.%06llums", sign, a / kMillisecond, a % kMillisecond);
  } else if (a >= kMicrosecond) {
    std::snprintf(buffer, sizeof buffer, "%s%llu.%03lluus", sign, a / kMicrosecond, a % kMicrosecond);
  } else {
    std::snprintf(buffer, sizeof buffer, "%s%lluns", sign, a);
  }
  std::string s = buffer;
  // Trim trailing zeros of the fraction: 1.500000000s -> 1.5s
  const auto dot = s.find('.');
  if (dot != std::string::npos) {
    std::size_t unit = dot;
    while (unit < s.size() && (s[unit] == '.' || (s[unit] >= '0' && s[unit] <= '9'))) ++unit;
    std::size_t end = unit;
    while (end > dot + 1 && s[end - 1] == '0') --end;
    if (end == dot + 1) end = dot;
    s = s.substr(0, end) + s.substr(unit);
  }
  return s;
}

std::string describe_finding(const Finding& f, const Simulation* sim) {
  std::string out = std::string(finding_kind_name(f.kind)) + " '" + f.name + "' at event " +
                    std::to_string(f.event_index) + ", t=" + format_time(f.time);
  if (f.node != kNoNode) {
    out += ", node ";
    out += sim != nullptr && f.node < sim->node_count() ? sim->node_name(f.node)
                                                        : std::to_string(f.node);
  }
  out += ": " + f.message;
  return out;
}

}  // namespace faultline::sim
