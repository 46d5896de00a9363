#include "scheduler/executor_node.hpp"

#include <algorithm>

#include "protocols/codec.hpp"

namespace faultline::scheduler {
using sim::Envelope;
using sim::NodeId;
using sim::Payload;

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::fetching:
      return "fetching";
    case Phase::computing:
      return "computing";
    case Phase::asking:
      return "asking to commit";
    case Phase::committing:
      return "committing";
  }
  return "?";
}

ExecutorNode::ExecutorNode(ExecutorParams params, std::uint64_t incarnation, ExecRandom& random)
    : params_(std::move(params)), incarnation_(incarnation), random_(random) {
  FAULTLINE_ASSERT(params_.jobs != nullptr && params_.slots > 0, "an executor knows the jobs");
  FAULTLINE_ASSERT(params_.index < params_.executors.size(), "an executor has an index");
}

const JobSpec& ExecutorNode::job(JobId id) const {
  FAULTLINE_ASSERT(id < params_.jobs->size(), "a task names a known job");
  return (*params_.jobs)[id];
}

std::string ExecutorNode::block_key(JobId job, std::uint32_t stage, std::uint32_t map,
                                    std::uint32_t reduce) const {
  return "shuffle/" + std::to_string(incarnation_) + "/" + std::to_string(generation_) + "/" +
         std::to_string(job) + "/" + std::to_string(stage) + "/" + std::to_string(map) + "/" +
         std::to_string(reduce);
}

void ExecutorNode::to_driver(Payload message) {
  fx_.messages.push_back({params_.driver, std::move(message)});
}

void ExecutorNode::start(Time now) {
  heartbeat(now);
}

void ExecutorNode::heartbeat(Time now) {
  Heartbeat hb{.executor = params_.index, .incarnation = incarnation_, .generation = generation_};
  for (const auto& [id, t] : tasks_) hb.held.push_back(id);
  for (const auto& [id, s] : unacked_) hb.held.push_back(id);
  to_driver(Payload(std::move(hb)));
  // Status updates go again until acknowledged: the network may have lost them.
  for (const auto& [id, s] : unacked_) to_driver(Payload(s));
  next_heartbeat_ = now + params_.heartbeat_interval_ns;
}

// A new registration: what this executor held under the old one is gone for good (the
// driver has already re-run or unregistered it), so keeping it would serve stale state.
void ExecutorNode::adopt(Generation generation) {
  FAULTLINE_ASSERT(generation > generation_, "an executor's generation only grows");
  generation_ = generation;
  tasks_.clear();
  unacked_.clear();
  blocks_.clear();
}

std::string_view ExecutorNode::step(Time now, const Envelope& m) {
  if (const auto* w = m.get<Welcome>()) {
    if (w->generation <= generation_) return "not a newer generation";
    adopt(w->generation);
    return {};
  }
  if (const auto* launch = m.get<LaunchTask>()) return on_launch(now, *launch);
  if (const auto* kill = m.get<KillTask>()) return on_kill(*kill);
  if (const auto* req = m.get<FetchRequest>()) return on_fetch_request(m.from, *req);
  if (const auto* rep = m.get<FetchReply>()) return on_fetch_reply(now, *rep);
  if (const auto* ans = m.get<CommitAnswer>()) return on_commit_answer(now, *ans);
  if (const auto* ack = m.get<CommitAck>()) return on_commit_ack(*ack);
  if (const auto* sack = m.get<StatusAck>()) {
    return unacked_.erase(sack->attempt) > 0 ? std::string_view{} : "not awaiting that ack";
  }
  return "not an executor message";
}

std::string_view ExecutorNode::on_launch(Time now, const LaunchTask& m) {
  // A delayed launch for an earlier life of this node (found by the generic swarm, seed
  // 1627: a restarted executor, at generation 0 before its Welcome, adopted two stale
  // launches' generation and took both into its one slot).
  if (m.incarnation != incarnation_) return "launch for another life of this executor";
  if (m.generation < generation_) return "launch for an older generation";
  if (m.generation > generation_) adopt(m.generation);  // its Welcome is late
  if (!seen_.insert(m.attempt).second) return "attempt already started here";
  FAULTLINE_ASSERT(tasks_.size() < static_cast<std::size_t>(params_.slots),
                   "the driver launches into a free slot only");
  TaskRun& t = tasks_[m.attempt];
  t.launch = m;
  const std::size_t n = m.sources.size();
  t.fetched.resize(n);
  t.tries.assign(n, 0);
  t.fetch_deadline.assign(n, sim::kTimeNever);
  if (n == 0) {
    start_compute(t, now);
    return {};
  }
  for (std::size_t i = 0; i < n; ++i) request_block(t, i, now);
  return {};
}

std::string_view ExecutorNode::on_kill(const KillTask& m) {
  if (tasks_.count(m.attempt) == 0) return "not running here";
  report(m.attempt, TaskState::killed);
  return {};
}

void ExecutorNode::report(AttemptId attempt, TaskState state, FetchSource failed) {
  FAULTLINE_ASSERT(tasks_.count(attempt) != 0, "only a running attempt reports");
  const StatusUpdate su{attempt, params_.index, generation_, state, failed};
  unacked_[attempt] = su;
  to_driver(Payload(su));
  tasks_.erase(attempt);
}

void ExecutorNode::request_block(TaskRun& t, std::size_t i, Time now) {
  const FetchSource& src = t.launch.sources[i];
  const FetchRequest req{t.launch.attempt, t.launch.job, src, t.launch.partition};
  ++t.tries[i];
  if (src.executor == params_.index && src.generation == generation_) {
    t.fetch_deadline[i] = sim::kTimeNever;  // read during this flush
    fx_.reads.push_back({block_key(req.job, src.stage, src.map_partition, req.reduce_partition),
                         sim::kNoNode, req});
    return;
  }
  t.fetch_deadline[i] = now + params_.fetch_timeout_ns;
  fx_.messages.push_back({params_.executors[src.executor], Payload(req)});
}

// A shuffle server: the block if this generation wrote and synced it, else `missing`.
std::string_view ExecutorNode::on_fetch_request(NodeId from, const FetchRequest& m) {
  const FetchSource& s = m.source;
  if (s.generation != generation_ || blocks_.count({m.job, s.stage, s.map_partition}) == 0) {
    fx_.messages.push_back({from, Payload(FetchReply{m.attempt, s, FetchStatus::missing, {}})});
    return {};
  }
  fx_.reads.push_back({block_key(m.job, s.stage, s.map_partition, m.reduce_partition), from, m});
  return {};
}

void ExecutorNode::on_read(const DiskRead& read, const std::optional<std::string>& bytes,
                           Time now) {
  FetchStatus status = bytes ? FetchStatus::ok : FetchStatus::missing;
  Records records;
  if (bytes) {
    protocols::RecordReader r(*bytes);
    const std::uint64_t n = r.count();
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
      const auto key = static_cast<Key>(r.u64());
      records.push_back({key, r.i64()});
    }
    if (!r.done()) {
      status = FetchStatus::corrupt;  // torn or bit-flipped: never believed
      records.clear();
    }
  }
  if (read.reply_to != sim::kNoNode) {
    fx_.messages.push_back(
        {read.reply_to, Payload(FetchReply{read.request.attempt, read.request.source, status,
                                           std::move(records)})});
    return;
  }
  const auto it = tasks_.find(read.request.attempt);
  if (it == tasks_.end()) return;  // killed meanwhile
  const auto& sources = it->second.launch.sources;
  const auto at = std::find(sources.begin(), sources.end(), read.request.source);
  FAULTLINE_ASSERT(at != sources.end(), "a local read answers one of the task's sources");
  received_block(it->second, static_cast<std::size_t>(at - sources.begin()), status,
                 std::move(records), now);
}

std::string_view ExecutorNode::on_fetch_reply(Time now, const FetchReply& m) {
  const auto it = tasks_.find(m.attempt);
  if (it == tasks_.end() || it->second.phase != Phase::fetching) return "no task fetching it";
  const auto& sources = it->second.launch.sources;
  const auto at = std::find(sources.begin(), sources.end(), m.source);
  if (at == sources.end()) return "not a source of the task";
  received_block(it->second, static_cast<std::size_t>(at - sources.begin()), m.status, m.records,
                 now);
  return {};
}

// Spark's ShuffleBlockFetcherIterator: a missing block is a fetch failure at once; a
// corrupt one or a timeout is retried fetch_retries times first.
void ExecutorNode::received_block(TaskRun& t, std::size_t i, FetchStatus status, Records records,
                                  Time now) {
  if (t.fetched[i]) return;  // a duplicated reply
  if (status == FetchStatus::ok) {
    t.fetched[i] = std::move(records);
    t.fetch_deadline[i] = sim::kTimeNever;
    const bool all = std::all_of(t.fetched.begin(), t.fetched.end(),
                                 [](const auto& f) { return f.has_value(); });
    if (all) start_compute(t, now);
    return;
  }
  if (status == FetchStatus::corrupt && t.tries[i] <= params_.fetch_retries) {
    request_block(t, i, now);
    return;
  }
  report(t.launch.attempt, TaskState::fetch_failed, t.launch.sources[i]);
}

void ExecutorNode::start_compute(TaskRun& t, Time now) {
  FAULTLINE_ASSERT(t.phase == Phase::fetching, "an attempt computes once, after its fetches");
  const Duration base = params_.task_time_ns * params_.slowness;
  // A jitter in [0, task_time / 2]. The simulator's choices are below 2^32: a wider range
  // (task_time over ~8.6 s, within the option's bound of 60 s) is drawn in steps of 1 us,
  // 1 ms...; below that the draw is as it always was.
  const auto half = static_cast<std::uint64_t>(params_.task_time_ns / 2);
  std::uint64_t step = 1;
  while (half / step >= 0xffffffffULL) step *= 1000;
  const auto jitter = static_cast<Duration>(random_.below(half / step + 1) * step);
  const Duration compute = (t.launch.remote ? base * 3 / 2 : base) + jitter;
  t.phase = Phase::computing;
  t.deadline = now + compute;
}

void ExecutorNode::finish_compute(TaskRun& t, Time now) {
  FAULTLINE_ASSERT(t.phase == Phase::computing && t.deadline <= now,
                   "an attempt finishes computing at its deadline");
  const JobSpec& j = job(t.launch.job);
  const StageSpec& stage = j.stages[t.launch.stage];
  Records input;
  if (stage.kind == StageKind::input_map) {
    input = input_partition(j, stage.dataset, static_cast<int>(t.launch.partition));
  } else {
    for (const auto& block : t.fetched) input.insert(input.end(), block->begin(), block->end());
  }
  TaskOutput out = run_task(stage, input);
  if (out.poisoned) {
    report(t.launch.attempt, TaskState::failed);
    return;
  }
  t.deadline = sim::kTimeNever;
  if (!stage.writes_shuffle()) {
    t.output = std::move(out.blocks[0]);
    t.phase = Phase::asking;
    t.deadline = now + params_.commit_timeout_ns;
    to_driver(Payload(AskCommit{t.launch.attempt, t.launch.job, t.launch.partition}));
    return;
  }
  for (std::size_t r = 0; r < out.blocks.size(); ++r) {
    protocols::RecordWriter w;
    w.u64(out.blocks[r].size());
    for (const Record& rec : out.blocks[r]) w.u64(rec.key).i64(rec.value);
    fx_.writes.push_back(
        {block_key(t.launch.job, t.launch.stage, t.launch.partition, static_cast<std::uint32_t>(r)),
         w.seal()});
  }
  fx_.written_for.push_back(t.launch.attempt);
}

void ExecutorNode::on_synced(const std::vector<AttemptId>& attempts, bool ok, Time now) {
  (void)now;
  for (AttemptId id : attempts) {
    const auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    const LaunchTask& l = it->second.launch;
    if (!ok) {
      report(id, TaskState::lost);  // the disk refused the blocks: not the task's fault
      continue;
    }
    blocks_.insert({l.job, l.stage, l.partition});
    report(id, TaskState::finished);
  }
}

std::string_view ExecutorNode::on_commit_answer(Time now, const CommitAnswer& m) {
  const auto it = tasks_.find(m.attempt);
  if (it == tasks_.end() || it->second.phase != Phase::asking) return "not asking to commit";
  TaskRun& t = it->second;
  if (m.decision != CommitDecision::granted) {
    report(m.attempt, TaskState::commit_denied);
    return {};
  }
  t.phase = Phase::committing;
  t.deadline = now + params_.commit_timeout_ns;
  to_driver(Payload(CommitOutput{m.attempt, t.launch.job, t.launch.partition, t.output}));
  return {};
}

std::string_view ExecutorNode::on_commit_ack(const CommitAck& m) {
  const auto it = tasks_.find(m.attempt);
  if (it == tasks_.end() || it->second.phase != Phase::committing) return "not committing";
  report(m.attempt, m.accepted ? TaskState::finished : TaskState::commit_denied);
  return {};
}

void ExecutorNode::tick(Time now) {
  if (now >= next_heartbeat_) heartbeat(now);
  std::vector<AttemptId> ids;
  for (const auto& [id, t] : tasks_) ids.push_back(id);
  for (AttemptId id : ids) {
    const auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    TaskRun& t = it->second;
    if (t.phase == Phase::fetching) {
      for (std::size_t i = 0; tasks_.count(id) != 0 && i < t.fetched.size(); ++i) {
        if (t.fetched[i] || t.fetch_deadline[i] > now) continue;
        if (t.tries[i] > params_.fetch_retries) {
          report(id, TaskState::fetch_failed, t.launch.sources[i]);
        } else {
          request_block(t, i, now);
        }
      }
    } else if (t.deadline <= now) {
      if (t.phase == Phase::computing) {
        finish_compute(t, now);
      } else if (t.phase == Phase::asking) {
        t.deadline = now + params_.commit_timeout_ns;
        to_driver(Payload(AskCommit{id, t.launch.job, t.launch.partition}));
      } else {
        t.deadline = now + params_.commit_timeout_ns;
        to_driver(Payload(CommitOutput{id, t.launch.job, t.launch.partition, t.output}));
      }
    }
  }
}

Time ExecutorNode::next_deadline() const {
  Time t = next_heartbeat_;
  for (const auto& [id, run] : tasks_) {
    t = std::min(t, run.deadline);
    for (Time d : run.fetch_deadline) t = std::min(t, d);
  }
  return t;
}

std::string_view ExecutorNode::deadline_name() const {
  const Time t = next_deadline();
  if (t == next_heartbeat_) return "heartbeat";
  for (const auto& [id, run] : tasks_) {
    if (run.deadline == t) {
      return run.phase == Phase::computing ? "task computed" : "commit retry";
    }
  }
  return "fetch timeout";
}

std::uint64_t ExecutorNode::fingerprint() const {
  std::uint64_t h = mix(mix(incarnation_, generation_), seen_.size());
  for (const auto& [id, t] : tasks_) {
    h = mix(mix(h, id), static_cast<std::uint64_t>(t.phase));
    for (const auto& f : t.fetched) h = mix(h, f ? 1 : 0);
  }
  for (const auto& [id, s] : unacked_) h = mix(mix(h, id), static_cast<std::uint64_t>(s.state));
  for (const auto& [j, s, m] : blocks_) h = mix(mix(mix(h, j), s), m);
  return h;
}

std::string ExecutorNode::describe_tasks() const {
  std::string out;
  for (const auto& [id, t] : tasks_) {
    out += (out.empty() ? "a" : "; a") + std::to_string(id) + " j" + std::to_string(t.launch.job) +
           ".s" + std::to_string(t.launch.stage) + ".p" + std::to_string(t.launch.partition) +
           (t.launch.speculative ? " (copy) " : " ") + std::string(phase_name(t.phase));
  }
  return out.empty() ? "idle" : out;
}

// ---------------------------------------------------------------- the actor

void ExecutorServer::run(sim::Context& ctx) {
  random_.emplace(ctx);
  node_.emplace(params_, ctx.incarnation(), *random_);
  node_->start(ctx.now());
  flush(ctx);
  for (;;) {
    const std::optional<Envelope> m =
        ctx.recv_until(node_->next_deadline(), node_->deadline_name());
    if (m) {
      const std::string_view ignored = node_->step(ctx.now(), *m);
      if (!ignored.empty()) ctx.ignore(*m, ignored);
    }
    node_->tick(ctx.now());
    flush(ctx);
  }
}

// Writes, then one sync for them all, then reads, then the messages: a map task's status
// never leaves before its blocks are durable.
void ExecutorServer::flush(sim::Context& ctx) {
  for (int round = 0; round < protocols::NodeHost::kMaxDrainRounds; ++round) {
    ExecEffects fx;
    std::swap(fx, node_->effects());
    if (fx.empty()) return;
    for (const DiskWrite& w : fx.writes) ctx.disk().put(w.key, w.bytes);
    if (!fx.writes.empty()) node_->on_synced(fx.written_for, ctx.disk().sync(), ctx.now());
    for (const DiskRead& r : fx.reads) node_->on_read(r, ctx.disk().get(r.key), ctx.now());
    publish(ctx);
    for (protocols::Outgoing& out : fx.messages) ctx.send_payload(out.to, std::move(out.message));
  }
  FAULTLINE_ASSERT(false, "an executor's effects settle within kMaxDrainRounds rounds");
}

void ExecutorServer::publish(sim::Context& ctx) {
  ctx.annotate("generation", static_cast<std::int64_t>(node_->generation()));
  ctx.annotate("tasks", node_->describe_tasks());
  ctx.annotate("shuffle_outputs", static_cast<std::int64_t>(node_->shuffle_blocks()));
}

}  // namespace faultline::scheduler
