// Selections: parsing --only, --kinds, --from and --to against a trace, and deciding which
// events they show.
#include <array>
#include <cctype>
#include <limits>

#include "viz/select.hpp"
#include "viz/text.hpp"

namespace faultline::viz {
namespace {

constexpr std::array<std::string_view, kKindCount> kKindNames = {
    "message", "fault", "state", "client", "disk", "timer", "log", "finding"};

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string word(text.substr(start, comma - start));
    while (!word.empty() && std::isspace(static_cast<unsigned char>(word.back()))) word.pop_back();
    std::size_t lead = 0;
    while (lead < word.size() && std::isspace(static_cast<unsigned char>(word[lead]))) ++lead;
    if (lead < word.size()) out.push_back(word.substr(lead));
    start = comma + 1;
  }
  return out;
}

Expected<std::vector<bool>> parse_only(const Trace& trace, const std::string& only) {
  std::vector<bool> nodes(trace.nodes.size(), false);
  // An empty name between commas ("s0,,s1") is a typo, not nothing.
  for (std::size_t start = 0; start <= only.size();) {
    const std::size_t comma = std::min(only.find(',', start), only.size());
    if (only.find_first_not_of(" \t", start) >= comma) {
      return InputError{"--only " + only,
                        "an empty node name between commas; give names like s0,s1"};
    }
    start = comma + 1;
  }
  for (const std::string& name : split_commas(only)) {
    const int node = trace.node_named(name);
    if (node == kWorld) {
      std::string known;
      for (const Node& n : trace.nodes) known += (known.empty() ? "" : ", ") + n.name;
      return InputError{"--only " + name, "no such node in " + trace.source + "; nodes: " + known};
    }
    nodes[static_cast<std::size_t>(node)] = true;
  }
  return nodes;
}

Expected<KindSet> parse_kinds(const std::string& kinds) {
  KindSet set = bit(Kind::finding);
  for (const std::string& word : split_commas(kinds)) {
    if (word == "all") {
      set = (KindSet{1} << kKindCount) - 1;
      continue;
    }
    bool known = false;
    for (std::size_t k = 0; k < kKindNames.size(); ++k) {
      if (kKindNames[k] == word) {
        set |= KindSet{1} << k;
        known = true;
      }
    }
    if (!known) {
      return InputError{"--kinds " + word,
                        "expected a list of message, fault, state, client, disk, timer, log "
                        "(or all)"};
    }
  }
  return set;
}

}  // namespace

std::string_view to_string(Kind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

Kind kind_of(EventType type) {
  switch (type) {
    case EventType::send:
    case EventType::deliver:
    case EventType::drop:
    case EventType::duplicate:
    case EventType::ignore:
      return Kind::message;
    case EventType::crash:
    case EventType::restart:
    case EventType::pause:
    case EventType::resume:
    case EventType::partition:
    case EventType::heal:
    case EventType::link_fault:
    case EventType::link_heal:
    case EventType::clock:
    case EventType::disk_loss:
    case EventType::disk_corrupt:
      return Kind::fault;
    case EventType::start:
    case EventType::finish:
    case EventType::annotate:
      return Kind::state;
    case EventType::client:
      return Kind::client;
    case EventType::disk_write:
    case EventType::disk_sync:
      return Kind::disk;
    case EventType::timer:
      return Kind::timer;
    case EventType::violation:
    case EventType::error:
      return Kind::finding;
    case EventType::log:
    case EventType::unknown:
      return Kind::log;
  }
  return Kind::log;
}

bool Selection::node_shown(int node) const {
  return nodes.empty() || node == kWorld || nodes[static_cast<std::size_t>(node)];
}

bool Selection::time_shown(std::int64_t t_ns) const {
  return (!from_ns || t_ns >= *from_ns) && (!to_ns || t_ns <= *to_ns);
}

bool Selection::shows(const Event& event) const {
  return (kinds & bit(kind_of(event.type))) != 0 && node_shown(event.node) &&
         time_shown(event.t_ns);
}

Expected<std::int64_t> parse_time(std::string_view text, const std::string& where) {
  const InputError bad{where + " " + std::string(text),
                       "expected a time such as 1s, 1.5s, 300ms, 250us or 100ns"};
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  const std::string_view number = text.substr(0, i), unit = text.substr(i);
  const std::size_t dot = number.find('.');
  if (number.empty() || number == "." || number.find('.', dot + 1) != std::string_view::npos ||
      (dot == std::string_view::npos ? number.size() : dot) > 12) {
    return bad;
  }
  std::int64_t scale = 0;
  if (unit.empty() || unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1'000;
  else if (unit == "ms")
    scale = 1'000'000;
  else if (unit == "s")
    scale = 1'000'000'000;
  else
    return bad;
  // Whole part, then each fraction digit scaled exactly; finer than 1 ns is an error.
  std::int64_t value = 0;
  for (char c : number.substr(0, dot)) value = value * 10 + (c - '0');
  if (value > std::numeric_limits<std::int64_t>::max() / scale / 2) return bad;  // ~146 years
  value *= scale;
  if (dot != std::string_view::npos) {
    std::int64_t place = scale;
    for (char c : number.substr(dot + 1)) {
      if (place % 10 != 0 && c != '0') return InputError{bad.where, bad.what + " (finer than 1ns)"};
      place /= 10;
      value += (c - '0') * place;
    }
  }
  return value;
}

Expected<Selection> make_selection(const Trace& trace, const SelectionFlags& flags) {
  Selection selection;
  if (!flags.only.empty()) {
    auto nodes = parse_only(trace, flags.only);
    if (!nodes) return nodes.error();
    selection.nodes = std::move(*nodes);
  }
  if (!flags.kinds.empty()) {
    auto kinds = parse_kinds(flags.kinds);
    if (!kinds) return kinds.error();
    selection.kinds = *kinds;
  }
  if (!flags.from.empty()) {
    auto from = parse_time(flags.from, "--from");
    if (!from) return from.error();
    selection.from_ns = *from;
  }
  if (!flags.to.empty()) {
    auto to = parse_time(flags.to, "--to");
    if (!to) return to.error();
    selection.to_ns = *to;
  }
  if (selection.from_ns && selection.to_ns && *selection.to_ns < *selection.from_ns) {
    return InputError{"--to " + flags.to, "is before --from " + flags.from};
  }
  if (selection.from_ns && !trace.events.empty() &&
      *selection.from_ns > trace.end_ns) {  // (a Trace{} checks words only)
    return InputError{
        "--from " + flags.from,
        "is after the trace's end (" + format_time(trace.end_ns) + "): nothing would be shown"};
  }
  return selection;
}

}  // namespace faultline::viz
