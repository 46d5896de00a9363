#pragma once
// Which events a view shows: a time window, a set of nodes, a set of kinds. The same
// selection drives the terminal view and the diagram (and the page's initial view).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "viz/trace.hpp"

namespace faultline::viz {

// Every event type falls in one kind; `--kinds` names kinds. Findings (violation,
// error) are always shown: they are why anyone is looking.
enum class Kind : std::uint8_t { message, fault, state, client, disk, timer, log, finding };
inline constexpr std::size_t kKindCount = 8;
std::string_view to_string(Kind kind);
Kind kind_of(EventType type);

using KindSet = std::uint32_t;  // bit k: Kind k shown
inline constexpr KindSet bit(Kind kind) {
  return KindSet{1} << static_cast<unsigned>(kind);
}
// Shown unless asked for: disk and timer events are most of a run and rarely the point.
inline constexpr KindSet kDefaultKinds =
    ~(bit(Kind::disk) | bit(Kind::timer)) & ((KindSet{1} << kKindCount) - 1);

struct Selection {
  std::optional<std::int64_t> from_ns;  // inclusive
  std::optional<std::int64_t> to_ns;    // inclusive
  std::vector<bool> nodes;              // by node index; empty: every node
  KindSet kinds = kDefaultKinds;

  bool node_shown(int node) const;  // the world's events always are
  bool time_shown(std::int64_t t_ns) const;
  bool shows(const Event& event) const;
};

// The flags' words, as given on the command line; empty strings mean "not given".
struct SelectionFlags {
  std::string only;   // "s0,s1" (names or ids)
  std::string kinds;  // "message,fault" or "all"
  std::string from;   // "1s"
  std::string to;     // "3.5s"
};
Expected<Selection> make_selection(const Trace& trace, const SelectionFlags& flags);

// "1s", "1.5s", "300ms", "250us", "100ns", or a bare number of ns; `where` names the flag.
Expected<std::int64_t> parse_time(std::string_view text, const std::string& where);

}  // namespace faultline::viz
