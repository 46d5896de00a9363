// Moves, the state table, budgets and paths (search.hpp).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "search.hpp"

namespace faultline::explorer::detail {

Move make_move(const sim::ExploreEvent& e, bool history) {
  Move m;
  m.key = sim::explore_event_key(e);
  m.kind = e.kind;
  m.history = history;
  switch (e.kind) {
    case sim::ExploreKind::deliver:
      m.node = e.node;
      [[fallthrough]];
    case sim::ExploreKind::drop:
    case sim::ExploreKind::duplicate:
      m.message = sim::explore_event_key(sim::ExploreEvent{sim::ExploreKind::deliver, e.node, e.peer, e.content, 0});
      break;
    case sim::ExploreKind::timer:
    case sim::ExploreKind::crash:
    case sim::ExploreKind::restart:
      m.node = e.node;
      break;
  }
  return m;
}

bool dependent(const Move& a, const Move& b) {
  if (a.message != 0 && a.message == b.message) return true;
  if (a.node != sim::kNoNode && a.node == b.node) return true;
  if (a.history && b.history) return true;
  const bool global_budget = a.kind == sim::ExploreKind::drop || a.kind == sim::ExploreKind::duplicate ||
                             a.kind == sim::ExploreKind::crash || a.kind == sim::ExploreKind::restart;
  return global_budget && a.kind == b.kind;
}

bool contains(const std::vector<Move>& moves, std::uint64_t key) {
  return std::any_of(moves.begin(), moves.end(), [key](const Move& m) { return m.key == key; });
}

// ---------------------------------------------------------------- the state table

StateTable::StateTable() : keys_(1u << 16, 0), slots_(1u << 16, 0) {}

namespace {
std::uint64_t stored_key(std::uint64_t fp) { return fp == 0 ? 1 : fp; }
std::size_t home(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 17) & mask;
}
// Doubles an open-addressing table (linear probing; key 0 is an empty slot) of keys and
// a 32-bit value each.
void grow_open_table(std::vector<std::uint64_t>& keys, std::vector<std::uint32_t>& values) {
  std::vector<std::uint64_t> new_keys(keys.size() * 2, 0);
  std::vector<std::uint32_t> new_values(new_keys.size(), 0);
  const std::size_t mask = new_keys.size() - 1;
  for (std::size_t j = 0; j < keys.size(); ++j) {
    if (keys[j] == 0) continue;
    std::size_t i = home(keys[j], mask);
    while (new_keys[i] != 0) i = (i + 1) & mask;
    new_keys[i] = keys[j];
    new_values[i] = values[j];
  }
  keys.swap(new_keys);
  values.swap(new_values);
}
}  // namespace

std::pair<std::uint32_t, bool> StateTable::insert(std::uint64_t fp, std::uint32_t parent,
                                                  std::uint32_t choice, std::uint32_t depth) {
  if (2 * (records_.size() + 1) > keys_.size()) grow();
  const std::uint64_t key = stored_key(fp);
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = home(key, mask);; i = (i + 1) & mask) {
    if (keys_[i] == key) return {slots_[i], false};
    if (keys_[i] != 0) continue;
    FAULTLINE_ASSERT(records_.size() < 0xffffffffu, "the state table holds fewer than 2^32 states");
    keys_[i] = key;
    slots_[i] = static_cast<std::uint32_t>(records_.size());
    records_.push_back(Record{key, parent, choice, depth});
    return {slots_[i], true};
  }
}

std::optional<std::uint32_t> StateTable::find(std::uint64_t fp) const {
  const std::uint64_t key = stored_key(fp);
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = home(key, mask); keys_[i] != 0; i = (i + 1) & mask) {
    if (keys_[i] == key) return slots_[i];
  }
  return std::nullopt;
}

void StateTable::grow() { grow_open_table(keys_, slots_); }

std::uint64_t StateTable::bytes() const {
  return keys_.capacity() * sizeof(std::uint64_t) + slots_.capacity() * sizeof(std::uint32_t) +
         records_.capacity() * sizeof(Record);
}

FingerprintTable::FingerprintTable() : keys_(1u << 16, 0), words_(1u << 16, 0) {}

std::pair<std::size_t, bool> FingerprintTable::insert(std::uint64_t fp) {
  if (10 * (size_ + 1) > 7 * keys_.size()) grow();
  const std::uint64_t key = stored_key(fp);
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = home(key, mask);; i = (i + 1) & mask) {
    if (keys_[i] == key) return {i, false};
    if (keys_[i] != 0) continue;
    keys_[i] = key;
    ++size_;
    return {i, true};
  }
}

void FingerprintTable::grow() { grow_open_table(keys_, words_); }

std::vector<std::uint32_t> StateTable::path(std::uint32_t index) const {
  std::vector<std::uint32_t> choices;
  for (std::uint32_t i = index; records_[i].parent != i; i = records_[i].parent) {
    choices.push_back(records_[i].choice);
    FAULTLINE_ASSERT(choices.size() <= records_[index].depth, "a path leads back to the root");
  }
  std::reverse(choices.begin(), choices.end());
  return choices;
}

// ---------------------------------------------------------------- pace and progress

namespace {
std::uint64_t default_memory_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size) / 4 * 3;
}

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t total = 0, resident = 0;
  if (!(statm >> total >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGE_SIZE));
}
}  // namespace

Pace::Pace(const Options& options)
    : start_(Clock::now()),
      budget_s_(options.time_budget_s),
      memory_limit_bytes_(options.max_memory_mb > 0 ? options.max_memory_mb << 20 : default_memory_limit()),
      show_(options.progress && isatty(STDERR_FILENO) != 0),
      last_shown_(start_) {}

double Pace::elapsed_s() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

std::optional<std::string> Pace::out_of_budget() const {
  const double elapsed = elapsed_s();
  if (budget_s_ > 0 && elapsed >= budget_s_) return "--time-budget reached";
  const auto now_ns = static_cast<std::int64_t>(elapsed * 1e9);
  std::int64_t last = memory_checked_ns_.load(std::memory_order_relaxed);
  if (memory_limit_bytes_ == 0 || now_ns - last < 50'000'000 ||
      !memory_checked_ns_.compare_exchange_strong(last, now_ns, std::memory_order_relaxed)) {
    return std::nullopt;
  }
  if (resident_bytes() >= memory_limit_bytes_) {
    return "--max-memory " + std::to_string(memory_limit_bytes_ >> 20) + " MiB reached";
  }
  return std::nullopt;
}

void Pace::progress(std::uint64_t states, std::uint64_t queue, std::uint64_t depth) {
  if (!show_) return;
  const Clock::time_point now = Clock::now();
  if (now - last_shown_ < std::chrono::milliseconds(500)) return;
  last_shown_ = now;
  const double s = elapsed_s();
  std::fprintf(stderr, "\rexplore: %llu states (%.0f/s), queue %llu, depth %llu   ",
               static_cast<unsigned long long>(states), s > 0 ? static_cast<double>(states) / s : 0.0,
               static_cast<unsigned long long>(queue), static_cast<unsigned long long>(depth));
  std::fflush(stderr);
  shown_ = true;
}

void Pace::done() {
  if (shown_) std::fprintf(stderr, "\r%70s\r", "");
}

// ---------------------------------------------------------------- visits

bool is_safety(const sim::Finding& f) { return f.kind != sim::FindingKind::liveness; }

bool Visit::state(const protocols::ExploreWorld& world) {
  ++result_.states;
  if (options_.on_state) options_.on_state(world);
  world.count(result_.facts);
  const auto& f = world.finding();
  return f.has_value() && is_safety(*f);
}

std::optional<sim::Finding> Visit::terminal(const protocols::ExploreWorld& world) {
  ++result_.terminal;
  if (const auto& f = world.finding(); f && !is_safety(*f)) return *f;
  if (std::optional<std::string> stuck = world.stuck()) {
    return sim::Finding{sim::FindingKind::liveness, "liveness",
                        "no event can happen any more, and " + *stuck, 0, 0, sim::kNoNode};
  }
  return std::nullopt;
}

Counterexample make_path(const protocols::ExploreWorld& root, const std::vector<std::uint32_t>& choices,
                         const sim::Finding& finding) {
  Counterexample c;
  c.finding = finding;
  std::unique_ptr<protocols::ExploreWorld> w = root.clone();
  for (const std::uint32_t choice : choices) {
    FAULTLINE_ASSERT(choice < w->enabled().size(), "a path's choice is enabled where it is made");
    c.steps.push_back(PathStep{choice, static_cast<std::uint32_t>(w->enabled().size()), w->describe(choice)});
    w->perform(choice);
  }
  return c;
}

std::uint64_t peak_memory_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace faultline::explorer::detail
