// Fingerprints up to a renaming of the participants (twopc_symmetry.hpp).
#include "twopc/twopc_symmetry.hpp"

#include <algorithm>

#include "sim/assert.hpp"
#include "sim/explore.hpp"
#include "twopc/twopc_messages.hpp"

namespace faultline::twopc {
namespace {

// Tags that keep the kinds of words apart (a vote to the coordinator is not the same word
// as the same bytes from it).
enum Tag : std::uint64_t {
  kFromParticipant = 0x51,
  kToParticipant = 0x52,
  kRestMessage = 0x53,
  kRequest = 0x54,
  kRequestShard = 0x55,
};

}  // namespace

void SymmetricParts::reset(NodeId first, std::uint32_t count) {
  first_ = first;
  count_ = count;
  rest_ = Fingerprint{};
  parts_.assign(count, Fingerprint{});
}

std::size_t SymmetricParts::index(NodeId participant) const {
  FAULTLINE_ASSERT(is_participant(participant), "a part is a participant's");
  return participant - first_;
}

std::uint64_t SymmetricParts::account(NodeId owner, std::string_view key) const {
  const int a = account_number(key);
  FAULTLINE_ASSERT(a >= 0 && static_cast<std::uint32_t>(a) % count_ == index(owner),
                   "a participant's part names only its own accounts");
  return static_cast<std::uint32_t>(a) / count_;
}

std::uint64_t SymmetricParts::all(const std::vector<NodeId>& participants) const {
  FAULTLINE_ASSERT(participants.empty() || participants.size() == count_,
                   "a transaction of a symmetric configuration has every participant (read-all)");
  for (std::size_t i = 0; i < participants.size(); ++i) {
    FAULTLINE_ASSERT(participants[i] == first_ + i, "a transaction's participants are in id order");
  }
  return participants.size();
}

std::uint64_t SymmetricParts::value() const {
  std::vector<std::uint64_t>& parts = sorted_;
  parts.clear();
  for (const Fingerprint& p : parts_) parts.push_back(p.value());
  std::sort(parts.begin(), parts.end());
  Fingerprint f;
  f.u64(rest_.value()).u64(count_);
  for (std::uint64_t p : parts) f.u64(p);
  return f.value();
}

std::uint64_t symmetric_content(const sim::Payload& payload, std::uint64_t content, NodeId owner,
                                const SymmetricParts& names) {
  FAULTLINE_ASSERT(!payload.is<CommitRequest>(), "a commit request belongs to every participant");
  if (const Lock* m = payload.get<Lock>()) {
    Fingerprint f;
    f.str(Lock::kName).u64(m->txn.value).u64(m->items.size());
    for (const LockItem& i : m->items) f.u64(names.account(owner, i.key)).u64(i.exclusive ? 1 : 0);
    return f.value();
  }
  if (const Prepare* m = payload.get<Prepare>()) {
    Fingerprint f;
    f.str(Prepare::kName).u64(m->txn.value).u64(m->grant).u64(m->writes.size());
    for (const Write& w : m->writes) f.u64(names.account(owner, w.key)).i64(w.value);
    return f.u64(names.all(m->participants)).value();
  }
  // The rest name no account and no participant (their describe() shows it).
  return content;
}

void symmetric_message(NodeId from, NodeId to, const sim::Payload& payload, std::uint64_t content,
                       const SymmetricParts& names,
                       const std::function<void(NodeId, std::uint64_t)>& add) {
  const bool from_participant = names.is_participant(from);
  const bool to_participant = names.is_participant(to);
  FAULTLINE_ASSERT(!(from_participant && to_participant),
                   "participants message each other only cooperatively, which symmetry excludes");
  if (const CommitRequest* m = payload.get<CommitRequest>()) {
    FAULTLINE_ASSERT(!from_participant && !to_participant,
                     "a client sends a commit request to a coordinator");
    Fingerprint rest;
    rest.u64(kRequest)
        .u64(from)
        .u64(to)
        .u64(m->txn.value)
        .u64(m->rollback ? 1 : 0)
        .u64(m->shards.size());
    add(kNoNode, rest.value());
    for (const Shard& s : m->shards) {
      Fingerprint f;
      f.u64(kRequestShard).u64(from).u64(to).u64(m->txn.value).u64(s.grant).u64(s.writes.size());
      for (const Write& w : s.writes) f.u64(names.account(s.participant, w.key)).i64(w.value);
      add(s.participant, f.value());
    }
    return;
  }
  if (from_participant || to_participant) {
    const NodeId p = from_participant ? from : to;
    Fingerprint f;
    f.u64(from_participant ? kFromParticipant : kToParticipant).u64(from_participant ? to : from);
    f.u64(symmetric_content(payload, content, p, names));
    add(p, f.value());
    return;
  }
  Fingerprint f;
  add(kNoNode, f.u64(kRestMessage).u64(from).u64(to).u64(content).value());
}

}  // namespace faultline::twopc
