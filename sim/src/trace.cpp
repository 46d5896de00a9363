#include "sim/trace.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace faultline::sim {

std::string_view trace_event_name(TraceEvent event) {
  static constexpr std::array<std::string_view, 30> kNames = {
      "start",      "finish",    "send",       "deliver",      "drop",      "duplicate",
      "timer",      "crash",     "restart",    "pause",        "resume",    "partition",
      "heal",       "link_fault", "link_heal", "clock",        "disk_write", "disk_sync",
      "disk_loss",  "disk_corrupt", "annotate", "client",      "ignore",    "violation",
      "log",        "error",     "spawn",  "disk_fault", "disk_heal", "halt"};
  const auto i = static_cast<std::size_t>(event);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::random: return "lost";
    case DropReason::partition_send: return "partitioned";
    case DropReason::partition_flight: return "partitioned in flight";
    case DropReason::node_down: return "receiver down";
    case DropReason::unknown_node: return "no such node";
  }
  return "unknown";
}

std::uint32_t StringTable::intern(std::string_view text) {
  auto it = ids_.find(text);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(strings_.size());
  strings_.emplace_back(text);
  ids_.emplace(strings_.back(), id);
  return id;
}

std::uint16_t Trace::intern_kind(std::string_view name) {
  const std::uint32_t id = kinds_.intern(name);
  if (id > 0xffff) throw std::length_error("more than 65536 message types and annotation keys");
  return static_cast<std::uint16_t>(id);
}

std::string format_hash(std::uint64_t hash) {
  char buffer[19];
  std::snprintf(buffer, sizeof buffer, "0x%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace faultline::sim
