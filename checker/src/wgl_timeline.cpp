// The event list the search walks: every op's call, and the return of every op whose
// outcome is known, in history (event) order.
#include <algorithm>

#include "kernel_searcher.hpp"

namespace faultline::checker::detail {

Timeline make_timeline(const History& history, const std::vector<std::size_t>& ops) {
  struct Point {
    std::uint64_t event;
    std::uint32_t op;
    bool call;
  };
  Timeline t;
  t.op_count = static_cast<std::uint32_t>(ops.size());
  std::vector<Point> points;
  points.reserve(ops.size() * 2);
  t.invoke_event.resize(ops.size());
  t.return_event.resize(ops.size(), kNeverCompleted);
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    const Operation& op = history.ops[ops[i]];
    t.invoke_event[i] = op.invoke_event;
    points.push_back({op.invoke_event, i, true});
    if (!op.unknown_outcome() && op.completed()) {
      t.return_event[i] = op.complete_event;
      points.push_back({op.complete_event, i, false});
    }
  }
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.event < b.event; });
  t.entry_op.assign(1, 0);
  t.entry_is_call.assign(1, 0);
  t.call_entry.resize(ops.size());
  t.return_entry.assign(ops.size(), 0);
  for (const Point& p : points) {
    auto entry = static_cast<std::uint32_t>(t.entry_op.size());
    t.entry_op.push_back(p.op);
    t.entry_is_call.push_back(p.call ? 1 : 0);
    (p.call ? t.call_entry : t.return_entry)[p.op] = entry;
    if (!p.call) ++t.required_count;
  }
  // The tail sentinel: the search cannot reach it while a required op remains (that op's
  // return comes first), and it stops as soon as none remains.
  t.entry_op.push_back(0);
  t.entry_is_call.push_back(Timeline::kTail);
  t.twin_before.assign(t.op_count, Timeline::kNoTwin);
  return t;
}

}  // namespace faultline::checker::detail

namespace faultline::checker::detail {

StuckPoint stuck_point(const Timeline& timeline, const std::vector<std::uint32_t>& prefix) {
  std::vector<bool> placed(timeline.op_count, false);
  for (std::uint32_t op : prefix) placed[op] = true;
  StuckPoint stuck;
  std::uint64_t earliest = kNeverCompleted;
  for (std::uint32_t op = 0; op < timeline.op_count; ++op) {
    if (!placed[op] && timeline.required(op) && timeline.return_event[op] < earliest) {
      earliest = timeline.return_event[op];
      stuck.op = op;
    }
  }
  for (std::uint32_t op = 0; op < timeline.op_count; ++op) {
    if (!placed[op] && timeline.invoke_event[op] < earliest) stuck.candidates.push_back(op);
  }
  return stuck;
}

}  // namespace faultline::checker::detail
