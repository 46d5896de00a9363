#include "twopc/twopc_storage.hpp"

namespace faultline::twopc {
using protocols::RecordReader;
using protocols::RecordWriter;

namespace {

constexpr std::uint64_t kMaxItems = 1u << 16;

void write_nodes(RecordWriter& w, const std::vector<NodeId>& nodes) {
  w.u64(nodes.size());
  for (NodeId n : nodes) w.node(n);
}

std::vector<NodeId> read_nodes(RecordReader& r) {
  std::vector<NodeId> nodes;
  const std::uint64_t n = r.count();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) nodes.push_back(r.node());
  return nodes;
}

}  // namespace

std::string encode_record(const ParticipantRecord& rec) {
  RecordWriter w;
  w.u64(static_cast<std::uint64_t>(rec.kind)).u64(rec.txn.value);
  if (rec.kind == ParticipantRecord::Kind::decided) return w.boolean(rec.commit).seal();
  w.node(rec.coordinator).u64(rec.grant);
  write_nodes(w, rec.participants);
  w.u64(rec.locks.size());
  for (const LockItem& l : rec.locks) w.str(l.key).boolean(l.exclusive);
  w.u64(rec.writes.size());
  for (const Write& x : rec.writes) w.str(x.key).i64(x.value);
  return w.seal();
}

std::optional<ParticipantRecord> decode_participant_record(std::string_view record) {
  RecordReader r(record);
  ParticipantRecord rec;
  const std::uint64_t kind = r.u64();
  if (kind != 1 && kind != 2) return std::nullopt;
  rec.kind = static_cast<ParticipantRecord::Kind>(kind);
  rec.txn.value = r.u64();
  if (rec.kind == ParticipantRecord::Kind::decided) {
    rec.commit = r.boolean();
  } else {
    rec.coordinator = r.node();
    rec.grant = r.u64();
    rec.participants = read_nodes(r);
    const std::uint64_t locks = r.count();
    for (std::uint64_t i = 0; i < locks && i < kMaxItems && r.ok(); ++i) {
      LockItem l;
      l.key = r.str();
      l.exclusive = r.boolean();
      rec.locks.push_back(std::move(l));
    }
    const std::uint64_t writes = r.count();
    for (std::uint64_t i = 0; i < writes && i < kMaxItems && r.ok(); ++i) {
      Write x;
      x.key = r.str();
      x.value = r.i64();
      rec.writes.push_back(std::move(x));
    }
  }
  if (!r.done() || !rec.txn.valid()) return std::nullopt;
  return rec;
}

std::string encode_record(const CoordinatorRecord& rec) {
  RecordWriter w;
  w.u64(static_cast<std::uint64_t>(rec.kind)).u64(rec.txn.value);
  if (rec.kind == CoordinatorRecord::Kind::commit) {
    w.node(rec.client);
    write_nodes(w, rec.participants);
  }
  return w.seal();
}

std::optional<CoordinatorRecord> decode_coordinator_record(std::string_view record) {
  RecordReader r(record);
  CoordinatorRecord rec;
  const std::uint64_t kind = r.u64();
  if (kind != 1 && kind != 2) return std::nullopt;
  rec.kind = static_cast<CoordinatorRecord::Kind>(kind);
  rec.txn.value = r.u64();
  if (rec.kind == CoordinatorRecord::Kind::commit) {
    rec.client = r.node();
    rec.participants = read_nodes(r);
  }
  if (!r.done() || !rec.txn.valid()) return std::nullopt;
  return rec;
}

namespace {

std::optional<ParticipantRecord> decode(std::string_view bytes, const ParticipantRecord*) {
  return decode_participant_record(bytes);
}
std::optional<CoordinatorRecord> decode(std::string_view bytes, const CoordinatorRecord*) {
  return decode_coordinator_record(bytes);
}

}  // namespace

template <class Record>
Stored<Record> TwopcStorage<Record>::load() {
  Stored<Record> stored;
  if (const std::optional<std::string> bytes = epoch_.load(disk_)) {
    RecordReader r(*bytes);
    const std::uint64_t epoch = r.u64();
    if (r.done() && epoch <= kMaxEpoch) stored.epoch = static_cast<std::uint32_t>(epoch);
  }
  // The log's valid prefix; every record in it checked, so each decodes (a record that
  // passed its checksum but does not decode was never written by us).
  for (const std::string& bytes : log_.load(disk_)) {
    std::optional<Record> rec = decode(bytes, static_cast<const Record*>(nullptr));
    FAULTLINE_ASSERT(rec.has_value(), "a checksummed log record decodes");
    stored.records.push_back(std::move(*rec));
  }
  return stored;
}

template <class Record>
void TwopcStorage<Record>::store_epoch(std::uint32_t epoch) {
  epoch_.store(disk_, RecordWriter().u64(epoch).seal());
}

template class TwopcStorage<ParticipantRecord>;
template class TwopcStorage<CoordinatorRecord>;

}  // namespace faultline::twopc
