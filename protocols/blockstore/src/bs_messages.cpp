#include "blockstore/bs_messages.hpp"

namespace faultline::blockstore {

std::string_view replica_state_name(ReplicaState s) {
  switch (s) {
    case ReplicaState::rbw:
      return "rbw";
    case ReplicaState::finalized:
      return "finalized";
    case ReplicaState::rwr:
      return "rwr";
  }
  return "?";
}

std::string holder_name(const Holder& h) {
  if (h.none()) return "none";
  return "n" + std::to_string(h.client) + "#" + std::to_string(h.incarnation) + "." +
         std::to_string(h.session);
}

std::uint64_t mix_text(std::uint64_t h, std::string_view text) {
  h = mix(h, text.size());
  for (char c : text) h = mix(h, static_cast<unsigned char>(c));
  return h;
}

void describe_nodes(sim::Fields& f, std::string_view name, const std::vector<NodeId>& nodes) {
  f.begin_list(name);
  for (NodeId n : nodes) f("", n);
  f.end();
}

std::string_view nn_status_name(NnStatus s) {
  switch (s) {
    case NnStatus::ok:
      return "ok";
    case NnStatus::busy:
      return "busy";
    case NnStatus::safe_mode:
      return "safe_mode";
    case NnStatus::no_file:
      return "no_file";
    case NnStatus::no_lease:
      return "no_lease";
    case NnStatus::no_datanodes:
      return "no_datanodes";
    case NnStatus::refused:
      return "refused";
  }
  return "?";
}

std::string_view read_status_name(ReadStatus s) {
  switch (s) {
    case ReadStatus::ok:
      return "ok";
    case ReadStatus::missing:
      return "missing";
    case ReadStatus::corrupt:
      return "corrupt";
    case ReadStatus::short_replica:
      return "short";
  }
  return "?";
}

std::string_view recovery_answer_name(RecoveryAnswer a) {
  switch (a) {
    case RecoveryAnswer::has:
      return "has";
    case RecoveryAnswer::none:
      return "none";
    case RecoveryAnswer::refused:
      return "refused";
  }
  return "?";
}

namespace {

void describe_target(sim::Fields& f, std::string_view name, const BlockTarget& t) {
  f.begin_object(name);
  f("block", t.block)("gs", t.gs)("length", t.length);
  describe_nodes(f, "nodes", t.nodes);
  f.end();
}

}  // namespace

void OpenFile::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder));
}

void OpenReply::describe(sim::Fields& f) const {
  f("req", req)("status", nn_status_name(status));
  if (reopened) describe_target(f, "last", last);
}

void AddBlock::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder))("prev", prev)("prev_length",
                                                                          prev_length);
  describe_nodes(f, "excluded", excluded);
}

void AddBlockReply::describe(sim::Fields& f) const {
  f("req", req)("status", nn_status_name(status));
  if (status == NnStatus::ok) describe_target(f, "target", target);
}

void NewGenStamp::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder))("block", block);
}

void UpdatePipeline::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder))("block", block)("gs", gs)("length",
                                                                                     length);
  describe_nodes(f, "nodes", nodes);
}

void AbandonBlock::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder))("block", block);
}

void CompleteFile::describe(sim::Fields& f) const {
  f("req", req)("file", file)("holder", holder_name(holder))("last", last)("length", length);
}

void LocationsReply::describe(sim::Fields& f) const {
  f("req", req)("status", nn_status_name(status));
  f.begin_list("blocks");
  for (const LocatedBlock& b : blocks) {
    f.begin_object("");
    f("block", b.block)("complete", b.complete);
    f.begin_list("locations");
    for (const Location& l : b.locations) {
      f.begin_object("");
      f("node", l.node)("gs", l.gs)("length", l.length);
      f.end();
    }
    f.end();
    f.end();
  }
  f.end();
}

std::uint32_t LocationsReply::size_bytes() const {
  std::size_t n = 16;
  for (const LocatedBlock& b : blocks) n += 16 + 24 * b.locations.size();
  return static_cast<std::uint32_t>(n);
}

void BlockReport::describe(sim::Fields& f) const {
  f("incarnation", incarnation)("seq", seq)("full", full);
  f.begin_list("replicas");
  for (const ReplicaInfo& r : replicas) {
    f.begin_object("");
    f("block", r.block)("gs", r.gs)("length", r.length)("state", replica_state_name(r.state));
    f.end();
  }
  f.end();
  if (!deleted.empty()) {
    f.begin_list("deleted");
    for (BlockId b : deleted) f("", b);
    f.end();
  }
}

std::uint32_t BlockReport::size_bytes() const {
  return static_cast<std::uint32_t>(24 + 24 * replicas.size() + 8 * deleted.size());
}

void ReplicateBlock::describe(sim::Fields& f) const {
  f("block", block)("gs", gs)("length", length)("target", target);
}

void RecoverBlock::describe(sim::Fields& f) const {
  f("block", block)("nn_gs", nn_gs)("recovery_gs", recovery_gs);
  describe_nodes(f, "nodes", nodes);
  describe_nodes(f, "pipeline", pipeline);
}

void CommitBlockSync::describe(sim::Fields& f) const {
  f("block", block)("recovery_gs", recovery_gs)("length", length);
  describe_nodes(f, "nodes", nodes);
}

void WritePacket::describe(sim::Fields& f) const {
  f("client", client)("block", block)("gs", gs)("seq", seq)("offset", offset)("data", data);
  describe_nodes(f, "downstream", downstream);
  if (finalize) f("finalize", true);
}

void PacketAck::describe(sim::Fields& f) const {
  f("block", block)("seq", seq)("ok", ok);
  if (ok) f("acked_length", acked_length);
  else f("failed", failed);
}

void PrepareReplica::describe(sim::Fields& f) const {
  f("req", req)("block", block)("gs", gs)("min_length", min_length);
}

void ReadBlock::describe(sim::Fields& f) const {
  f("req", req)("block", block)("gs", gs)("offset", offset)("length", length);
}

void ReadReply::describe(sim::Fields& f) const {
  f("req", req)("status", read_status_name(status))("gs", gs)("data", data);
}

void CopyBlock::describe(sim::Fields& f) const {
  f("block", block)("gs", gs)("length", length);
  f.begin_list("chunks");
  for (const std::string& c : chunks) f("", c);
  f.end();
}

std::uint32_t CopyBlock::size_bytes() const {
  return static_cast<std::uint32_t>(32 + length + 8 * chunks.size());
}

void InitRecovery::describe(sim::Fields& f) const {
  f("block", block)("nn_gs", nn_gs)("recovery_gs", recovery_gs);
}

void InitRecoveryReply::describe(sim::Fields& f) const {
  f("block", block)("recovery_gs", recovery_gs)("answer", recovery_answer_name(answer));
  if (answer == RecoveryAnswer::has) {
    f("gs", replica.gs)("length", replica.length)("state", replica_state_name(replica.state));
  }
}

void UpdateReplica::describe(sim::Fields& f) const {
  f("block", block)("recovery_gs", recovery_gs)("length", length);
}

void UpdateReplicaReply::describe(sim::Fields& f) const {
  f("block", block)("recovery_gs", recovery_gs)("ok", ok);
}

}  // namespace faultline::blockstore
