#include "paxos/paxos_server.hpp"

namespace faultline::paxos {

void SingleServer::boot(sim::Context& ctx) {
  random_.emplace(ctx);
  SingleDurable restored;
  if (std::optional<std::string> record = slot_.load(ctx.disk())) {
    std::optional<SingleDurable> d = read_single_durable(*record);
    // The slot checked the record's checksum: a record it returns decodes.
    FAULTLINE_ASSERT(d.has_value(), "a checksummed paxos record decodes");
    restored = *d;
  }
  SingleConfig config = config_;
  config.incarnation = ctx.incarnation();
  node_.emplace(std::move(config), restored, *random_);
  node_->start(ctx.now());
  open_.reset();
  published_ = Published{};
}

bool SingleServer::persist(sim::DiskHandle& disk) {
  SingleEffects& fx = node_->effects();
  if (!fx.dirty) return false;
  fx.dirty = false;
  slot_.store(disk, write_single_durable(node_->durable()));
  return true;
}

void SingleServer::publish(sim::Context& ctx) {
  SingleEffects& fx = node_->effects();
  if (observer_ != nullptr) {
    for (const Observed& fact : fx.observed) observer_->observe(ctx.self(), fact);
  }
  fx.observed.clear();
  record_attempts(ctx);
  annotate(ctx);
}

// Each attempt is one operation on a write-once register: "cas [null, own]", ok when the
// chosen value is its own, fail when another was chosen — and then a read of that value,
// so the checker sees what this proposer learned.
void SingleServer::record_attempts(sim::Context& ctx) {
  SingleEffects& fx = node_->effects();
  for (const AttemptEvent& e : fx.attempts) {
    const nlohmann::json cas = nlohmann::json::array({nullptr, e.own});
    if (e.begin) {
      FAULTLINE_ASSERT(!open_, "a proposer makes one attempt at a time");
      open_ = ctx.invoke("cas", std::nullopt, cas);
      continue;
    }
    FAULTLINE_ASSERT(open_.has_value(), "an attempt that ends was begun");
    if (e.chosen == e.own) {
      ctx.complete(*open_, sim::OpType::ok, cas);
    } else {
      ctx.complete(*open_, sim::OpType::fail, cas);
      const sim::OpHandle read = ctx.invoke("read", std::nullopt, nullptr);
      ctx.complete(read, sim::OpType::ok, e.chosen);
    }
    open_.reset();
  }
  fx.attempts.clear();
}

void SingleServer::annotate(sim::Context& ctx) {
  Published& p = published_;
  if (!p.any) ctx.annotate("role", node_->roles_text());
  auto text = [&](std::string_view key, std::string& last, std::string now) {
    if (p.any && last == now) return;
    ctx.annotate(key, now);
    last = std::move(now);
  };
  if (const Acceptor* a = node_->acceptor()) {
    text("promised", p.promised, ballot_text(a->promised()));
    text("accepted", p.accepted,
         a->accepted().none() ? "none" : ballot_text(a->accepted()) + "=" + a->value());
  }
  if (const Proposer* pr = node_->proposer()) {
    if (!p.any || p.ballot != pr->ballot().number()) {
      p.ballot = pr->ballot().number();
      ctx.annotate("ballot", p.ballot);
    }
    text("phase", p.phase, std::string(phase_name(pr->phase())));
    text("proposing", p.proposing, pr->phase() == Phase::accept ? pr->proposal() : "-");
  }
  if (const Learner* l = node_->learner()) {
    text("chosen", p.chosen, l->learned() ? *l->learned() : "-");
  }
  p.any = true;
}

void SingleServer::durable_facts(protocols::DurableFacts& out) const {
  if (const Acceptor* a = node_->acceptor()) {
    out.add("promised ballot", a->promised().round, a->promised().proposer);
    out.add("accepted ballot", a->accepted().round, a->accepted().proposer);
  }
  if (const Proposer* p = node_->proposer()) out.add("ballot round", p->round());
}

}  // namespace faultline::paxos
