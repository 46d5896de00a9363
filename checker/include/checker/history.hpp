#pragma once
// A history: the client operations of one run, each an invocation and maybe a completion.
//
// Invariants of a History built by HistoryBuilder:
//  - ops are in invocation order; every op's invoke_event < complete_event;
//  - event positions are unique, 0-based, and define real-time order: an op A precedes B
//    iff A.complete_event < B.invoke_event (times, when present, are never decreasing in
//    event order, so positions agree with them and also break ties);
//  - a process has at most one open invocation at a time;
//  - outcome `info` (or an invocation that never completed) means unknown: the op may take
//    effect at any point after its invocation, or never; `fail` means it did not take effect.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace faultline::checker {

enum class Outcome : std::uint8_t { ok, fail, info };
enum class EventType : std::uint8_t { invoke, ok, fail, info };

inline constexpr std::uint64_t kNeverCompleted = std::numeric_limits<std::uint64_t>::max();

struct Operation {
  std::int64_t process = 0;
  std::string f;
  std::optional<std::string> key;
  nlohmann::json input;   // the invocation's value
  nlohmann::json output;  // the completion's value; null when it never completed
  Outcome outcome = Outcome::info;
  std::uint64_t invoke_event = 0;
  std::uint64_t complete_event = kNeverCompleted;  // kNeverCompleted: still open at the end
  std::optional<std::int64_t> invoke_time_ns;
  std::optional<std::int64_t> complete_time_ns;
  std::uint32_t invoke_line = 0;  // source lines; 0 when not read from a file
  std::uint32_t complete_line = 0;

  bool completed() const { return complete_event != kNeverCompleted; }
  bool unknown_outcome() const { return outcome == Outcome::info; }
};

struct History {
  std::vector<Operation> ops;  // in invocation order
  std::uint64_t event_count = 0;
};

// One line of a history: an invocation or a completion of `process`'s open operation.
struct Event {
  std::int64_t process = 0;
  EventType type = EventType::invoke;
  std::string f;                   // required on invocations; if set on a completion it must match
  std::optional<std::string> key;  // on a completion, if set, it must match
  nlohmann::json value;
  std::optional<std::int64_t> time_ns;
  std::uint32_t line = 0;
};

// Builds a History from events in the order they happened. Each call returns an error
// message when the event cannot follow the ones before it (a completion with no open
// invocation, a second open invocation by one process, a time running backwards).
class HistoryBuilder {
 public:
  [[nodiscard]] std::optional<std::string> add(Event event);

  [[nodiscard]] std::optional<std::string> invoke(std::int64_t process, std::string f,
                                                  std::optional<std::string> key,
                                                  nlohmann::json value,
                                                  std::optional<std::int64_t> time_ns = {});
  [[nodiscard]] std::optional<std::string> complete(std::int64_t process, Outcome outcome,
                                                    nlohmann::json value,
                                                    std::optional<std::int64_t> time_ns = {});

  // Invocations still open stay open to the end: their outcome is unknown.
  History finish() &&;

 private:
  std::optional<std::string> check_time(const Event& event);
  std::optional<std::string> open_operation(Event& event);
  std::optional<std::string> close_operation(Event& event);

  History history_;
  std::unordered_map<std::int64_t, std::size_t> open_;  // process -> index in ops (lookup only)
  std::optional<std::int64_t> last_time_ns_;
};

// The history as our JSONL format (with its header line), events in order.
std::string to_jsonl(const History& history);

std::string_view to_string(Outcome outcome);

}  // namespace faultline::checker
