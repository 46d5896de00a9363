// Breadth-first search with a visited set, level by level (search.hpp). Each level's
// states are expanded in chunks, by --jobs threads, and the successors are merged in the
// level's order: the visited set, the counts, the first violation (on a shortest path)
// and the next level are the same for any number of jobs.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "search.hpp"

namespace faultline::explorer::detail {
namespace {

struct Node {
  std::uint32_t record = 0;
  std::unique_ptr<protocols::ExploreWorld> world;
};

struct Successor {
  std::uint32_t parent = 0;  // record
  std::uint32_t choice = 0;
  std::uint64_t fp = 0;
  std::unique_ptr<protocols::ExploreWorld> world;
};

struct Chunk {
  std::vector<Successor> successors;
  std::vector<std::uint32_t> terminal;  // index into the level of states with nothing enabled
  std::uint64_t transitions = 0;
  bool done = false;
};

constexpr std::size_t kChunkStates = 64;

void expand_chunk(const std::vector<Node>& level, std::size_t first, const Options& options, Chunk& out) {
  const std::size_t last = std::min(level.size(), first + kChunkStates);
  for (std::size_t i = first; i < last; ++i) {
    const protocols::ExploreWorld& w = *level[i].world;
    const std::size_t n = w.enabled().size();
    if (n == 0) out.terminal.push_back(static_cast<std::uint32_t>(i));
    for (std::size_t c = 0; c < n; ++c) {
      std::unique_ptr<protocols::ExploreWorld> next = w.clone();
      next->perform(c);
      ++out.transitions;
      const std::uint64_t fp = state_key(*next, options);
      out.successors.push_back(Successor{level[i].record, static_cast<std::uint32_t>(c), fp, std::move(next)});
    }
  }
}

// Expands a level's chunks on `jobs` threads while `merge` consumes them in order.
template <class Merge>
void expand_level(const std::vector<Node>& level, const Options& options, Merge&& merge) {
  const unsigned jobs = options.jobs;
  const std::size_t chunks = (level.size() + kChunkStates - 1) / kChunkStates;
  std::vector<Chunk> out(chunks);
  if (jobs <= 1 || chunks <= 1) {
    for (std::size_t k = 0; k < chunks; ++k) {
      expand_chunk(level, k * kChunkStates, options, out[k]);
      if (!merge(out[k])) return;
      out[k] = Chunk{};
    }
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable ready;
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j) {
    workers.emplace_back([&] {
      for (std::size_t k; !stop && (k = next++) < chunks;) {
        Chunk c;
        expand_chunk(level, k * kChunkStates, options, c);
        const std::lock_guard<std::mutex> lock(mutex);
        out[k] = std::move(c);
        out[k].done = true;
        ready.notify_all();
      }
    });
  }
  for (std::size_t k = 0; k < chunks; ++k) {
    Chunk c;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready.wait(lock, [&] { return out[k].done; });
      c = std::move(out[k]);
      out[k] = Chunk{};
    }
    if (!merge(c)) {
      stop = true;
      break;
    }
  }
  stop = true;
  for (std::thread& t : workers) t.join();
}

}  // namespace

Result run_bfs(const protocols::ExploreWorld& root, const Options& options) {
  Result r;
  Pace pace(options);
  Visit visit(options, r);
  StateTable table;
  table.insert(state_key(root, options), 0, 0, 0);
  std::vector<Node> level;
  level.push_back(Node{0, root.clone()});
  bool stop = visit.state(root);
  if (stop) r.counterexample = make_path(root, {}, *root.finding());
  r.shortest = stop;
  std::uint64_t depth = 0;
  while (!stop && !level.empty()) {
    if (options.max_depth > 0 && depth >= options.max_depth) {
      for (const Node& n : level) r.depth_cut += n.world->enabled().empty() ? 0 : 1;
      break;
    }
    r.peak_frontier = std::max<std::uint64_t>(r.peak_frontier, level.size());
    std::vector<Node> next;
    expand_level(level, options, [&](Chunk& c) {
      r.transitions += c.transitions;
      for (const std::uint32_t i : c.terminal) {
        if (auto f = visit.terminal(*level[i].world)) {
          ++r.stuck_states;
          if (!r.stuck) r.stuck = make_path(root, table.path(level[i].record), *f);
        }
      }
      for (Successor& s : c.successors) {
        const auto [index, fresh] = table.insert(s.fp, s.parent, s.choice, static_cast<std::uint32_t>(depth + 1));
        if (!fresh) continue;
        if (visit.state(*s.world)) {
          r.counterexample = make_path(root, table.path(index), *s.world->finding());
          r.shortest = true;  // the first violation in level order
          stop = true;
          return false;
        }
        next.push_back(Node{index, std::move(s.world)});
        if (options.max_states > 0 && r.states >= options.max_states) {
          r.stop_reason = "--max-states " + std::to_string(options.max_states) + " reached";
          stop = true;
          return false;
        }
      }
      pace.progress(r.states, next.size(), depth + 1);
      if (const auto why = pace.out_of_budget()) {
        r.stop_reason = *why;
        stop = true;
        return false;
      }
      return true;
    });
    level.swap(next);
    ++depth;
    if (!level.empty()) r.depth = depth;
  }
  pace.done();
  r.exhaustive = r.stop_reason.empty() && !r.counterexample;
  r.complete = r.exhaustive && r.depth_cut == 0;
  r.elapsed_s = pace.elapsed_s();
  r.memory_bytes = peak_memory_bytes();
  return r;
}

}  // namespace faultline::explorer::detail
