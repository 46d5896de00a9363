#include "twopc/twopc_types.hpp"

#include <charconv>

#include "sim/assert.hpp"
#include "twopc/twopc_messages.hpp"

namespace faultline::twopc {

TxnId TxnId::make(std::uint32_t coordinator, std::uint32_t epoch, std::uint32_t seq) {
  FAULTLINE_ASSERT(coordinator <= kMaxCoordinators && epoch <= kMaxEpoch && seq > 0,
                   "a transaction id's parts fit their bits, and its sequence starts at 1");
  return TxnId{(std::uint64_t{coordinator} << 56) | (std::uint64_t{epoch} << 32) | seq};
}

std::string TxnId::text() const {
  return std::to_string(coordinator()) + "." + std::to_string(epoch()) + "." +
         std::to_string(seq());
}

std::string_view txn_state_name(TxnState state) {
  switch (state) {
    case TxnState::working:
      return "working";
    case TxnState::prepared:
      return "prepared";
    case TxnState::in_doubt:
      return "in doubt";
    case TxnState::committed:
      return "committed";
    case TxnState::aborted:
      return "aborted";
  }
  return "?";
}

std::string account_key(int account) {
  return "a" + std::to_string(account);
}

nlohmann::json micro_op(const char* f, int account, std::int64_t value) {
  return nlohmann::json::array({f, account_key(account), value});
}

int account_number(std::string_view key) {
  if (key.size() < 2 || key[0] != 'a') return -1;
  int n = 0;
  const auto [end, ec] = std::from_chars(key.data() + 1, key.data() + key.size(), n);
  return ec == std::errc() && end == key.data() + key.size() ? n : -1;
}

// FNV-1a over the bytes, each word mixed in whole: stable across runs and machines.
// ---------------------------------------------------------------- message descriptions

void describe_writes(sim::Fields& f, const std::vector<Write>& writes) {
  f.begin_list("writes");
  for (const Write& w : writes) {
    f.begin_object("");
    f("key", w.key)("value", w.value);
    f.end();
  }
  f.end();
}

namespace {

void describe_nodes(sim::Fields& f, std::string_view name, const std::vector<NodeId>& nodes) {
  f.begin_list(name);
  for (NodeId n : nodes) f("", n);
  f.end();
}

}  // namespace

void Lock::describe(sim::Fields& f) const {
  f("txn", txn.text());
  f.begin_list("items");
  for (const LockItem& i : items) {
    f.begin_object("");
    f("key", i.key)("exclusive", i.exclusive);
    f.end();
  }
  f.end();
}

void LockReply::describe(sim::Fields& f) const {
  f("txn", txn.text())("granted", granted);
  if (granted) {
    f("grant", grant);
    f.begin_list("values");
    for (std::int64_t v : values) f("", v);
    f.end();
  } else {
    f("holder", holder.text());
  }
}

void CommitRequest::describe(sim::Fields& f) const {
  f("txn", txn.text())("rollback", rollback);
  f.begin_list("shards");
  for (const Shard& s : shards) {
    f.begin_object("");
    f("participant", s.participant)("grant", s.grant);
    describe_writes(f, s.writes);
    f.end();
  }
  f.end();
}

void Prepare::describe(sim::Fields& f) const {
  f("txn", txn.text())("grant", grant);
  describe_writes(f, writes);
  describe_nodes(f, "participants", participants);
}

}  // namespace faultline::twopc
