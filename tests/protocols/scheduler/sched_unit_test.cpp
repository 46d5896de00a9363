// Unit tests of the scheduler's pure parts: the job computation (against a slow,
// obviously correct twin), the commit coordinator, the DAG scheduler, and one executor.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "scheduler/dag_scheduler.hpp"
#include "scheduler/executor_node.hpp"
#include "scheduler/sched_commit.hpp"
#include "scheduler/sched_job.hpp"

using namespace faultline;
using namespace faultline::scheduler;

namespace {

// The slow twin: run every task of every stage in order, passing blocks by hand.
Records run_job_by_tasks(const JobSpec& job) {
  std::map<int, std::vector<std::vector<Records>>> blocks;  // stage -> map task -> blocks
  Records result;
  for (const StageSpec& s : job.stages) {
    for (int p = 0; p < s.partitions; ++p) {
      Records input;
      if (s.kind == StageKind::input_map) {
        input = input_partition(job, s.dataset, p);
      } else {
        for (int parent : s.parents) {
          for (const auto& task : blocks[parent]) {
            input.insert(input.end(), task[static_cast<std::size_t>(p)].begin(),
                         task[static_cast<std::size_t>(p)].end());
          }
        }
      }
      TaskOutput out = run_task(s, input);
      REQUIRE_FALSE(out.poisoned);
      if (s.writes_shuffle()) {
        for (std::size_t r = 0; r < out.blocks.size(); ++r) {
          for (const Record& rec : out.blocks[r]) CHECK(rec.key % out.blocks.size() == r);
        }
        blocks[s.index].push_back(out.blocks);
      } else {
        result.insert(result.end(), out.blocks[0].begin(), out.blocks[0].end());
      }
    }
  }
  std::sort(result.begin(), result.end(),
            [](const Record& a, const Record& b) { return a.key < b.key; });
  return result;
}

JobSpec small_job(Shape shape, bool poisoned = false) {
  return make_job(0, shape, 4, 3, 30, 17, poisoned);
}

}  // namespace

TEST_CASE(
    "scheduler: the sequential result equals the stage-by-stage computation, for every shape") {
  for (Shape shape : {Shape::chain2, Shape::chain3, Shape::join}) {
    const JobSpec job = make_job(3, shape, 5, 3, 40, 23, false);
    const Records expected = expected_result(job);
    CHECK(run_job_by_tasks(job) == expected);
    CHECK_FALSE(expected.empty());
  }
  // chain3 halves keys: its result has about half as many keys as chain2's.
  CHECK(expected_result(small_job(Shape::chain3)).size() <
        expected_result(small_job(Shape::chain2)).size());
}

TEST_CASE("scheduler: a poisoned input makes its task fail and no other") {
  const JobSpec job = small_job(Shape::chain2, true);
  CHECK(run_task(job.stages[0], input_partition(job, 0, 0)).poisoned);
  CHECK_FALSE(run_task(job.stages[0], input_partition(job, 0, 1)).poisoned);
  CHECK_FALSE(run_task(job.stages[0], input_partition(small_job(Shape::chain2), 0, 0)).poisoned);
}

TEST_CASE(
    "scheduler: commit coordinator: one attempt per partition commits, and a committed one stays") {
  CommitCoordinator c;
  CHECK(c.ask(0, 1, 10) == CommitDecision::granted);
  CHECK(c.ask(0, 1, 11) == CommitDecision::denied);
  CHECK(c.ask(0, 2, 11) == CommitDecision::granted);  // partitions are independent
  CHECK_FALSE(c.write(0, 1, 11, {{1, 1}}));           // not authorized: refused
  CHECK(c.write(0, 1, 10, {{1, 5}}));
  CHECK(c.write(0, 1, 10, {{1, 5}}));  // a duplicated write changes nothing
  CHECK(c.files(0).size() == 1);
  CHECK(c.ask(0, 1, 12) == CommitDecision::already_committed);
  // Its executor is lost before the status arrives: the partition stays committed.
  CHECK(c.attempt_failed(0, 1, 10) == CommitCoordinator::OnFailure::committed);
  CHECK(c.committed(0, 1));
  CHECK(c.ask(0, 1, 13) == CommitDecision::already_committed);
  // An authorized attempt that fails before writing releases the partition, and its
  // late write is refused.
  CHECK(c.attempt_failed(0, 2, 11) == CommitCoordinator::OnFailure::released);
  CHECK(c.ask(0, 2, 14) == CommitDecision::granted);
  CHECK_FALSE(c.write(0, 2, 11, {{2, 1}}));
  CHECK(c.write(0, 2, 14, {{2, 1}}));
  CHECK(c.files(0).size() == 2);
  CHECK(c.attempt_failed(0, 2, 99) == CommitCoordinator::OnFailure::none);
}

TEST_CASE(
    "commit coordinator bugs: every attempt commits; a failed committer frees its partition") {
  CommitCoordinator none({.no_commit_coordination = true});
  CHECK(none.ask(0, 0, 1) == CommitDecision::granted);
  CHECK(none.ask(0, 0, 2) == CommitDecision::granted);
  CHECK(none.write(0, 0, 1, {}));
  CHECK(none.write(0, 0, 2, {}));
  CHECK(none.files(0).size() == 2);

  CommitCoordinator release({.release_commit_on_failure = true});
  CHECK(release.ask(0, 0, 1) == CommitDecision::granted);
  CHECK(release.write(0, 0, 1, {}));
  CHECK(release.attempt_failed(0, 0, 1) == CommitCoordinator::OnFailure::released);
  CHECK(release.ask(0, 0, 2) == CommitDecision::granted);
  CHECK(release.write(0, 0, 2, {}));
  CHECK(release.files(0).size() == 2);
}

namespace {

constexpr sim::Time kT = sim::kMillisecond;

struct Dag {
  DagScheduler dag;
  AttemptId next = 1;
  explicit Dag(DagBugs bugs = {}, int max_failures = 4) : dag(bugs, max_failures) {}

  // Launches every pending task of every runnable set, on executor `e` generation 1.
  std::vector<AttemptId> launch_all(std::uint32_t e, sim::Time now) {
    std::vector<AttemptId> ids;
    for (const auto& r : dag.runnable()) {
      const std::vector<Pending> pending = dag.task_set(r).pending;
      for (const Pending& p : pending) {
        ids.push_back(dag.launch(r, p.partition, e, 1, next, now, false).id);
        ++next;
      }
    }
    return ids;
  }
  void succeed_all(const std::vector<AttemptId>& ids, sim::Time now) {
    for (AttemptId id : ids) {
      if (dag.attempt(id) != nullptr) dag.succeeded(id, now);
    }
  }
};

}  // namespace

TEST_CASE("scheduler: DAG scheduler: a stage runs once its parents' outputs are all registered") {
  Dag d;
  d.dag.submit(small_job(Shape::chain2), 0);
  REQUIRE(d.dag.runnable().size() == 1);
  CHECK(d.dag.runnable()[0].stage == 0);
  const auto maps = d.launch_all(0, kT);
  CHECK(maps.size() == 4);
  CHECK(d.dag.runnable().size() == 1);  // the map set, with nothing pending
  d.succeed_all({maps[0], maps[1], maps[2]}, 2 * kT);
  CHECK(d.dag.runnable()[0].stage == 0);  // one map output still missing
  d.dag.succeeded(maps[3], 3 * kT);
  REQUIRE(d.dag.runnable().size() == 1);
  CHECK(d.dag.runnable()[0].stage == 1);
  CHECK(d.dag.sources(0, 1, 0).size() == 4);
  const auto reduces = d.launch_all(1, 4 * kT);
  CHECK(reduces.size() == 3);
  d.succeed_all(reduces, 5 * kT);
  CHECK(d.dag.job(0).status == JobStatus::succeeded);
  CHECK(d.dag.take_ended() == std::vector<JobId>{0});
}

TEST_CASE("scheduler: DAG scheduler: a join runs both map stages at once and reduces after both") {
  Dag d;
  d.dag.submit(small_job(Shape::join), 0);
  CHECK(d.dag.runnable().size() == 2);
  const auto maps = d.launch_all(0, kT);
  CHECK(maps.size() == 8);
  d.succeed_all(std::vector<AttemptId>(maps.begin(), maps.begin() + 4), 2 * kT);
  CHECK(d.dag.runnable().size() == 1);  // stage 1 still runs; the result waits
  d.succeed_all(std::vector<AttemptId>(maps.begin() + 4, maps.end()), 3 * kT);
  REQUIRE(d.dag.runnable().size() == 1);
  CHECK(d.dag.runnable()[0].stage == 2);
  CHECK(d.dag.sources(0, 2, 0).size() == 8);
}

TEST_CASE(
    "scheduler: DAG scheduler: a lost executor's map outputs run again, unless the bug keeps "
    "them") {
  for (bool bug : {false, true}) {
    CAPTURE(bug);
    Dag d(DagBugs{.keep_lost_map_outputs = bug});
    d.dag.submit(small_job(Shape::chain2), 0);
    // Two map tasks on e0, two on e1.
    std::vector<AttemptId> ids;
    const auto r = d.dag.runnable()[0];
    for (std::uint32_t p = 0; p < 4; ++p)
      ids.push_back(d.dag.launch(r, p, p % 2, 1, d.next++, kT, false).id);
    d.succeed_all(ids, 2 * kT);
    REQUIRE(d.dag.runnable()[0].stage == 1);
    d.dag.executor_lost(1, 1, 3 * kT);
    if (bug) {
      CHECK(d.dag.runnable()[0].stage == 1);  // still fetching from e1
      continue;
    }
    REQUIRE(d.dag.runnable().size() == 1);
    CHECK(d.dag.runnable()[0].stage == 0);  // the map stage runs again for e1's outputs
    CHECK(d.dag.task_set(d.dag.runnable()[0]).pending.size() == 2);
    CHECK(d.dag.stats().outputs_unregistered == 2);
    d.succeed_all(d.launch_all(0, 4 * kT), 5 * kT);
    CHECK(d.dag.stats().map_outputs_recomputed == 2);
    CHECK(d.dag.runnable()[0].stage == 1);
  }
}

TEST_CASE(
    "scheduler: DAG scheduler: a fetch failure resubmits the parent stage, not just the reducer") {
  Dag d;
  d.dag.submit(small_job(Shape::chain2), 0);
  d.succeed_all(d.launch_all(0, kT), 2 * kT);
  const auto reduces = d.launch_all(1, 3 * kT);
  const FetchSource lost{0, 2, 0, 1};
  d.dag.fetch_failed(reduces[0], lost, 4 * kT);
  REQUIRE(d.dag.runnable().size() == 1);
  CHECK(d.dag.runnable()[0].stage == 0);
  CHECK(d.dag.task_set(d.dag.runnable()[0]).pending.size() == 1);
  CHECK(d.dag.job(0).stages[1].sets[0].zombie);
  d.succeed_all(d.launch_all(2, 5 * kT), 6 * kT);
  // The reduce stage's second attempt takes the failed reducer; the others still run in
  // the zombie and count when they finish.
  REQUIRE(d.dag.runnable()[0].stage == 1);
  CHECK(d.dag.task_set(d.dag.runnable()[0]).pending.size() == 1);
  d.succeed_all({reduces[1], reduces[2]}, 7 * kT);
  d.succeed_all(d.launch_all(1, 8 * kT), 9 * kT);
  CHECK(d.dag.job(0).status == JobStatus::succeeded);
  CHECK(d.dag.stats().counted_failures == 0);
}

TEST_CASE(
    "scheduler: DAG scheduler bug fetch-failure-ignored: the reducer fails until the job does") {
  Dag d(DagBugs{.fetch_failure_ignored = true}, 3);
  d.dag.submit(small_job(Shape::chain2), 0);
  d.succeed_all(d.launch_all(0, kT), 2 * kT);
  for (int i = 0; i < 3; ++i) {
    const auto reduces = d.launch_all(1, (3 + i) * kT);
    REQUIRE_FALSE(reduces.empty());
    d.dag.fetch_failed(reduces[0], FetchSource{0, 2, 0, 1}, (3 + i) * kT);
    CHECK(d.dag.runnable().size() == (i < 2 ? 1u : 0u));
  }
  CHECK(d.dag.job(0).status == JobStatus::failed);
  CHECK(d.dag.job(0).reason.find("failed 3 times") != std::string::npos);
}

TEST_CASE(
    "scheduler: DAG scheduler: a task lost from a zombie set runs in the stage's next attempt") {
  for (bool bug : {false, true}) {
    CAPTURE(bug);
    Dag d(DagBugs{.zombie_task_set = bug});
    d.dag.submit(small_job(Shape::chain2), 0);
    d.succeed_all(d.launch_all(0, kT), 2 * kT);
    const auto r = d.dag.runnable()[0];
    const AttemptId r0 = d.dag.launch(r, 0, 1, 1, d.next++, 3 * kT, false).id;
    const AttemptId r1 = d.dag.launch(r, 1, 2, 1, d.next++, 3 * kT, false).id;
    const AttemptId r2 = d.dag.launch(r, 2, 2, 1, d.next++, 3 * kT, false).id;
    d.dag.fetch_failed(r0, FetchSource{0, 0, 0, 1}, 4 * kT);  // the reduce set is a zombie
    d.dag.executor_lost(2, 1, 5 * kT);                        // r1 and r2 are lost in it
    CHECK(d.dag.attempt(r1) == nullptr);
    CHECK(d.dag.attempt(r2) == nullptr);
    d.succeed_all(d.launch_all(0, 6 * kT), 7 * kT);
    REQUIRE(d.dag.runnable().size() == 1);
    const std::size_t pending = d.dag.task_set(d.dag.runnable()[0]).pending.size();
    CHECK(pending == (bug ? 1u : 3u));  // with the bug r1 and r2 wait in the zombie forever
    d.succeed_all(d.launch_all(0, 8 * kT), 9 * kT);
    CHECK(d.dag.job(0).status == (bug ? JobStatus::running : JobStatus::succeeded));
    CHECK(d.dag.stats().requeued_from_zombie == 2);
  }
}

TEST_CASE("scheduler: DAG scheduler: a task's own failures are bounded by max_task_failures") {
  Dag d({}, 2);
  d.dag.submit(small_job(Shape::chain2, true), 0);
  auto ids = d.launch_all(0, kT);
  d.dag.failed(ids[0], 2 * kT, true, "poison record");
  CHECK(d.dag.job(0).status == JobStatus::running);
  CHECK(d.dag.task_set(d.dag.runnable()[0]).pending.size() == 1);
  d.dag.failed(ids[1], 2 * kT, false, "executor lost");  // not counted
  ids = d.launch_all(0, 3 * kT);
  CHECK(ids.size() == 2);
  d.dag.failed(ids[0], 4 * kT, true, "poison record");
  CHECK(d.dag.job(0).status == JobStatus::failed);
  CHECK(d.dag.job(0).reason == "task 0.0 failed 2 times (max_task_failures): poison record");
  CHECK(d.dag.take_kills().size() == 3);  // the job's remaining attempts are stopped
}

TEST_CASE(
    "DAG scheduler: the first of two attempts registers the map output, unless the bug counts "
    "both") {
  for (bool bug : {false, true}) {
    CAPTURE(bug);
    Dag d(DagBugs{.no_speculation_dedup = bug});
    d.dag.submit(small_job(Shape::chain2), 0);
    const auto r = d.dag.runnable()[0];
    const AttemptId slow = d.dag.launch(r, 0, 0, 1, d.next++, kT, false).id;
    const AttemptId copy = d.dag.launch(r, 0, 1, 1, d.next++, 2 * kT, true).id;
    d.dag.succeeded(copy, 3 * kT);
    CHECK(d.dag.take_kills() == std::vector<AttemptId>{slow});
    d.dag.succeeded(slow, 4 * kT);
    CHECK(d.dag.job(0).stages[0].outputs[0].size() == (bug ? 2u : 1u));
    CHECK(d.dag.stats().speculative_wins == 1);
  }
}

namespace {
class FixedRandom final : public ExecRandom {
 public:
  std::uint64_t below(std::uint64_t) override { return 0; }
};
}  // namespace

TEST_CASE(
    "scheduler: executor: a map task computes, writes its blocks, and reports only after the "
    "sync") {
  const std::vector<JobSpec> jobs = {small_job(Shape::chain2)};
  FixedRandom random;
  ExecutorParams p{.index = 0, .driver = 9, .executors = {5, 6}, .slots = 2, .jobs = &jobs};
  ExecutorNode e(p, 0, random);
  e.start(0);
  CHECK(e.effects().messages.size() == 1);  // the first heartbeat
  e.effects().messages.clear();
  sim::Envelope launch{.from = 9,
                       .id = 1,
                       .payload = sim::Payload(LaunchTask{
                           .attempt = 7, .job = 0, .stage = 0, .partition = 1, .generation = 3})};
  // A delayed launch for an earlier life of this node is refused (it cannot be told by
  // generation: a new life is at generation 0 until its Welcome).
  sim::Envelope stale = launch;
  stale.payload = sim::Payload(LaunchTask{
      .attempt = 6, .job = 0, .stage = 0, .partition = 0, .generation = 2, .incarnation = 1});
  ExecutorNode later(p, 2, random);
  later.start(0);
  CHECK(later.step(kT, stale) == "launch for another life of this executor");
  CHECK(later.generation() == 0);
  CHECK(e.step(kT, launch).empty());
  CHECK(e.generation() == 3);  // a launch for a newer generation adopts it (its Welcome is late)
  CHECK(e.step(kT, launch) == "attempt already started here");
  const sim::Time done = e.next_deadline();
  CHECK(done == kT + p.task_time_ns);
  e.tick(done);
  CHECK(e.effects().writes.size() == 3);  // one block per reduce partition
  CHECK(e.effects().messages.empty());    // nothing is reported before the sync
  e.on_synced(e.effects().written_for, true, done);
  REQUIRE(e.effects().messages.size() == 1);
  const auto* status = e.effects().messages[0].get<StatusUpdate>();
  REQUIRE(status != nullptr);
  CHECK(status->state == TaskState::finished);
  CHECK(e.shuffle_blocks() == 1);
  // Another generation's block is missing, never served.
  e.effects().messages.clear();
  sim::Envelope fetch{
      .from = 6, .id = 2, .payload = sim::Payload(FetchRequest{1, 0, FetchSource{0, 1, 0, 2}, 0})};
  CHECK(e.step(done, fetch).empty());
  REQUIRE(e.effects().messages.size() == 1);
  CHECK(e.effects().messages[0].get<FetchReply>()->status == FetchStatus::missing);
}
