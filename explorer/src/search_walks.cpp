// Random walks and PCT (search.hpp). Walk w draws from its own stream (seed, w), so the
// walks are the same whichever thread runs them; walks run in blocks of 256 (whatever --jobs is) and
// the lowest-numbered failing walk is the one reported.
//
// PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010): each node is a "thread" with a
// random priority; the enabled event of the highest-priority node goes next (its own
// events drawn uniformly among themselves); at d-1 steps drawn uniformly from [1, k] the
// node that just ran drops below every initial priority. For a bug of depth d, one walk
// finds it with probability at least 1 / (n k^(d-1)), n nodes and k steps per walk.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include "search.hpp"
#include "sim/rng.hpp"

namespace faultline::explorer::detail {
namespace {

struct WalkResult {
  std::vector<std::uint32_t> path;
  std::optional<sim::Finding> finding;  // safety or liveness
  std::uint64_t steps = 0;
  std::vector<std::uint64_t> fingerprints;
  std::map<std::string, std::uint64_t> facts;
};

class Walker {
 public:
  Walker(const protocols::ExploreWorld& root, const Options& options, std::uint64_t k)
      : root_(root), options_(options), k_(k) {}
  WalkResult walk(std::uint64_t index) const;

 private:
  std::uint32_t choose_pct(const protocols::ExploreWorld& w, sim::Xoshiro256& rng,
                           std::map<sim::NodeId, std::uint64_t>& priority) const;
  const protocols::ExploreWorld& root_;
  const Options& options_;
  std::uint64_t k_;
};

sim::NodeId thread_of(const sim::ExploreEvent& e) { return e.node; }

std::uint32_t Walker::choose_pct(const protocols::ExploreWorld& w, sim::Xoshiro256& rng,
                                 std::map<sim::NodeId, std::uint64_t>& priority) const {
  const auto& enabled = w.enabled();
  // A node seen for the first time gets a random priority above every changed one.
  sim::NodeId best = sim::kNoNode;
  std::uint64_t best_priority = 0;
  for (const sim::ExploreEvent& e : enabled) {
    auto [it, fresh] = priority.emplace(thread_of(e), 0);
    if (fresh) it->second = (rng.next() | (std::uint64_t{1} << 63));
    if (best == sim::kNoNode || it->second > best_priority) {
      best = it->first;
      best_priority = it->second;
    }
  }
  std::vector<std::uint32_t> mine;
  for (std::uint32_t i = 0; i < enabled.size(); ++i) {
    if (thread_of(enabled[i]) == best) mine.push_back(i);
  }
  return mine[rng.below(mine.size())];
}

WalkResult Walker::walk(std::uint64_t index) const {
  WalkResult r;
  sim::Xoshiro256 rng(options_.seed * 0x9e3779b97f4a7c15ULL + index + 1);
  std::map<sim::NodeId, std::uint64_t> priority;
  std::set<std::uint64_t> change_points;
  const bool pct = options_.strategy == Strategy::pct;
  while (pct && change_points.size() + 1 < options_.pct_depth && change_points.size() < k_) {
    change_points.insert(1 + rng.below(k_));
  }
  std::unique_ptr<protocols::ExploreWorld> w = root_.clone();
  std::uint64_t lowered = 0;  // priorities below every initial one: 1, 2, ...
  while (!w->enabled().empty() && (options_.max_depth == 0 || r.path.size() < options_.max_depth)) {
    const std::uint32_t i = pct ? choose_pct(*w, rng, priority)
                                : static_cast<std::uint32_t>(rng.below(w->enabled().size()));
    const sim::NodeId ran = thread_of(w->enabled()[i]);
    w->perform(i);
    r.path.push_back(i);
    ++r.steps;
    if (pct && change_points.count(r.path.size()) > 0) priority[ran] = ++lowered;
    r.fingerprints.push_back(w->fingerprint());
    w->count(r.facts);
    if (w->finding() && is_safety(*w->finding())) {
      r.finding = *w->finding();
      return r;
    }
  }
  if (w->enabled().empty()) {
    if (const auto& f = w->finding()) r.finding = *f;
    else if (auto stuck = w->stuck()) {
      r.finding = sim::Finding{sim::FindingKind::liveness, "liveness",
                               "no event can happen any more, and " + *stuck, 0, 0, sim::kNoNode};
    }
  }
  return r;
}

// The number of nodes, k and the per-walk bound, as a sentence.
std::string pct_guarantee(std::uint64_t nodes, std::uint64_t k, unsigned d, std::uint64_t walks) {
  const double p = 1.0 / (static_cast<double>(nodes) * std::pow(static_cast<double>(k), d - 1.0));
  const double miss = std::exp(static_cast<double>(walks) * std::log1p(-std::min(p, 1.0 - 1e-12)));
  char text[640];
  std::snprintf(text, sizeof text,
                "PCT with d=%u, n=%llu nodes, k=%llu steps: each walk finds a given bug of depth "
                "<= %u with probability >= 1/(n k^(d-1)) = %.3g; %llu walks without a violation "
                "miss such a bug with probability <= %.3g (a node's choice among its own pending "
                "events is drawn uniformly and is outside this bound)",
                d, static_cast<unsigned long long>(nodes), static_cast<unsigned long long>(k), d, p,
                static_cast<unsigned long long>(walks), miss);
  return text;
}

}  // namespace

Result run_walks(const protocols::ExploreWorld& root, const Options& options) {
  Result r;
  Pace pace(options);
  // k: the length of a walk; a first quiet walk measures it when no --max-depth bounds it.
  std::uint64_t k = options.max_depth;
  std::set<sim::NodeId> nodes;
  {
    std::unique_ptr<protocols::ExploreWorld> w = root.clone();
    std::uint64_t steps = 0;
    while (!w->enabled().empty() && steps < 100000 && (k == 0 || steps < k)) {
      for (const auto& e : w->enabled()) nodes.insert(thread_of(e));
      w->perform(0);
      ++steps;
    }
    if (k == 0) k = std::max<std::uint64_t>(steps * 2, 1);
  }
  const Walker walker(root, options, k);
  std::set<std::uint64_t> seen;
  const unsigned jobs = std::max(1u, options.jobs);
  // A fixed block size, not one per job: the walks run before a failure stops the search
  // (and so every count) must not depend on --jobs.
  constexpr std::uint64_t block = 256;
  std::optional<std::pair<std::uint64_t, WalkResult>> failure;
  for (std::uint64_t first = 0; first < options.walks && !failure; first += block) {
    const std::uint64_t count = std::min(block, options.walks - first);
    std::vector<WalkResult> results(count);
    std::vector<char> walked(count, 0);
    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex why_mu;
    std::optional<std::string> why;
    auto work = [&] {
      for (std::uint64_t i; !stop.load() && (i = next++) < count;) {
        // The budgets are read before every walk, not once a block: a block of long walks
        // (the simulator engine) took 38 times a --time-budget of 5 s.
        if (auto reason = pace.out_of_budget()) {
          const std::lock_guard<std::mutex> lock(why_mu);
          if (!why) why = std::move(reason);
          stop = true;
          break;
        }
        results[i] = walker.walk(first + i);
        walked[i] = 1;
      }
    };
    std::vector<std::thread> threads;
    for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();
    // The walks counted are a prefix, whichever thread ran which: the lowest-numbered
    // failing walk is still the one reported.
    std::uint64_t done = 0;
    while (done < count && walked[done]) ++done;
    for (std::uint64_t i = 0; i < done; ++i) {
      WalkResult& w = results[i];
      ++r.executions;
      r.transitions += w.steps;
      r.depth = std::max<std::uint64_t>(r.depth, w.steps);
      seen.insert(w.fingerprints.begin(), w.fingerprints.end());
      for (const auto& [fact, n] : w.facts) r.facts[fact] += n;
      if (w.finding && !is_safety(*w.finding)) {
        ++r.stuck_states;
        if (!r.stuck) r.stuck = make_path(root, w.path, *w.finding);
      } else if (w.finding && !failure) {
        failure.emplace(first + i, std::move(w));
      }
    }
    pace.progress(seen.size(), options.walks - first - done, r.depth);
    if (!why) why = pace.out_of_budget();
    if (why) {
      r.stop_reason = *why;
      break;
    }
  }
  pace.done();
  r.states = seen.size();
  if (failure) {
    r.counterexample = make_path(root, failure->second.path, *failure->second.finding);
    r.found_at_walk = failure->first + 1;
  }
  if (options.strategy == Strategy::pct) {
    r.guarantee = pct_guarantee(std::max<std::size_t>(nodes.size(), 1), k, options.pct_depth, r.executions);
  }
  r.exhaustive = false;  // walks sample; they never claim every state
  r.elapsed_s = pace.elapsed_s();
  r.memory_bytes = peak_memory_bytes();
  return r;
}

}  // namespace faultline::explorer::detail
