#include "sim/trace_export.hpp"

#include <cstdio>

namespace faultline::sim {
namespace {

std::string node_label(const Simulation& sim, std::uint32_t id) {
  if (id == kNoNode || id >= sim.node_count()) return "-";
  return sim.node_name(id);
}

nlohmann::json node_ref(std::uint32_t id) {
  return id == kNoNode ? nlohmann::json(nullptr) : nlohmann::json(id);
}

// The fields particular to each event type, for both the JSON and the text form.
nlohmann::json event_fields(const Simulation& sim, const TraceRecord& r) {
  const Trace& trace = sim.trace();
  nlohmann::json j = nlohmann::json::object();
  auto message = [&] {
    j["msg"] = trace.kind_name(r.kind);
    j["id"] = r.value;
    const auto& bodies = sim.message_bodies();
    if (r.value < bodies.size()) j["body"] = bodies[r.value];
  };
  switch (r.type) {
    case TraceEvent::send:
      j["to"] = node_ref(r.peer);
      j["size"] = r.detail;
      message();
      break;
    case TraceEvent::deliver:
      j["from"] = node_ref(r.peer);
      message();
      break;
    case TraceEvent::drop:
      j["to"] = node_ref(r.peer);
      j["reason"] = drop_reason_name(static_cast<DropReason>(r.reason));
      message();
      break;
    case TraceEvent::duplicate:
      j["to"] = node_ref(r.peer);
      j["of"] = r.detail;
      message();
      break;
    case TraceEvent::timer: {
      static constexpr const char* kWaits[] = {"none", "recv", "sleep", "sync"};
      j["wait"] = kWaits[r.reason < 4 ? r.reason : 0];
      if (r.detail != 0) j["name"] = trace.strings().at(r.detail - 1);
      break;
    }
    case TraceEvent::spawn:
      j["parent"] = node_ref(r.peer);
      break;
    case TraceEvent::disk_fault:
      j["fault"] = r.value;
      j["what"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::disk_heal:
      j["fault"] = r.value;
      break;
    case TraceEvent::halt:
      j["reason"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::start:
    case TraceEvent::restart:
      j["incarnation"] = r.value;
      break;
    case TraceEvent::partition:
    case TraceEvent::link_fault:
      j["fault"] = r.value;
      j["what"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::heal:
    case TraceEvent::link_heal:
      if (r.value == 0) j["all"] = true;
      else j["fault"] = r.value;
      break;
    case TraceEvent::clock: {
      static constexpr const char* kChanges[] = {"jump", "drift", "offset"};
      j["change"] = kChanges[r.reason < 3 ? r.reason : 0];
      j[r.reason == static_cast<std::uint8_t>(ClockChange::drift) ? "ppm" : "ns"] =
          static_cast<std::int64_t>(r.value);
      break;
    }
    case TraceEvent::disk_write:
      j["bytes"] = r.value;
      if (r.detail != 0) j["refused"] = true;  // the disk was full
      break;
    case TraceEvent::disk_sync:
      j["writes"] = r.value;
      if (r.detail != 0) j["failed"] = true;  // writes since the last sync were refused
      break;
    case TraceEvent::disk_loss:
      j["lost"] = r.value;
      j["torn"] = r.detail == 1;
      if (r.detail == 2) j["wiped"] = true;  // everything, synced or not
      break;
    case TraceEvent::disk_corrupt:
      j["bit"] = r.value;
      break;
    case TraceEvent::annotate:
      j["key"] = trace.kind_name(r.kind);
      if (r.reason == 1) j["value"] = trace.strings().at(static_cast<std::uint32_t>(r.value));
      else j["value"] = static_cast<std::int64_t>(r.value);
      break;
    case TraceEvent::client: {
      const HistoryEvent& h = sim.history().events().at(r.value);
      j = ClientHistory::event_json(h);
      j.erase("time");
      j["op"] = r.value;
      break;
    }
    case TraceEvent::ignore:
      j["from"] = node_ref(r.peer);
      j["id"] = r.value;
      j["reason"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::violation:
      j["finding"] = r.value;
      j["name"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::log:
    case TraceEvent::error:
      j["text"] = trace.strings().at(r.detail);
      break;
    case TraceEvent::finish:
    case TraceEvent::crash:
    case TraceEvent::pause:
    case TraceEvent::resume:
      break;
  }
  return j;
}

}  // namespace

nlohmann::json finding_to_json(const Simulation& sim, const Finding& f) {
  return {{"kind", finding_kind_name(f.kind)},
          {"name", f.name},
          {"message", f.message},
          {"event", f.event_index},
          {"time_ns", f.time},
          {"node", f.node == kNoNode ? nlohmann::json(nullptr) : nlohmann::json(node_label(sim, f.node))}};
}

nlohmann::json result_to_json(const Simulation& sim, const RunResult& result) {
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& f : result.findings) findings.push_back(finding_to_json(sim, f));
  nlohmann::json j = {{"verdict", verdict_name(result.verdict)},
                      {"violations", findings},
                      {"events", result.events},
                      {"sim_time_ns", result.sim_time_ns},
                      {"trace_hash", format_hash(result.trace_hash)},
                      {"stop_reason", result.stop_reason},
                      {"messages", {{"sent", result.stats.messages_sent},
                                    {"delivered", result.stats.messages_delivered},
                                    {"dropped", result.stats.messages_dropped},
                                    {"duplicated", result.stats.messages_duplicated}}},
                      {"choices", result.choices}};
  if (result.tape_misfits > 0) {
    j["tape_misfits"] = result.tape_misfits;
    j["first_misfit"] = result.first_misfit ? result.first_misfit->describe() : "";
  }
  return j;
}

nlohmann::json trace_to_json(const Simulation& sim, const RunResult& result,
                             const nlohmann::json& meta) {
  nlohmann::json nodes = nlohmann::json::array();
  for (NodeId id = 0; id < sim.node_count(); ++id) {
    nodes.push_back({{"id", id}, {"name", sim.node_name(id)}, {"role", sim.node_role(id)}});
  }
  nlohmann::json events = nlohmann::json::array();
  const auto& records = sim.trace().records();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const TraceRecord& r = records[i];
    nlohmann::json e = {{"i", i}, {"t", r.time}, {"type", trace_event_name(r.type)},
                        {"node", node_ref(r.node)}};
    e.update(event_fields(sim, r));
    events.push_back(std::move(e));
  }
  nlohmann::json history = nlohmann::json::array();
  for (const HistoryEvent& h : sim.history().events()) history.push_back(ClientHistory::event_json(h));
  return {{"format", "faultline-trace"}, {"version", 1},     {"meta", meta},
          {"nodes", nodes},             {"events", events}, {"history", history},
          {"result", result_to_json(sim, result)}};
}

std::string describe_event(const Simulation& sim, std::size_t index) {
  const TraceRecord& r = sim.trace().records().at(index);
  nlohmann::json fields = event_fields(sim, r);
  std::string line = format_time(r.time);
  line.resize(std::max<std::size_t>(line.size(), 14), ' ');
  line += ' ';
  std::string who = node_label(sim, r.node);
  who.resize(std::max<std::size_t>(who.size(), 10), ' ');
  line += who;
  line += ' ';
  line += trace_event_name(r.type);
  if (r.type == TraceEvent::annotate) {
    const nlohmann::json& v = fields["value"];
    return line + " " + fields["key"].get<std::string>() + "=" +
           (v.is_string() ? v.get<std::string>() : v.dump());
  }
  for (const auto& [key, value] : fields.items()) {
    if (key == "to" || key == "from") {
      line += " " + key + "=" + (value.is_null() ? "-" : node_label(sim, value.get<std::uint32_t>()));
    } else if (value.is_string()) {
      line += " " + key + "=" + value.get<std::string>();
    } else {
      line += " " + key + "=" + value.dump();
    }
  }
  return line;
}

void print_trace(const Simulation& sim, std::ostream& out) {
  const std::size_t n = sim.trace().size();
  for (std::size_t i = 0; i < n; ++i) out << describe_event(sim, i) << '\n';
}

}  // namespace faultline::sim
