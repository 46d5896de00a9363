#include "blockstore/bs_client.hpp"

#include <algorithm>
#include <map>

#include "sim/assert.hpp"

namespace faultline::blockstore {
using sim::Context;
using sim::OpType;

void BsClient::run(Context& ctx) {
  FAULTLINE_ASSERT(!config_.files.empty(), "a client has files to work on");
  holder_ = Holder{ctx.self(), ctx.incarnation()};
  // Request ids unique across this client's lives: a reply still in flight to an earlier
  // life must not match a request of this one (the generic swarm found it at seed 3120 of
  // the correct protocol: a restarted client's first read took a stale reply for another
  // file as its own and returned null after an acknowledged append).
  req_ = ctx.incarnation() << 40;
  for (;;) {
    ctx.sleep(ctx.random_between(0, config_.think_max_ns));
    const std::string& file = config_.files[ctx.random(config_.files.size())];
    const auto roll = static_cast<int>(ctx.random(100));
    if (roll < config_.read_percent) whole_read(ctx, file);
    else if (roll < config_.read_percent + config_.range_percent) range_read(ctx, file);
    else write_session(ctx, file);
  }
}

template <class R, class Q>
std::optional<R> BsClient::call(Context& ctx, Q request, Time deadline) {
  while (ctx.now() < deadline) {
    request.req = ++req_;
    ctx.send(config_.namenode, request);
    const Time wait = std::min(deadline, ctx.deadline_after(config_.request_timeout_ns));
    std::optional<R> reply;
    while (std::optional<sim::Envelope> m = ctx.recv_until(wait, "metadata request timeout")) {
      const R* r = m->get<R>();
      if (r == nullptr || r->req != request.req) {
        ctx.ignore(*m, "a stale reply");
        continue;
      }
      reply = *r;
      break;
    }
    if (!reply) continue;  // no answer in time: ask again
    if (reply->status == NnStatus::safe_mode || reply->status == NnStatus::no_datanodes) {
      ctx.sleep(config_.request_timeout_ns);  // the cluster is not ready: later
      continue;
    }
    return reply;
  }
  return std::nullopt;
}

void BsClient::renew_if_due(Context& ctx) {
  if (ctx.now() < next_renew_) return;
  ctx.send(config_.namenode, RenewLease{holder_});
  next_renew_ = ctx.deadline_after(config_.renew_interval_ns);
}

// ---------------------------------------------------------------- writing

void BsClient::write_session(Context& ctx, const std::string& file) {
  if (!open(ctx, file)) return;
  const auto pieces = 1 + static_cast<int>(ctx.random(static_cast<std::uint64_t>(config_.max_pieces)));
  OpType last = OpType::ok;
  for (int i = 0; i < pieces && last == OpType::ok; ++i) {
    // Unique across restarts too: "<client>.<incarnation>.<count>;" ("2.0.17;").
    const std::string piece = std::to_string(config_.index) + "." +
                              std::to_string(holder_.incarnation) + "." + std::to_string(++pieces_) + ";";
    const sim::OpHandle h = ctx.invoke("append", file, piece);
    last = append(ctx, piece);
    ctx.complete(h, last, last == OpType::ok ? nlohmann::json(piece) : nlohmann::json(nullptr));
    count(last == OpType::ok   ? Sometimes::appends_ok
          : last == OpType::fail ? Sometimes::appends_fail
                                 : Sometimes::appends_info);
  }
  // A session that cannot be closed (or whose last append's outcome is unknown) is left
  // to the metadata server to recover; the writer says so rather than let the lease lapse.
  if (last == OpType::info || !close(ctx, ctx.deadline_after(config_.op_timeout_ns))) {
    ctx.send(config_.namenode, ReleaseLease{session_.file, holder_});
  }
  session_ = Session{};
}

bool BsClient::open(Context& ctx, const std::string& file) {
  session_ = Session{};
  ++holder_.session;  // each session is its own writer (bs_types.hpp, Holder)
  next_renew_ = ctx.deadline_after(config_.renew_interval_ns);
  const std::optional<OpenReply> r =
      call<OpenReply>(ctx, OpenFile{0, file, holder_}, ctx.deadline_after(config_.op_timeout_ns));
  if (!r || r->status != NnStatus::ok) return false;
  session_.file = file;  // the lease is ours
  if (r->reopened) {
    session_.block = r->last;
    session_.needs_setup = true;
  }
  return true;
}

OpType BsClient::append(Context& ctx, const std::string& piece) {
  const Time deadline = ctx.deadline_after(config_.op_timeout_ns);
  Session& s = session_;
  if (s.needs_setup) {
    // Append to a reopened block: a new stamp on the nodes that hold it (HDFS append).
    if (!recover(ctx, kNoNode, deadline)) return OpType::fail;
    s.needs_setup = false;
    count(Sometimes::appends_reopened);
  }
  if (s.block.block == kNoBlock || s.block.length + piece.size() > config_.block_size_bytes) {
    if (s.block.block != kNoBlock && !finalize(ctx, deadline)) return OpType::fail;
    if (!add_block(ctx, deadline)) return OpType::fail;
  }
  for (int attempt = 0; attempt <= config_.max_recoveries; ++attempt) {
    const std::uint64_t offset = s.block.length;
    const AckResult a = send_packet(ctx, piece, false, deadline);
    if (a.ok) {
      if (observer_) observer_->acked(s.block.block, s.block.gs, offset, piece, s.block.nodes.front());
      s.block.length = offset + piece.size();
      FAULTLINE_ASSERT(s.block.length <= config_.block_size_bytes, "a block holds at most block_size bytes");
      return OpType::ok;
    }
    // The head may have let readers see the piece already: the block is kept, and the
    // piece goes again to the nodes that are left.
    if (!recover(ctx, a.failed, deadline)) return OpType::info;
  }
  return OpType::info;
}

BsClient::AckResult BsClient::send_packet(Context& ctx, const std::string& data, bool finalize,
                                          Time deadline) {
  renew_if_due(ctx);
  const BlockTarget& b = session_.block;
  FAULTLINE_ASSERT(!b.nodes.empty(), "a packet goes down a pipeline of at least one node");
  WritePacket p{.client = ctx.self(), .block = b.block, .gs = b.gs, .seq = ++seq_,
                .offset = b.length, .data = data,
                .downstream = std::vector<NodeId>(b.nodes.begin() + 1, b.nodes.end()),
                .finalize = finalize};
  ctx.send(b.nodes.front(), p);
  const Time wait = std::min(
      deadline, ctx.deadline_after(config_.ack_timeout_ns * static_cast<Duration>(b.nodes.size() + 1)));
  while (std::optional<sim::Envelope> m = ctx.recv_until(wait, "pipeline ack timeout")) {
    const PacketAck* a = m->get<PacketAck>();
    if (a == nullptr || a->block != p.block || a->seq != p.seq) {
      ctx.ignore(*m, "a stale reply");
      continue;
    }
    if (a->ok) return AckResult{true, kNoNode};
    return AckResult{false, a->failed == kNoNode ? b.nodes.front() : a->failed};
  }
  return AckResult{false, b.nodes.front()};  // no answer at all: the first node is suspect
}

bool BsClient::finalize(Context& ctx, Time deadline) {
  for (int attempt = 0; attempt <= config_.max_recoveries; ++attempt) {
    const AckResult a = send_packet(ctx, "", true, deadline);
    if (a.ok) return true;
    if (!recover(ctx, a.failed, deadline)) return false;
  }
  return false;
}

// Allocates the next block and sets its pipeline up with an empty packet (HDFS's
// pipeline setup). A pipeline that fails before any data was sent is given up for
// another one without the node that failed: nothing of it was ever visible.
bool BsClient::add_block(Context& ctx, Time deadline) {
  for (int attempt = 0; attempt <= config_.max_recoveries; ++attempt) {
    if (!allocate(ctx, deadline)) return false;
    const AckResult a = send_packet(ctx, "", false, deadline);
    if (a.ok) {
      session_.failed.clear();
      return true;
    }
    session_.failed.push_back(a.failed);
    // Giving the block up is worth a little time past the operation's deadline.
    if (!abandon_block(ctx, std::max(deadline, ctx.deadline_after(config_.request_timeout_ns * 3)))) {
      return false;
    }
    count(Sometimes::blocks_reallocated);
  }
  return false;
}

bool BsClient::allocate(Context& ctx, Time deadline) {
  Session& s = session_;
  AddBlock request{.file = s.file, .holder = holder_,
                   .prev = s.block.block != kNoBlock ? s.block.block : s.last_complete,
                   .prev_length = s.block.length, .excluded = s.failed};
  const std::optional<AddBlockReply> r = call<AddBlockReply>(ctx, std::move(request), deadline);
  if (!r || r->status != NnStatus::ok) return false;
  if (s.block.block != kNoBlock) s.last_complete = s.block.block;
  s.block = r->target;
  return true;
}

bool BsClient::abandon_block(Context& ctx, Time deadline) {
  const std::optional<NnReply> r =
      call<NnReply>(ctx, AbandonBlock{0, session_.file, holder_, session_.block.block}, deadline);
  if (!r || r->status != NnStatus::ok) return false;
  session_.block = BlockTarget{};
  return true;
}

// Pipeline recovery (HDFS-265), and the setup of a reopened block (failed == kNoNode).
bool BsClient::recover(Context& ctx, NodeId failed, Time deadline) {
  Session& s = session_;
  std::vector<NodeId> survivors;
  for (NodeId n : s.block.nodes) {
    if (n != failed) survivors.push_back(n);
  }
  GenStamp gs = s.block.gs;
  std::vector<NodeId> ready;
  // A node that took the new stamp but whose answer was lost must not look current:
  // until every node asked has answered, the ones that did take yet another stamp.
  for (int round = 0; round <= config_.max_recoveries && ready.size() < survivors.size(); ++round) {
    if (!ready.empty()) survivors = ready;
    if (survivors.empty()) return false;
    if (!config_.no_genstamp_bump || round > 0) {  // planted bug: the old stamp is kept
      const std::optional<GenStamp> fresh = new_gen_stamp(ctx, deadline);
      if (!fresh) return false;
      gs = *fresh;
    }
    ready = prepare(ctx, survivors, gs, deadline);
  }
  if (ready.empty() || ready.size() < survivors.size()) return false;
  FAULTLINE_ASSERT(std::find(ready.begin(), ready.end(), failed) == ready.end(),
                   "the failed node is out of the pipeline");
  const std::optional<NnReply> r = call<NnReply>(
      ctx, UpdatePipeline{0, s.file, holder_, s.block.block, gs, s.block.length, ready}, deadline);
  if (!r || r->status != NnStatus::ok) return false;
  s.block.gs = gs;
  s.block.nodes = ready;
  if (failed != kNoNode) {
    s.failed.push_back(failed);
    count(Sometimes::pipeline_recoveries);
  }
  return true;
}

std::optional<GenStamp> BsClient::new_gen_stamp(Context& ctx, Time deadline) {
  const std::optional<GenStampReply> r = call<GenStampReply>(
      ctx, NewGenStamp{0, session_.file, holder_, session_.block.block}, deadline);
  if (!r || r->status != NnStatus::ok) return std::nullopt;
  return r->gs;
}

std::vector<NodeId> BsClient::prepare(Context& ctx, const std::vector<NodeId>& nodes, GenStamp gs,
                                      Time deadline) {
  std::map<std::uint64_t, NodeId> asked;
  for (NodeId n : nodes) {
    asked[++req_] = n;
    ctx.send(n, PrepareReplica{req_, session_.block.block, gs, session_.block.length});
  }
  std::vector<NodeId> ok;
  std::size_t answered = 0;
  const Time wait = std::min(deadline, ctx.deadline_after(2 * config_.ack_timeout_ns));
  while (answered < asked.size()) {
    std::optional<sim::Envelope> m = ctx.recv_until(wait, "prepare timeout");
    if (!m) break;
    const PrepareReply* r = m->get<PrepareReply>();
    if (r == nullptr || asked.count(r->req) == 0) {
      ctx.ignore(*m, "a stale reply");
      continue;
    }
    ++answered;
    if (r->ok) ok.push_back(asked[r->req]);
  }
  std::vector<NodeId> ready;  // in pipeline order
  for (NodeId n : nodes) {
    if (std::find(ok.begin(), ok.end(), n) != ok.end()) ready.push_back(n);
  }
  return ready;
}

bool BsClient::close(Context& ctx, Time deadline) {
  Session& s = session_;
  if (s.block.block == kNoBlock || s.needs_setup) return false;
  if (!finalize(ctx, deadline)) return false;
  const std::optional<NnReply> r =
      call<NnReply>(ctx, CompleteFile{0, s.file, holder_, s.block.block, s.block.length}, deadline);
  return r && r->status == NnStatus::ok;
}

// ---------------------------------------------------------------- reading

std::optional<LocationsReply> BsClient::locations(Context& ctx, const std::string& file,
                                                  Time deadline) {
  std::optional<LocationsReply> r = call<LocationsReply>(ctx, GetLocations{0, file}, deadline);
  if (!r || (r->status != NnStatus::ok && r->status != NnStatus::no_file)) return std::nullopt;
  return r;
}

std::optional<std::string> BsClient::read_block(Context& ctx, const LocatedBlock& lb,
                                                std::uint64_t offset, std::uint64_t length,
                                                Time deadline) {
  const std::size_t n = lb.locations.size();
  const std::size_t start = n == 0 ? 0 : ctx.random(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Location& loc = lb.locations[(start + i) % n];
    const std::uint64_t req = ++req_;
    ctx.send(loc.node, ReadBlock{req, lb.block, loc.gs, offset, length != 0 ? length : loc.length});
    const Time wait = std::min(deadline, ctx.deadline_after(config_.request_timeout_ns));
    while (std::optional<sim::Envelope> m = ctx.recv_until(wait, "read timeout")) {
      const ReadReply* r = m->get<ReadReply>();
      if (r == nullptr || r->req != req) {
        ctx.ignore(*m, "a stale reply");
        continue;
      }
      if (r->status == ReadStatus::ok) return r->data;
      break;  // this replica cannot serve it: the next one
    }
  }
  return std::nullopt;
}

std::optional<std::string> BsClient::read_file(Context& ctx, const std::string& file,
                                               Time deadline) {
  const std::optional<LocationsReply> loc = locations(ctx, file, deadline);
  if (!loc) return std::nullopt;
  std::string content;
  if (loc->status != NnStatus::ok) return content;  // no such file: empty
  for (const LocatedBlock& lb : loc->blocks) {
    const std::optional<std::string> data = read_block(ctx, lb, 0, 0, deadline);
    if (!data) return std::nullopt;
    if (observer_) observer_->read_bytes(ctx.self(), lb.block, 0, *data);
    content += *data;
  }
  return content;
}

void BsClient::whole_read(Context& ctx, const std::string& file) {
  const sim::OpHandle h = ctx.invoke("get", file, nullptr);
  const Time deadline = ctx.deadline_after(config_.op_timeout_ns);
  std::optional<std::string> content = read_file(ctx, file, deadline);
  // The locations may have changed under the read (a pipeline took a new stamp, a
  // replica moved): ask again while there is time.
  while (!content && ctx.now() + config_.request_timeout_ns < deadline) {
    ctx.sleep(config_.request_timeout_ns / 2);
    content = read_file(ctx, file, deadline);
  }
  if (!content) {
    ctx.complete(h, OpType::fail, nullptr);  // a read that did not finish changed nothing
    count(Sometimes::reads_fail);
    return;
  }
  ctx.complete(h, OpType::ok, content->empty() ? nlohmann::json(nullptr) : nlohmann::json(*content));
  count(Sometimes::reads_ok);
}

void BsClient::range_read(Context& ctx, const std::string& file) {
  const Time deadline = ctx.deadline_after(config_.op_timeout_ns);
  const std::optional<LocationsReply> loc = locations(ctx, file, deadline);
  if (!loc || loc->status != NnStatus::ok) return;
  std::vector<const LocatedBlock*> readable;
  for (const LocatedBlock& lb : loc->blocks) {
    if (lb.complete && !lb.locations.empty() && lb.locations.front().length > 0) readable.push_back(&lb);
  }
  if (readable.empty()) return;
  const LocatedBlock& lb = *readable[ctx.random(readable.size())];
  const std::uint64_t size = lb.locations.front().length;
  const std::uint64_t offset = ctx.random(size);
  const std::uint64_t length = 1 + ctx.random(size - offset);
  const std::optional<std::string> data = read_block(ctx, lb, offset, length, deadline);
  if (!data) return;
  count(Sometimes::range_reads);
  if (observer_) observer_->read_bytes(ctx.self(), lb.block, offset, *data);
}

}  // namespace faultline::blockstore
