#pragma once
// A RaftNode on a test bench: feed it messages and timer ticks, read back exactly what it
// would send and store. No simulator involved.
#include <memory>
#include <utility>
#include <vector>

#include "raft/raft_node.hpp"

namespace faultline::raft::testing {

// Election timeouts at their minimum: a node's deadlines are exactly predictable.
class FixedRandom final : public RaftRandom {
 public:
  std::uint64_t below(std::uint64_t /*n*/) override { return 0; }
};

inline Entry put_entry(Term term, std::string key, std::uint64_t seq = 1, NodeId client = 90) {
  return make_command(term, Command{.op = OpKind::put,
                                    .client = client,
                                    .seq = seq,
                                    .key = std::move(key),
                                    .value = "v" + std::to_string(seq),
                                    .expected = std::nullopt});
}

// Entries with the given terms, one per index from 1.
inline std::vector<Entry> log_of_terms(std::initializer_list<Term> terms) {
  std::vector<Entry> entries;
  std::uint64_t seq = 1;
  for (Term t : terms) entries.push_back(put_entry(t, "k", seq++));
  return entries;
}

class Bench {
 public:
  explicit Bench(NodeId id = 0, std::size_t servers = 3, Restored restored = {},
                 void (*tweak)(NodeConfig&) = nullptr, RaftObserver* observer = nullptr) {
    cfg.id = id;
    for (NodeId s = 0; s < servers; ++s) {
      cfg.servers.push_back(s);
      cfg.initial_config.push_back(s);
    }
    if (tweak) tweak(cfg);
    node = std::make_unique<RaftNode>(cfg, std::move(restored), random, observer);
    node->start(now);
  }

  // Every message of type T the node emitted since the last take/clear, with its
  // destination; the node's other messages are kept.
  template <class T>
  std::vector<std::pair<NodeId, T>> take() {
    std::vector<std::pair<NodeId, T>> out;
    auto& messages = node->effects().messages;
    std::vector<Outgoing> rest;
    for (Outgoing& m : messages) {
      if (const T* t = m.get<T>())
        out.emplace_back(m.to, *t);
      else
        rest.push_back(std::move(m));
    }
    messages = std::move(rest);
    return out;
  }
  std::size_t pending() const { return node->effects().messages.size(); }
  void clear() {
    node->effects().messages.clear();
    node->effects().hard_state_dirty = false;
    node->effects().snapshot_dirty = false;
  }

  // Storage catches up with the node, as the server's adapter does after a sync.
  void persist() {
    node->log().mark_written();
    node->effects().hard_state_dirty = false;
    node->effects().snapshot_dirty = false;
    node->on_persisted(now, node->log().last_index());
  }

  void advance_to(Time t) {
    now = t;
    node->tick(now);
  }
  void time_out() { advance_to(node->next_deadline()); }

  // Makes the node leader: time out, and every other server grants its vote.
  void elect() {
    time_out();
    persist();
    const Term term = node->term();
    for (NodeId peer : cfg.servers) {
      if (peer == cfg.id || node->role() == Role::leader) continue;
      node->on_request_vote_reply(now, peer, RequestVoteReply{.term = term, .granted = true});
    }
    node->flush(now);
    persist();
  }

  FixedRandom random;
  NodeConfig cfg;
  std::unique_ptr<RaftNode> node;
  Time now = 0;
};

}  // namespace faultline::raft::testing
