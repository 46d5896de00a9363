#include "paxos/multipaxos_server.hpp"

namespace faultline::paxos {

void MultiServer::boot(sim::Context& ctx) {
  random_.emplace(ctx);
  MultiRestored restored;
  if (std::optional<std::string> record = promise_.load(ctx.disk())) {
    auto promise = read_multi_promise(*record);
    FAULTLINE_ASSERT(promise.has_value(), "a checksummed promise record decodes");
    restored.promised = promise->first;
    restored.round = promise->second;
  }
  const std::vector<std::string> records = log_.load(ctx.disk());
  restored.accepted.reserve(records.size());
  for (const std::string& record : records) {
    std::optional<AcceptedEntry> e = read_accepted_entry(record);
    FAULTLINE_ASSERT(e.has_value(), "a checksummed acceptance record decodes");
    restored.accepted.push_back(std::move(*e));
  }
  node_.emplace(config_, std::move(restored), *random_);
  node_->start(ctx.now());
  counted_ = MultiStats{};
  published_ = Published{};
}

bool MultiServer::persist(sim::DiskHandle& disk) {
  MultiEffects& fx = node_->effects();
  bool wrote = false;
  // Planted bug `forget-accepted`: acceptances are not written.
  if (!config_.bugs.forget_accepted) {
    for (Slot slot : fx.accepted) {
      const AcceptedSlot* a = node_->accepted(slot);
      FAULTLINE_ASSERT(a != nullptr, "a slot accepted this round holds a value");
      log_.append(disk, write_accepted_entry(slot, a->ballot, a->value));
      wrote = true;
    }
  }
  fx.accepted.clear();
  if (fx.promise_dirty) {
    promise_.store(disk, write_multi_promise(node_->promised_to_write(), node_->round_to_write()));
    fx.promise_dirty = false;
    wrote = true;
  }
  return wrote;
}

void MultiServer::publish(sim::Context& ctx) {
  MultiEffects& fx = node_->effects();
  if (observer_ != nullptr) {
    for (const Observed& fact : fx.observed) observer_->observe(ctx.self(), fact);
  }
  fx.observed.clear();
  if (stats_ != nullptr) {
    const MultiStats& now = node_->stats();
    MultiStats delta{now.elections_won - counted_.elections_won,
                     now.campaigns - counted_.campaigns,
                     now.preempted - counted_.preempted,
                     now.recovered_values - counted_.recovered_values,
                     now.gaps_filled - counted_.gaps_filled,
                     now.commands_proposed - counted_.commands_proposed};
    stats_->add(delta);
    counted_ = now;
  }
  annotate(ctx);
}

// The node's state for the trace viewer, when it changes: role (lanes), the ballot it acts
// under (the kit's leader() takes the leader with the highest), promise, chosen prefix.
void MultiServer::annotate(sim::Context& ctx) {
  const MultiNode& n = *node_;
  Published& p = published_;
  const bool all = !p.any;
  if (all || p.role != n.role()) ctx.annotate("role", multi_role_name(n.role()));
  const Ballot acting = n.role() == MultiRole::follower ? n.leader_ballot() : n.ballot();
  if (all || p.ballot != acting.number()) ctx.annotate("ballot", acting.number());
  if (all || p.promised != n.promised()) ctx.annotate("promised", ballot_text(n.promised()));
  if (all || p.commit != n.commit()) ctx.annotate("commit", static_cast<std::int64_t>(n.commit()));
  if (all || p.leader != n.leader()) {
    ctx.annotate("leader",
                 n.leader() == kNoNode ? std::string("none") : "s" + std::to_string(n.leader()));
  }
  if (all || p.accepted != n.accepted_count()) {
    ctx.annotate("accepted_slots", static_cast<std::int64_t>(n.accepted_count()));
  }
  // Its latest acceptance (ballot, value) and the latest chosen value it applied.
  const AcceptedSlot* last = n.accepted(n.last_accepted_slot());
  if (last != nullptr &&
      (all || p.last_slot != n.last_accepted_slot() || p.last_ballot != last->ballot)) {
    // "slot 7 3.1=put k1 0.3 (c5#3)", built in one reused buffer: this runs at nearly
    // every acceptance, and piecewise concatenation was a tenth of Multi-Paxos's time.
    std::string& text = text_;
    text.assign("slot ");
    kv::append_decimal(text, n.last_accepted_slot());
    text.append(1, ' ').append(BallotText(last->ballot).view()).append(1, '=');
    append_value_text(text, last->value);
    ctx.annotate("accepted", text);
  }
  if (n.commit() > 0 && (all || p.commit != n.commit())) {
    std::string& text = text_;
    text.assign("slot ");
    kv::append_decimal(text, n.commit());
    text.append(1, '=');
    append_value_text(text, *n.chosen(n.commit()));
    ctx.annotate("chosen", text);
  }
  p = Published{
      n.role(),   acting.number(),    n.promised(),           n.commit(),
      n.leader(), n.accepted_count(), n.last_accepted_slot(), last ? last->ballot : Ballot{},
      true};
}

void MultiServer::durable_facts(protocols::DurableFacts& out) const {
  out.add("promised ballot", node_->promised().round, node_->promised().proposer);
  out.add("ballot round", node_->round());
  out.add("accepted slots", node_->accepted_count());
}

}  // namespace faultline::paxos
