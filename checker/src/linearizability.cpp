// check(): validates the ops against the model, partitions the history (P-compositionality:
// a history is linearizable iff every part is), searches the parts on worker threads and
// combines their outcomes. The reported failing part is the lowest-numbered one, whatever
// order the threads finish in.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <new>
#include <thread>
#include <unordered_map>

#include "checker/checker.hpp"
#include "checker_assert.hpp"
#include "part_search.hpp"

namespace faultline::checker {
namespace {

using Clock = std::chrono::steady_clock;
using detail::PartOutcome;
using detail::PartProgress;
using detail::SearchLimits;

constexpr std::size_t kNoPart = static_cast<std::size_t>(-1);

struct Part {
  std::string key;
  std::vector<std::size_t> ops;
};

std::optional<InputError> validate_ops(const History& history, const Model& model) {
  for (std::size_t i = 0; i < history.ops.size(); ++i) {
    const Operation& op = history.ops[i];
    if (auto problem = model.validate(op)) {
      std::string where = op.invoke_line ? "line " + std::to_string(op.invoke_line)
                                         : "operation " + std::to_string(i) + " (process " +
                                               std::to_string(op.process) + ")";
      return InputError{where, *problem};
    }
  }
  return std::nullopt;
}

std::vector<Part> partition_history(const History& history, const Model& model) {
  std::vector<Part> parts;
  std::unordered_map<std::string, std::size_t> index;  // lookups only
  for (std::size_t i = 0; i < history.ops.size(); ++i) {
    std::string key = model.partition(history.ops[i]).value_or("");
    auto [it, inserted] = index.try_emplace(key, parts.size());
    if (inserted) parts.push_back(Part{key, {}});
    parts[it->second].ops.push_back(i);
  }
  return parts;
}

struct PartRun {
  std::unique_ptr<detail::PartSearcher> searcher;  // freed once the part is finished
  std::optional<PartOutcome> outcome;
  PartProgress last = PartProgress::paused;

  std::uint64_t explored() const {
    if (outcome) return outcome->configurations;
    return searcher ? searcher->configurations() : 0;
  }
};

PartOutcome failed_outcome(std::string reason, std::optional<std::string> model_error = {}) {
  PartOutcome out;
  out.unknown_reason = std::move(reason);
  out.model_error = std::move(model_error);
  return out;
}

// One slice of one part's search: compiled on first use, then resumed.
void run_slice(const History& history, const Model& model, const Part& part,
               const CheckOptions& options, const SearchLimits& limits, PartRun& run) {
  try {
    if (!run.searcher) {
      auto ops = detail::ops_to_search(history, model, part.ops);
      auto* compiled = dynamic_cast<const detail::CompiledModel*>(&model);
      run.searcher = compiled && options.use_compiled_models
                         ? compiled->compile_part(history, std::move(ops), part.key)
                         : detail::make_json_searcher(history, model, std::move(ops));
    }
    run.last = run.searcher->run(limits);
    if (run.last != PartProgress::finished) return;
    run.outcome = run.searcher->outcome();
  } catch (const std::bad_alloc&) {
    run.outcome = failed_outcome("memory ran out");
  } catch (const std::exception& e) {
    run.outcome = failed_outcome("", e.what());
  }
  run.searcher.reset();
}

// Runs fn(i) for every i in `indices` on up to `workers` threads.
template <class Fn>
void for_each_parallel(const std::vector<std::size_t>& indices, unsigned workers, Fn fn) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < indices.size();) fn(indices[k]);
  };
  workers = static_cast<unsigned>(std::min<std::size_t>(workers, indices.size()));
  if (workers <= 1) return work();
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) threads.emplace_back(work);
  for (auto& thread : threads) thread.join();
}

unsigned worker_count(const CheckOptions& options, std::size_t parts) {
  unsigned wanted = options.threads ? options.threads : std::thread::hardware_concurrency();
  wanted = std::max(1u, wanted);
  return static_cast<unsigned>(std::min<std::size_t>(wanted, std::max<std::size_t>(parts, 1)));
}

// Parts are searched in rounds: in round k every unfinished part explores up to
// kFirstRoundConfigurations * 4^k configurations (resuming where it stopped), within an
// equal share of the memory budget. The first round in which some part fails decides:
// the lowest-numbered part failing in it is reported. This finds an easy failure about as
// soon as racing searches would, yet the report depends only on the history, never on
// which thread ran first. A part left alone runs without a configuration cap.
class RoundRobin {
 public:
  static constexpr std::uint64_t kFirstRoundConfigurations = 4096;
  static constexpr std::size_t kParallelOpsMin = 4096;

  RoundRobin(const History& history, const Model& model, const std::vector<Part>& parts,
             const CheckOptions& options, unsigned workers)
      : history_(history),
        model_(model),
        parts_(parts),
        options_(options),
        workers_(workers),
        runs_(parts.size()) {}

  std::vector<PartOutcome> run();

 private:
  SearchLimits round_limits(std::size_t round, std::size_t unfinished) const;
  std::vector<std::uint64_t> budget_shares(const std::vector<std::size_t>& unfinished) const;
  bool budget_spent() const;
  void run_round(const std::vector<std::size_t>& unfinished, const SearchLimits& limits,
                 std::size_t round);
  bool settle(std::vector<std::size_t>& unfinished);
  void give_up(const std::vector<std::size_t>& unfinished, const std::string& reason);

  const History& history_;
  const Model& model_;
  const std::vector<Part>& parts_;
  const CheckOptions& options_;
  unsigned workers_;
  std::vector<PartRun> runs_;
  std::atomic<std::size_t> first_failed_{kNoPart};
  std::optional<Clock::time_point> deadline_;
};

std::vector<PartOutcome> RoundRobin::run() {
  if (options_.timeout_s > 0) {
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options_.timeout_s));
  }
  std::vector<std::size_t> unfinished(parts_.size());
  for (std::size_t i = 0; i < unfinished.size(); ++i) unfinished[i] = i;
  // Biggest parts first within a round, so no thread is left alone with a long one.
  std::stable_sort(unfinished.begin(), unfinished.end(), [&](std::size_t a, std::size_t b) {
    return parts_[a].ops.size() > parts_[b].ops.size();
  });
  for (std::size_t round = 0; !unfinished.empty(); ++round) {
    run_round(unfinished, round_limits(round, unfinished.size()), round);
    if (!settle(unfinished)) break;
  }
  std::vector<PartOutcome> outcomes;
  outcomes.reserve(runs_.size());
  for (PartRun& r : runs_) outcomes.push_back(r.outcome ? std::move(*r.outcome) : PartOutcome{});
  return outcomes;
}

void RoundRobin::run_round(const std::vector<std::size_t>& unfinished, const SearchLimits& limits,
                           std::size_t round) {
  // Threads cost more than they save on a few small parts (the simulator checks many
  // small histories); how many run changes only speed, never the result.
  std::size_t ops = 0;
  for (std::size_t i : unfinished) ops += parts_[i].ops.size();
  unsigned workers = ops >= kParallelOpsMin || round > 0 ? workers_ : 1;
  const std::vector<std::uint64_t> shares = budget_shares(unfinished);
  std::vector<std::uint64_t> caps(runs_.size(), 0);  // by part index, for the workers
  for (std::size_t k = 0; k < unfinished.size(); ++k) {
    const std::uint64_t explored = runs_[unfinished[k]].explored();
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - explored;
    caps[unfinished[k]] = std::min(limits.configurations_max, explored + std::min(shares[k], room));
  }
  for_each_parallel(unfinished, workers, [&](std::size_t i) {
    SearchLimits mine = limits;
    mine.part_index = i;
    mine.configurations_max = caps[i];
    // A part with no share of the work budget left waits (the budget ends the search next).
    if (options_.max_configurations > 0 && mine.configurations_max <= runs_[i].explored()) return;
    run_slice(history_, model_, parts_[i], options_, mine, runs_[i]);
    if (!runs_[i].outcome || runs_[i].outcome->verdict != Verdict::not_linearizable) return;
    std::size_t seen = first_failed_.load();
    while (i < seen && !first_failed_.compare_exchange_weak(seen, i)) {
    }
  });
}

SearchLimits RoundRobin::round_limits(std::size_t round, std::size_t unfinished) const {
  SearchLimits limits;
  limits.deadline = deadline_;
  limits.first_failed_part = &first_failed_;
  limits.want_witness = options_.want_witness;
  limits.memory_bytes_max = options_.memory_bytes_max / unfinished;
  if (unfinished > 1) {
    limits.configurations_max = kFirstRoundConfigurations << (2 * std::min<std::size_t>(round, 20));
  }
  return limits;
}

// After a round: drops finished parts; false when the search is over.
bool RoundRobin::settle(std::vector<std::size_t>& unfinished) {
  bool progress = false;
  std::vector<std::size_t> still;
  still.reserve(unfinished.size());
  for (std::size_t i : unfinished) {
    if (runs_[i].outcome) {
      progress = true;
    } else {
      still.push_back(i);
      progress = progress || runs_[i].last != PartProgress::starved;
    }
  }
  unfinished = std::move(still);
  if (unfinished.empty()) return false;
  if (first_failed_.load() != kNoPart) {
    give_up(unfinished, "stopped: another part is not linearizable");
  } else if (budget_spent()) {
    give_up(unfinished, "the work budget (max_configurations) of " +
                            std::to_string(options_.max_configurations) +
                            " configurations ran out");
  } else if (!progress) {
    give_up(unfinished, "the memory budget ran out");
  } else if (deadline_ && Clock::now() > *deadline_) {
    give_up(unfinished, "the time budget ran out");
  } else {
    return true;
  }
  return false;
}

void RoundRobin::give_up(const std::vector<std::size_t>& unfinished, const std::string& reason) {
  for (std::size_t i : unfinished) {
    const std::uint64_t explored = runs_[i].explored();
    runs_[i].outcome = failed_outcome(reason);
    runs_[i].outcome->configurations = explored;
    runs_[i].searcher.reset();
  }
}

bool RoundRobin::budget_spent() const {
  if (options_.max_configurations == 0) return false;
  std::uint64_t total = 0;
  for (const PartRun& run : runs_) total += run.explored();
  return total >= options_.max_configurations;
}

// How many more configurations each unfinished part may explore this round under the work
// budget: what is left, split evenly in `unfinished` order (the remainder to the first
// ones). The split depends only on counts, never on timing, so the verdict and the count
// reached are the same on every run.
std::vector<std::uint64_t> RoundRobin::budget_shares(
    const std::vector<std::size_t>& unfinished) const {
  constexpr auto kNoCap = std::numeric_limits<std::uint64_t>::max();
  std::vector<std::uint64_t> shares(unfinished.size(), kNoCap);
  if (options_.max_configurations == 0) return shares;
  std::uint64_t total = 0;
  for (const PartRun& run : runs_) total += run.explored();
  CHECKER_ASSERT(total <= options_.max_configurations, "the work budget was overspent");
  const std::uint64_t left = options_.max_configurations - total;
  for (std::size_t k = 0; k < unfinished.size(); ++k) {
    shares[k] = left / unfinished.size() + (k < left % unfinished.size() ? 1 : 0);
  }
  return shares;
}

void combine(std::vector<Part>& parts, std::vector<PartOutcome>& outcomes, CheckResult& result) {
  std::size_t failed = kNoPart;
  std::size_t unknown = kNoPart;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    PartOutcome& o = outcomes[i];
    result.configurations += o.configurations;
    if (o.verdict == Verdict::not_linearizable && failed == kNoPart) failed = i;
    if (o.verdict == Verdict::unknown && unknown == kNoPart) unknown = i;
    result.parts.push_back(PartReport{std::move(parts[i].key), std::move(parts[i].ops), o.verdict,
                                      o.unknown_reason, o.configurations, std::move(o.witness)});
  }
  if (failed != kNoPart) {
    result.verdict = Verdict::not_linearizable;
    result.counterexample = Counterexample{failed, std::move(outcomes[failed].initial_state),
                                           std::move(outcomes[failed].longest)};
  } else if (unknown != kNoPart) {
    result.verdict = Verdict::unknown;
    const std::string& key = result.parts[unknown].key;
    result.unknown_reason = result.parts[unknown].unknown_reason +
                            (key.empty() ? std::string() : " (part \"" + key + "\")");
  } else {
    result.verdict = Verdict::linearizable;
  }
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable:
      return "linearizable";
    case Verdict::not_linearizable:
      return "not_linearizable";
    case Verdict::unknown:
      return "unknown";
  }
  return "?";
}

Expected<CheckResult> check(const History& history, const Model& model,
                            const CheckOptions& options) {
  auto start = Clock::now();
  if (auto error = validate_ops(history, model)) return *error;
  CheckResult result;
  result.model = model.name();
  result.ops = history.ops.size();
  std::vector<Part> parts = partition_history(history, model);
  unsigned workers = worker_count(options, parts.size());
  std::vector<PartOutcome> outcomes = RoundRobin(history, model, parts, options, workers).run();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].model_error) {
      return InputError{parts[i].key.empty() ? "" : "part \"" + parts[i].key + "\"",
                        "the " + model.name() + " model failed: " + *outcomes[i].model_error};
    }
  }
  combine(parts, outcomes, result);
  result.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

}  // namespace faultline::checker
