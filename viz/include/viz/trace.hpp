#pragma once
// A trace file (docs/formats.md), read and checked: the nodes, every event with the fields
// the views need typed, the client history, the findings, and the document itself (for the
// details a view prints as they are, such as message bodies).
//
// Invariants of a Trace that parse_trace() returned:
//   - events are in file order; their `i` strictly increase and their times never decrease;
//   - every node reference (node, to, from) is an index into `nodes` or kWorld;
//   - a client event's `op` is an index into the history;
//   - `end_ns` is at least the last event's time.
// Event types this reader does not know are kept as EventType::unknown (a newer
// simulator may add some), never an error; a wrong field of a known type is.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <checker/input_error.hpp>
#include <checker/input_limits.hpp>
#include <nlohmann/json.hpp>

namespace faultline::viz {

using checker::Expected;
using checker::InputError;

inline constexpr int kWorld = -1;  // the node of events that belong to no node (a partition)
inline constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
inline constexpr int kTraceVersion = 1;  // the newest trace format version this reads

enum class EventType : std::uint8_t {
  start,
  finish,
  send,
  deliver,
  drop,
  duplicate,
  timer,
  crash,
  restart,
  pause,
  resume,
  partition,
  heal,
  link_fault,
  link_heal,
  clock,
  disk_write,
  disk_sync,
  disk_loss,
  disk_corrupt,
  annotate,
  client,
  ignore,
  violation,
  log,
  error,
  unknown,
};
std::string_view to_string(EventType type);
bool is_message(EventType type);  // send, deliver, drop, duplicate

struct Node {
  std::string name;
  std::string role;  // "server", "client", ...
};

struct Event {
  std::uint64_t i = 0;    // the trace's own event number
  std::int64_t t_ns = 0;  // true simulated time
  EventType type = EventType::unknown;
  int node = kWorld;
  int peer = kWorld;         // to (send, drop, duplicate) or from (deliver, ignore)
  std::uint64_t msg_id = 0;  // message events and ignore
  std::uint64_t of = 0;      // duplicate: the original message's id
  std::string name;          // message type, annotation key, client f, timer or finding name
  std::size_t op = kNone;    // client: index into the history
};

struct Finding {
  std::string kind;  // invariant, liveness, linearizability, ...
  std::string name;
  std::string message;
  std::size_t event = kNone;  // position in Trace::events, when the trace has it
  std::int64_t t_ns = 0;
  std::string node;  // a node's name, or ""
};

struct Trace {
  std::string source;  // the file's name, for messages
  nlohmann::json doc;  // the whole document
  std::vector<Node> nodes;
  std::vector<Event> events;
  std::vector<Finding> findings;
  std::int64_t end_ns = 0;

  const nlohmann::json& raw(std::size_t pos) const { return doc["events"][pos]; }
  const nlohmann::json& history() const { return doc["history"]; }
  const nlohmann::json& meta() const { return doc["meta"]; }
  // The position of the event numbered `i`, or kNone.
  std::size_t position_of(std::uint64_t i) const;
  // A node index from a name ("s0") or a number ("0"), or kWorld.
  int node_named(std::string_view name) const;
  std::string node_name(int node) const;  // "-" for the world
};

// Reads and checks a trace document; `source` names it in errors, whose `where` is
// "SOURCE: $.events[12].t" and whose `what` says what was expected.
Expected<Trace> parse_trace(nlohmann::json doc, std::string source);

// Reads a trace file: "FILE:LINE:COLUMN" for JSON that does not parse.
Expected<Trace> read_trace_file(const std::string& path,
                                std::uint64_t max_bytes = checker::kDefaultMaxInputBytes);

// Reads the JSON text of a trace (as the run verb builds it): errors name `source`.
Expected<Trace> parse_trace_text(std::string_view text, std::string source);

}  // namespace faultline::viz
