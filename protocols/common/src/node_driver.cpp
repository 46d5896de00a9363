#include "protocols/node_driver.hpp"

namespace faultline::protocols {
namespace {
// A deadline already passed: receive only what is queued, without waiting.
constexpr Time kNow = std::numeric_limits<Time>::min();
}  // namespace

void NodeHost::run(sim::Context& ctx) {
  boot(ctx);
  if (ledger_ != nullptr && ctx.incarnation() > 0) {
    facts_.clear();
    durable_facts(facts_);
    ledger_->restored(ctx.self(), ctx.name(), ctx.now(), facts_);
  }
  drain(ctx);
  for (;;) {
    for (std::optional<sim::Envelope> m = ctx.recv_until(next_deadline(), deadline_name()); m;
         m = ctx.recv_until(kNow)) {
      const std::string_view ignored = step(ctx.now(), *m);
      if (!ignored.empty()) ctx.ignore(*m, ignored);
    }
    const Time now = ctx.now();
    tick(now);
    end_batch(now);
    drain(ctx);
  }
}

void NodeHost::drain(sim::Context& ctx) {
  for (int round = 0; round < kMaxDrainRounds; ++round) {
    const bool wrote = persist(ctx.disk());
    outbox_.clear();
    take_messages(outbox_);
    if (wrote && send_before_sync()) {
      publish(ctx);
      send_all(ctx);
      sync_or_halt(ctx);
    } else {
      if (wrote) sync_or_halt(ctx);
      publish(ctx);
      send_all(ctx);
    }
    persisted(ctx.disk(), ctx.now());
    if (!has_ready()) return;
  }
  FAULTLINE_ASSERT(false, "a node's effects settle within kMaxDrainRounds persist-send rounds");
}

void NodeHost::sync_or_halt(sim::Context& ctx) {
  if (!ctx.disk().sync()) {
    ctx.halt("the disk refused writes: the node cannot make its state durable", kHaltRestartNs);
  }
}

void NodeHost::send_all(sim::Context& ctx) {
  if (outbox_.empty()) return;
  if (ledger_ != nullptr) {
    facts_.clear();
    durable_facts(facts_);
    ledger_->promised(ctx.self(), facts_);
  }
  for (Outgoing& out : outbox_) ctx.send_payload(out.to, std::move(out.message));
  outbox_.clear();
}

}  // namespace faultline::protocols
