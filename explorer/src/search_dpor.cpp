// Stateless dynamic partial-order reduction with sleep sets (search.hpp).
//
// Flanagan & Godefroid, "Dynamic Partial-Order Reduction for Model Checking Software"
// (POPL 2005), with the backtracking choice of source-set DPOR (Abdulla, Aronis,
// Jonsson, Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1)
// and sleep sets. Executions are explored depth first without a visited set; at each new
// state, every enabled event t is checked for a race with the last event e of the path
// that is dependent with t and does not happen before t. The race is reversed at the
// state before e: t is added to that state's backtrack set if it is enabled there, else
// the first event of t's causal past that does not depend on e and is enabled there,
// else (never needed so far) every event enabled there.
//
// Happens-before, in a message-passing system: a message's delivery, drop or copy
// happens after its send (the step that sent it); a timer after the step since which it
// has been enabled (the one that set its deadline); a restart after the crash; and any step after every earlier step
// it depends on (search.hpp). An enabled event not yet performed is assumed to record
// client operations (what it will do is unknown), which only adds races.
//
// One execution per class of equivalent interleavings reaches every terminal state of
// the full state space (and so every violation, which ends its path); intermediate
// states are visited only as far as some representative passes through them.
//
// A move that leads back to the state it left is no step (see not_a_step): in a world
// whose ignored deliveries keep their message, or a message set, every path would
// otherwise go on for ever. Without those moves a path ends where every enabled event
// leads back (a quiescent state), and it is over that reduced system that DPOR runs. Such
// a move depends only on its receiver's state, which only steps on that node change, so
// independent steps still neither enable nor disable each other there.
#include <algorithm>
#include <map>
#include <set>

#include "search.hpp"

namespace faultline::explorer::detail {
namespace {

struct Event {
  Move move;
  std::int64_t cause = -1;           // the step this event needed (see above)
  std::vector<std::uint64_t> clock;  // the steps that happen before it, itself included
};

struct DporFrame {
  std::unique_ptr<protocols::ExploreWorld> world;
  std::uint64_t key = 0;  // state_key() of the world
  std::vector<Move> sleep;
  std::set<std::uint64_t> backtrack;  // keys
  std::vector<Move> done;
  std::uint64_t first = 0;  // the move picked first here (not by a race), while it is
  bool moved = false;       // a move from here changed the state
  bool ended = false;       // a path was counted as ending here
  // Senders of each message in flight here: message key -> steps (one per copy).
  std::map<std::uint64_t, std::vector<std::int64_t>> senders;
};

bool has(const std::vector<std::uint64_t>& clock, std::int64_t i) {
  if (i < 0) return false;
  const auto word = static_cast<std::size_t>(i) / 64;
  return word < clock.size() && ((clock[word] >> (i % 64)) & 1) != 0;
}

void join(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (std::size_t w = 0; w < from.size(); ++w) into[w] |= from[w];
}

void set_bit(std::vector<std::uint64_t>& clock, std::int64_t i) {
  const auto word = static_cast<std::size_t>(i) / 64;
  if (clock.size() <= word) clock.resize(word + 1, 0);
  clock[word] |= std::uint64_t{1} << (i % 64);
}

std::uint64_t message_key(const sim::ExploreEvent& e) {
  return sim::explore_event_key(sim::ExploreEvent{sim::ExploreKind::deliver, e.node, e.peer, e.content, 0});
}

class Dpor {
 public:
  Dpor(const protocols::ExploreWorld& root, const Options& options)
      : root_(root), options_(options), pace_(options), visit_(options, result_) {}
  Result run();

 private:
  std::int64_t cause_of(const sim::ExploreEvent& e, const DporFrame& here) const;
  std::vector<std::uint64_t> past_of(std::int64_t cause) const;
  void races(const DporFrame& here);
  void reverse(std::size_t j, const sim::ExploreEvent& t, const std::vector<std::uint64_t>& past);
  bool enter(std::unique_ptr<protocols::ExploreWorld> world, std::vector<Move> sleep,
             std::map<std::uint64_t, std::vector<std::int64_t>> senders);
  bool pick_first(DporFrame& f, std::size_t from);
  void not_a_step(DporFrame& f, std::size_t index, const Move& m);
  void step();
  std::vector<std::uint32_t> path() const;

  const protocols::ExploreWorld& root_;
  const Options& options_;
  Result result_;
  Pace pace_;
  Visit visit_;
  std::set<std::uint64_t> seen_;  // distinct states, for the count only
  std::vector<DporFrame> stack_;
  std::vector<Event> events_;   // events_[i] led from stack_[i] to stack_[i + 1]
  std::vector<std::uint32_t> choices_;
  bool stop_ = false;
};

std::vector<std::uint32_t> Dpor::path() const { return choices_; }

std::int64_t Dpor::cause_of(const sim::ExploreEvent& e, const DporFrame& here) const {
  switch (e.kind) {
    case sim::ExploreKind::deliver:
    case sim::ExploreKind::drop:
    case sim::ExploreKind::duplicate: {
      auto it = here.senders.find(message_key(e));
      return it == here.senders.end() || it->second.empty() ? -1 : it->second.front();
    }
    case sim::ExploreKind::timer: {
      // The step after which the timer has been enabled ever since (the one that set its
      // deadline). Not its node's last step: a timer enabled before a delivery to its node
      // races with that delivery, and either may go first.
      FAULTLINE_ASSERT(stack_.size() == events_.size() + 1 && &here == &stack_.back(),
                       "a timer's cause is looked up at the end of the path");
      const std::uint64_t key = sim::explore_event_key(e);
      for (std::int64_t i = static_cast<std::int64_t>(events_.size()) - 1; i >= 0; --i) {
        const auto& before = stack_[static_cast<std::size_t>(i)].world->enabled();
        const bool enabled = std::any_of(before.begin(), before.end(), [&](const sim::ExploreEvent& b) {
          return sim::explore_event_key(b) == key;
        });
        if (!enabled) return i;
      }
      return -1;
    }
    case sim::ExploreKind::restart:
      for (std::int64_t i = static_cast<std::int64_t>(events_.size()) - 1; i >= 0; --i) {
        if (events_[static_cast<std::size_t>(i)].move.node == e.node) return i;
      }
      return -1;
    case sim::ExploreKind::crash:
      return -1;
  }
  return -1;
}

std::vector<std::uint64_t> Dpor::past_of(std::int64_t cause) const {
  return cause < 0 ? std::vector<std::uint64_t>{} : events_[static_cast<std::size_t>(cause)].clock;
}

// Every enabled event against the path: the last dependent step that does not happen
// before it is a race to reverse.
void Dpor::races(const DporFrame& here) {
  for (const sim::ExploreEvent& t : here.world->enabled()) {
    const Move m = make_move(t, true);
    const std::vector<std::uint64_t> past = past_of(cause_of(t, here));
    for (std::int64_t j = static_cast<std::int64_t>(events_.size()) - 1; j >= 0; --j) {
      const Event& e = events_[static_cast<std::size_t>(j)];
      if (has(past, j) || !dependent(e.move, m)) continue;
      reverse(static_cast<std::size_t>(j), t, past);
      break;
    }
  }
}

void Dpor::reverse(std::size_t j, const sim::ExploreEvent& t, const std::vector<std::uint64_t>& past) {
  DporFrame& before = stack_[j];
  const auto& enabled = before.world->enabled();
  auto enabled_there = [&](std::uint64_t key) {
    for (const auto& e : enabled) {
      if (sim::explore_event_key(e) == key) return true;
    }
    return false;
  };
  auto add = [&](std::uint64_t key) { before.backtrack.insert(key); };
  const std::uint64_t key = sim::explore_event_key(t);
  if (enabled_there(key)) return add(key);
  // The first step of t's causal past after j that does not itself follow e.
  for (std::size_t k = j + 1; k < events_.size(); ++k) {
    if (!has(past, static_cast<std::int64_t>(k)) || has(events_[k].clock, static_cast<std::int64_t>(j))) continue;
    if (enabled_there(events_[k].move.key)) return add(events_[k].move.key);
  }
  for (const auto& e : enabled) add(sim::explore_event_key(e));
}

// A new state on the path: count it, stop at a violation, find races, pick a first move.
bool Dpor::enter(std::unique_ptr<protocols::ExploreWorld> world, std::vector<Move> sleep,
                 std::map<std::uint64_t, std::vector<std::int64_t>> senders) {
  DporFrame f;
  f.world = std::move(world);
  f.key = state_key(*f.world, options_);
  f.sleep = std::move(sleep);
  f.senders = std::move(senders);
  const protocols::ExploreWorld& w = *f.world;
  if (seen_.insert(w.fingerprint()).second && visit_.state(w)) {
    result_.counterexample = make_path(root_, path(), *w.finding());
    stop_ = true;
    return false;
  }
  const auto& enabled = w.enabled();
  if (enabled.empty()) {
    ++result_.executions;
    if (auto finding = visit_.terminal(w)) {
      ++result_.stuck_states;
      if (!result_.stuck) result_.stuck = make_path(root_, path(), *finding);
    }
    return false;
  }
  if (options_.max_depth > 0 && stack_.size() >= options_.max_depth) {
    ++result_.depth_cut;
    ++result_.executions;
    return false;
  }
  stack_.push_back(std::move(f));
  races(stack_.back());
  if (!pick_first(stack_.back(), 0)) {  // every move is asleep: a redundant interleaving ends here
    ++result_.executions;
    stack_.back().ended = true;
  }
  return true;
}

// The first move from a state: the first enabled event from `from` on that is neither
// asleep nor done; false if there is none.
bool Dpor::pick_first(DporFrame& f, std::size_t from) {
  const auto& enabled = f.world->enabled();
  for (std::size_t i = from; i < enabled.size(); ++i) {
    const std::uint64_t key = sim::explore_event_key(enabled[i]);
    if (contains(f.sleep, key) || contains(f.done, key)) continue;
    f.backtrack.insert(key);
    f.first = key;
    return true;
  }
  f.first = 0;
  return false;
}

// A move that led back to the state it left (a delivery its receiver ignores, in a world
// that keeps such messages; or a message set's): no step of the reduced system, in which
// it is not enabled here. Picked first, the next enabled event takes its place; asked for
// by a race, every event enabled here does (the reversal's last resort, as when the
// event of a race is not enabled at its state).
void Dpor::not_a_step(DporFrame& f, std::size_t index, const Move& m) {
  f.done.push_back(m);
  if (m.key == f.first) {
    pick_first(f, index + 1);
    return;
  }
  for (const auto& e : f.world->enabled()) {
    const std::uint64_t key = sim::explore_event_key(e);
    if (!contains(f.sleep, key)) f.backtrack.insert(key);
  }
}

// Updates the child's senders for the step from `parent` (events_.back()).
void track_messages(const protocols::ExploreWorld& parent, const protocols::ExploreWorld& child,
                    std::int64_t step, const sim::ExploreEvent& e,
                    std::map<std::uint64_t, std::vector<std::int64_t>>& senders) {
  if (e.kind == sim::ExploreKind::deliver || e.kind == sim::ExploreKind::drop) {
    auto it = senders.find(message_key(e));
    if (it != senders.end() && !it->second.empty()) it->second.erase(it->second.begin());
  }
  std::map<std::uint64_t, std::int64_t> count;
  for (const auto& m : child.in_flight()) ++count[message_key(m)];
  for (const auto& m : parent.in_flight()) --count[message_key(m)];
  if (e.kind == sim::ExploreKind::deliver || e.kind == sim::ExploreKind::drop) ++count[message_key(e)];
  for (const auto& [key, n] : count) {
    for (std::int64_t i = 0; i < n; ++i) senders[key].push_back(step);
  }
}

void Dpor::step() {
  DporFrame& f = stack_.back();
  const auto& enabled = f.world->enabled();
  std::int64_t pick = -1;
  for (std::uint32_t i = 0; i < enabled.size() && pick < 0; ++i) {
    const std::uint64_t key = sim::explore_event_key(enabled[i]);
    if (f.backtrack.count(key) > 0 && !contains(f.done, key) && !contains(f.sleep, key)) pick = i;
  }
  if (pick < 0) {  // this state is done: back up
    if (!f.moved && !f.ended) ++result_.executions;  // every move led back here: a path of the reduced system ends
    stack_.pop_back();
    if (!events_.empty()) {
      events_.pop_back();
      choices_.pop_back();
    }
    return;
  }
  const auto i = static_cast<std::uint32_t>(pick);
  std::unique_ptr<protocols::ExploreWorld> child = f.world->clone();
  const bool history = child->perform(i).history;
  ++result_.transitions;
  if (state_key(*child, options_) == f.key) return not_a_step(f, i, make_move(enabled[i], history));
  f.moved = true;
  Event e;
  e.move = make_move(enabled[i], history);
  e.cause = cause_of(enabled[i], f);
  e.clock = past_of(e.cause);
  for (std::size_t j = 0; j < events_.size(); ++j) {
    if (dependent(events_[j].move, e.move)) join(e.clock, events_[j].clock);
  }
  set_bit(e.clock, static_cast<std::int64_t>(events_.size()));
  // A step may disable an event enabled beside it (a delivery resets its node's timer, so
  // the timer with the old deadline is gone). That event never runs after the step, so no
  // race with it is seen later: explore it from here as well.
  const auto& after = child->enabled();
  for (const auto& u : enabled) {
    const std::uint64_t key = sim::explore_event_key(u);
    if (key == e.move.key || !dependent(make_move(u, true), e.move)) continue;
    const bool still = std::any_of(after.begin(), after.end(), [&](const sim::ExploreEvent& a) {
      return sim::explore_event_key(a) == key;
    });
    if (!still) f.backtrack.insert(key);
  }
  std::vector<Move> sleep;
  for (const Move& u : f.sleep) {
    if (!dependent(u, e.move)) sleep.push_back(u);
  }
  for (const Move& u : f.done) {
    if (!dependent(u, e.move)) sleep.push_back(u);
  }
  f.done.push_back(e.move);
  const std::int64_t index = static_cast<std::int64_t>(events_.size());
  events_.push_back(std::move(e));
  choices_.push_back(i);
  // Senders: the parent's, minus the message this step consumed, plus what it sent.
  std::map<std::uint64_t, std::vector<std::int64_t>> senders = f.senders;
  track_messages(*f.world, *child, index, enabled[i], senders);
  if (!enter(std::move(child), std::move(sleep), std::move(senders))) {
    events_.pop_back();
    choices_.pop_back();
    return;
  }
  result_.depth = std::max<std::uint64_t>(result_.depth, events_.size());
  result_.peak_frontier = std::max<std::uint64_t>(result_.peak_frontier, stack_.size());
}

Result Dpor::run() {
  enter(root_.clone(), {}, {});
  while (!stop_ && !stack_.empty()) {
    step();
    if ((result_.transitions & 1023) == 0) {
      pace_.progress(result_.states, stack_.size(), stack_.size());
      if (const auto why = pace_.out_of_budget()) {
        result_.stop_reason = *why;
        stop_ = true;
      }
    }
    if (options_.max_states > 0 && result_.states >= options_.max_states && !stop_) {
      result_.stop_reason = "--max-states " + std::to_string(options_.max_states) + " reached";
      stop_ = true;
    }
  }
  pace_.done();
  result_.exhaustive = result_.stop_reason.empty() && !result_.counterexample && result_.depth_cut == 0;
  result_.complete = result_.exhaustive;
  result_.elapsed_s = pace_.elapsed_s();
  result_.memory_bytes = peak_memory_bytes();
  return std::move(result_);
}

}  // namespace

Result run_dpor(const protocols::ExploreWorld& root, const Options& options) {
  return Dpor(root, options).run();
}

}  // namespace faultline::explorer::detail
