// One run of the scheduler: its nodes, invariants, liveness, summary, and protocol().
#include "protocols/run_checks.hpp"
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

  std::vector<NodeId> fault_targets() const override { return groups.nodes("executors"); }

  // Jobs submitted by `by` that have not ended.
  std::string unfinished(const Simulation& sim, Time by) const {
    const DriverNode* d = driver_of(sim, driver);
    if (d == nullptr) return "the driver is not running";
    std::string stuck;
    for (const JobState& j : d->dag().jobs()) {
      if (j.status != JobStatus::running || j.submitted_at > by) continue;
      stuck += (stuck.empty() ? "" : "; ") + std::string("job ") + std::to_string(j.spec.id) +
               " (submitted at " + format_time(j.submitted_at) + ") still running: " +
               d->describe_jobs();
      break;
    }
    return stuck;
  }

  void finish(Simulation& sim) override {
    const Time by = sim.now() - params.liveness_bound_ns;
    const std::string name = "jobs finish";
    if (by < 0) {
      checks.record(name, protocols::CheckStatus::skipped, "the run is shorter than the bound");
      return;
    }
    const std::string stuck = unfinished(sim, by);
    if (stuck.empty()) {
      checks.record(name, protocols::CheckStatus::held);
      return;
    }
    checks.record(name, protocols::CheckStatus::violated, stuck);
    sim.report(Finding{.kind = FindingKind::liveness, .name = name,
                       .message = "at the end of the run, a job submitted more than " +
                                  format_time(params.liveness_bound_ns) + " earlier: " + stuck});
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
          e.speed_divisor = i < r->params.slow_executors ? r->params.slow_factor : 1;
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
  const Time heal = config.heal_ns;
  protocols::schedule_liveness(sim, r->checks, heal, r->params.liveness_bound_ns,
                               [r, heal](const Simulation& s) { return r->unfinished(s, heal); });
  return run;
}

}  // namespace faultline::scheduler
