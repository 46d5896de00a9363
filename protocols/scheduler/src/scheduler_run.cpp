// One run of the scheduler: its nodes, invariants, liveness, summary, and protocol().
#include <algorithm>

#include "scheduler/scheduler.hpp"

namespace faultline::scheduler {
using namespace sim;

namespace {

class SchedRun final : public protocols::ProtocolRun {
 public:
  explicit SchedRun(SchedParams p) : params(std::move(p)) {}
  SchedParams params;
  SchedChecks checks_observer;
  NodeId driver = kNoNode;
  static constexpr JobId kNoJob = ~JobId{0};
  static constexpr Duration kLivenessPeriod = 50 * kMillisecond;
  JobId watched_ = kNoJob;  // the oldest unfinished job at the last look
  Time oldest_since_ = 0;

  std::vector<NodeId> fault_targets() const override { return groups.nodes("executors"); }

  // Liveness after heal, for a FIFO scheduler: the oldest unfinished job has the first
  // claim on every free slot, so once the faults heal it must end within liveness_bound
  // of becoming the oldest (or of the heal). Every job then ends within a bound that
  // grows with the jobs queued ahead of it — a property that overload alone cannot
  // break, while a job that can never finish (a task nobody will run) breaks it.
  void watch_oldest(Simulation& sim, Time heal) {
    const Time end = sim.config().time_limit_ns;
    const std::string name = "liveness";
    if (heal + params.liveness_bound_ns > end) {
      checks.record(name, protocols::CheckStatus::skipped,
                    "the run ends at " + format_time(end) + ", before the faults' end (" +
                        format_time(heal) + ") plus the bound (" +
                        format_time(params.liveness_bound_ns) + ")");
      return;
    }
    checks.record(name, protocols::CheckStatus::skipped, "the run stopped before the heal");
    sim.at(heal, "liveness: watch the oldest job", [this, heal, name](Simulation& s) {
      checks.record(name, protocols::CheckStatus::held, {},
                    {{"heal_ns", heal}, {"bound_ns", params.liveness_bound_ns}});
      check_oldest(s, heal);
    });
  }

  void check_oldest(Simulation& sim, Time heal) {
    const DriverNode* d = driver_of(sim, driver);
    FAULTLINE_ASSERT(d != nullptr, "the driver runs for the whole run");
    const JobState* oldest = nullptr;
    for (const JobState& j : d->dag().jobs()) {
      if (j.status == JobStatus::running) {
        oldest = &j;
        break;
      }
    }
    if (oldest == nullptr) {
      watched_ = kNoJob;
    } else if (oldest->spec.id != watched_) {
      watched_ = oldest->spec.id;
      oldest_since_ = sim.now();  // checks start at the heal
    } else if (sim.now() - oldest_since_ >= params.liveness_bound_ns) {
      const std::string stuck =
          "job " + std::to_string(watched_) + " has been the oldest unfinished job since " +
          format_time(oldest_since_) + " and has not ended: " + d->describe_jobs();
      checks.record("liveness", protocols::CheckStatus::violated, stuck);
      sim.report(Finding{.kind = FindingKind::liveness,
                         .name = "liveness",
                         .message = "faults healed at " + format_time(heal) + "; at " +
                                    format_time(sim.now()) + " (bound " +
                                    format_time(params.liveness_bound_ns) + "): " + stuck});
      return;
    }
    const Time next = sim.now() + kLivenessPeriod;
    if (next <= sim.config().time_limit_ns) {
      sim.at(next, "liveness: watch the oldest job",
             [this, heal](Simulation& s) { check_oldest(s, heal); });
    }
  }

  nlohmann::json summary(const Simulation& sim) const override {
    const DriverNode* d = driver_of(sim, driver);
    if (d == nullptr) return nlohmann::json::object();
    const DagStats& g = d->dag().stats();
    const DriverStats& s = d->stats();
    return {{"jobs_submitted", d->jobs_submitted()},
            {"jobs_succeeded", checks_observer.jobs_succeeded},
            {"jobs_failed", checks_observer.jobs_failed},
            {"launches", s.launches},
            {"fetch_sources_checked", checks_observer.fetch_sources_checked},
            {"speculative_launches", s.speculative_launches},
            {"speculative_wins", g.speculative_wins},
            {"remote_launches", s.remote_launches},
            {"launches_resent", s.launches_resent},
            {"executors_lost", s.executors_lost},
            {"fetch_failures", g.fetch_failures},
            {"stage_resubmissions", g.stage_resubmissions},
            {"outputs_unregistered", g.outputs_unregistered},
            {"map_outputs_recomputed", g.map_outputs_recomputed},
            {"requeued_from_zombie", g.requeued_from_zombie},
            {"counted_failures", g.counted_failures},
            {"files_committed", s.files_written},
            {"commit_denials", d->commits().denials()},
            {"late_writes_refused", s.writes_refused},
            {"committed_then_lost", s.committed_then_lost},
            {"stale_statuses", s.stale_statuses}};
  }
};

}  // namespace

std::unique_ptr<protocols::ProtocolRun> setup_run(Simulation& sim,
                                                  const protocols::RunConfig& config) {
  auto run = std::make_unique<SchedRun>(read_params(config));
  SchedRun* r = run.get();
  // Node ids in order of creation: the driver, then e0.. (the factories run at start).
  r->driver = sim.add_node({.name = "driver", .role = "driver"}, [r](NodeId) {
    return std::make_unique<DriverServer>(r->params.driver, &r->checks_observer);
  });
  r->groups.add("driver", r->driver);
  const auto jobs = std::make_shared<const std::vector<JobSpec>>(r->params.driver.jobs);
  const std::vector<NodeId> executors = protocols::add_group(
      sim, *r, "executors", "e", r->params.executors, "executor", [r, jobs](int i) {
        return [r, jobs, i](NodeId) {
          ExecutorParams e = r->params.executor;
          e.index = static_cast<std::uint32_t>(i);
          e.driver = r->driver;
          e.executors = r->groups.nodes("executors");
          e.jobs = jobs.get();
          e.slowness = i < r->params.slow_executors ? r->params.slow_factor : 1;
          return std::make_unique<ExecutorServer>(std::move(e));
        };
      });
  r->params.driver.executors = executors;
  // The executors' factories hold `jobs`; keep it alive with the run.
  sim.add_invariant("no task on a dead executor", [r, jobs](const Simulation&) {
    return r->checks_observer.violation("no task on a dead executor");
  });
  for (const char* name : {"no fetch from a dead executor", "exactly-once commit", "job result"}) {
    sim.add_invariant(name, [r, name = std::string(name)](const Simulation&) {
      return r->checks_observer.violation(name);
    });
  }
  r->watch_oldest(sim, config.heal_ns);
  return run;
}

}  // namespace faultline::scheduler
