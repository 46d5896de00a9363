// Single-decree Paxos as a pure world for the explorer (paxos_explore.hpp). Each step
// does what the simulator's explore mode does for the same event: SingleServer's boot,
// NodeHost's loop (step, tick, drain: persist, publish, send) and the invariants the
// protocol's setup registers, in the same order.
#include "paxos/paxos_explore.hpp"

#include <algorithm>

#include "paxos/paxos.hpp"
#include "paxos/paxos_invariants.hpp"
#include "protocols/durable.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/protocol.hpp"

namespace faultline::paxos {
namespace {

using protocols::explore_element;
using protocols::explore_mix;
using sim::ExploreEvent;
using sim::ExploreKind;

// Explore mode draws every random number at its largest value (sim/explore.hpp).
class LargestRandom final : public Random {
 public:
  std::uint64_t below(std::uint64_t n) override { return n - 1; }
};

// What every world of one exploration shares.
struct Context {
  SingleParams params;
  std::vector<SingleConfig> configs;  // by node id
  std::vector<NodeId> crashable;
  sim::ExploreConfig budget;
  mutable LargestRandom random;
  sim::SeededChoices choices{0};
  std::unique_ptr<sim::Simulation> names;  // PaxosInvariants reads node names from it
};

class SingleWorld;
thread_local const SingleWorld* t_validity_world = nullptr;  // for PaxosInvariants' validity

class SingleWorld final : public protocols::ExploreWorld {
 public:
  explicit SingleWorld(std::shared_ptr<const Context> context);
  SingleWorld(const SingleWorld&) = default;

  std::unique_ptr<ExploreWorld> clone() const override {
    return std::make_unique<SingleWorld>(*this);
  }
  const std::vector<ExploreEvent>& enabled() const override { return enabled_; }
  Effect perform(std::size_t index) override;
  std::uint64_t fingerprint() const override;
  std::uint64_t state_fingerprint() const override;
  const std::optional<sim::Finding>& finding() const override { return finding_; }
  std::string describe(std::size_t index) const override;
  void count(std::map<std::string, std::uint64_t>& facts) const override;
  std::vector<ExploreEvent> in_flight() const override { return net_.all(); }

  bool proposed(std::string_view value) const;

 private:
  struct Slot {
    std::shared_ptr<SingleNode> node;  // null while down
    SingleDurable disk;                // what its disk holds (syncs are instant)
    // Fingerprints of the node and of its disk, computed when first asked for after a
    // change (a fingerprint reads every field; most steps change one node of many).
    mutable std::optional<std::uint64_t> node_fp;
    mutable std::optional<std::uint64_t> disk_fp;
    std::uint32_t incarnation = 0;
    Time local = 0;  // its clock, moved only by its own timers
    std::uint32_t timeouts = 0;
    bool has_process = false;  // the simulator's client process of this node
    std::uint32_t process = 0;
    std::optional<std::size_t> open;  // SingleServer::open_: the attempt in the history
    std::array<std::array<std::uint64_t, 3>, 3> promised{};  // the ledger's highest facts
  };

  void step(const ExploreEvent& e);
  void deliver(const ExploreEvent& e);
  void timer(NodeId id);
  void crash(NodeId id);
  void restart(NodeId id);
  void boot(NodeId id);
  void drain(NodeId id);
  void publish(NodeId id, SingleEffects& fx);
  void record_attempts(NodeId id, SingleEffects& fx);
  std::size_t invoke(NodeId id, std::string f, nlohmann::json value);
  void complete(NodeId id, std::size_t op, sim::OpType type, nlohmann::json value);
  void promise_facts(NodeId id);
  protocols::DurableFacts durable_facts(NodeId id) const;
  void check_invariants(NodeId cause);
  std::optional<std::string> check_history() const;
  void list_enabled();
  SingleNode& node(NodeId id);
  PaxosInvariants& ghost();
  const std::string& name(NodeId id) const { return ctx_->configs[id].name; }
  void found(sim::FindingKind kind, std::string finding_name, std::string message, NodeId node);

  std::shared_ptr<const Context> ctx_;
  std::vector<Slot> slots_;
  protocols::ExploreNetwork net_;
  std::shared_ptr<PaxosInvariants> ghost_;
  std::shared_ptr<protocols::DurableLedger> ledger_;
  protocols::ExploreHistory history_;
  std::uint32_t next_process_ = 0;
  std::uint64_t facts_hash_ = 0;  // the multiset of facts the invariants have seen
  protocols::ExploreSpent spent_;
  std::uint64_t steps_ = 0;
  bool history_changed_ = false;
  bool completed_ = false;  // this step completed an operation
  std::optional<sim::Finding> finding_;
  std::vector<ExploreEvent> enabled_;
};

// ---------------------------------------------------------------- construction

SingleWorld::SingleWorld(std::shared_ptr<const Context> context)
    : ctx_(std::move(context)),
      slots_(ctx_->configs.size()),
      ledger_(std::make_shared<protocols::DurableLedger>()) {
  ghost_ = std::make_shared<PaxosInvariants>(
      *ctx_->names, ctx_->params.node.acceptors,
      [](const sim::Simulation&, std::string_view value) {
        return t_validity_world != nullptr && t_validity_world->proposed(value);
      });
  // Every node starts at time 0, in id order, before the first choice.
  for (NodeId id = 0; id < slots_.size() && !finding_; ++id) {
    protocols::explore_guarded(name(id), 0, [&] { boot(id); }, [&](auto kind, auto what, auto why) {
      found(kind, std::move(what), std::move(why), id);
    });
    if (!finding_) check_invariants(id);
  }
  list_enabled();
}

SingleNode& SingleWorld::node(NodeId id) {
  std::shared_ptr<SingleNode>& n = slots_[id].node;
  FAULTLINE_ASSERT(n != nullptr, "only an up node steps");
  slots_[id].node_fp.reset();  // whoever asks for the node may change it
  // Copy on write: other worlds may share this node.
  if (n.use_count() > 1) n = std::make_shared<SingleNode>(*n, ctx_->random);
  return *n;
}

PaxosInvariants& SingleWorld::ghost() { return protocols::explore_own(ghost_); }

bool SingleWorld::proposed(std::string_view value) const {
  const auto& events = history_.events();
  return std::any_of(events.begin(), events.end(), [&](const protocols::ExploreHistory::Event& e) {
    return e.type == sim::OpType::invoke && e.f == "cas" && e.value[1] == value;
  });
}

void SingleWorld::found(sim::FindingKind kind, std::string finding_name, std::string message,
                        NodeId node) {
  if (finding_) return;
  finding_ = sim::Finding{kind, std::move(finding_name), std::move(message), steps_,
                          static_cast<Time>(steps_ * ctx_->budget.step_ns), node};
}

// ---------------------------------------------------------------- steps

protocols::ExploreWorld::Effect SingleWorld::perform(std::size_t index) {
  FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
  FAULTLINE_ASSERT(!finding_, "a world with a finding has no further steps");
  const ExploreEvent e = enabled_[index];
  ++steps_;
  history_changed_ = false;
  completed_ = false;
  protocols::explore_guarded(name(e.node), steps_, [&] { step(e); }, [&](auto kind, auto what, auto why) {
    found(kind, std::move(what), std::move(why), e.node);
  });
  if (!finding_) check_invariants(e.node);
  list_enabled();
  return Effect{history_changed_};
}

void SingleWorld::step(const ExploreEvent& e) {
  if (protocols::explore_network_step(net_, spent_, e)) return;
  switch (e.kind) {
    case ExploreKind::deliver:
      return deliver(e);
    case ExploreKind::timer:
      return timer(e.node);
    case ExploreKind::crash:
      return crash(e.node);
    case ExploreKind::restart:
      return restart(e.node);
    case ExploreKind::drop:
    case ExploreKind::duplicate:
      break;
  }
  FAULTLINE_ASSERT(false, "drops and copies are the network's steps");
}

// NodeHost's loop for one message: step it, tick the timers, drain.
void SingleWorld::deliver(const ExploreEvent& e) {
  protocols::InFlightMessage m = net_.take(e);
  SingleNode& n = node(e.node);
  const Time now = slots_[e.node].local;
  const sim::Envelope envelope{m.from, 0, std::move(m.payload)};
  (void)n.step(now, envelope);  // a reason to ignore it goes to the trace only
  n.tick(now);
  drain(e.node);
}

// A timer fires: the node's clock moves to its deadline, then NodeHost ticks and drains.
void SingleWorld::timer(NodeId id) {
  Slot& s = slots_[id];
  SingleNode& n = node(id);
  ++s.timeouts;
  s.local = std::max(s.local, n.next_deadline());
  n.tick(s.local);
  drain(id);
}

void SingleWorld::crash(NodeId id) {
  Slot& s = slots_[id];
  FAULTLINE_ASSERT(s.node != nullptr, "only an up node crashes");
  ++spent_.crashes;
  s.node.reset();
  s.node_fp.reset();
  s.has_process = false;  // the simulator forgets the node's client process
  s.open.reset();
  std::vector<NodeId>& crashed = spent_.crashed;
  crashed.insert(std::lower_bound(crashed.begin(), crashed.end(), id), id);
}

void SingleWorld::restart(NodeId id) {
  ++spent_.restarts;
  spent_.crashed.erase(std::find(spent_.crashed.begin(), spent_.crashed.end(), id));
  ++slots_[id].incarnation;
  boot(id);
}

// SingleServer::boot, then what NodeHost::run does before its loop.
void SingleWorld::boot(NodeId id) {
  Slot& s = slots_[id];
  SingleConfig config = ctx_->configs[id];
  config.incarnation = s.incarnation;
  s.node = std::make_shared<SingleNode>(std::move(config), s.disk, ctx_->random);
  s.node_fp.reset();
  s.node->start(s.local);
  s.open.reset();
  if (s.incarnation > 0) {
    std::shared_ptr<protocols::DurableLedger> copy = std::make_shared<protocols::DurableLedger>(*ledger_);
    copy->restored(id, name(id), s.local, durable_facts(id));
    ledger_ = std::move(copy);
  }
  drain(id);
}

// NodeHost::drain with SingleServer's hooks: persist (a sync is instant), publish, send.
void SingleWorld::drain(NodeId id) {
  for (int round = 0; round < protocols::NodeHost::kMaxDrainRounds; ++round) {
    SingleNode& n = node(id);
    SingleEffects& fx = n.effects();
    if (fx.dirty) {
      fx.dirty = false;
      slots_[id].disk = n.durable();
      slots_[id].disk_fp.reset();
    }
    std::vector<protocols::Outgoing> out;
    out.swap(fx.messages);
    publish(id, fx);
    if (!out.empty()) {
      promise_facts(id);
      for (protocols::Outgoing& o : out) net_.send(id, o.to, std::move(o.message));
    }
    if (!fx.dirty && fx.messages.empty()) return;
  }
  FAULTLINE_ASSERT(false, "a node's effects settle within kMaxDrainRounds persist-send rounds");
}

void SingleWorld::publish(NodeId id, SingleEffects& fx) {
  if (!fx.observed.empty()) {
    t_validity_world = this;
    PaxosInvariants& g = ghost();
    for (const Observed& fact : fx.observed) {
      g.observe(id, fact);
      std::uint64_t h = explore_mix(explore_mix(id, static_cast<std::uint64_t>(fact.kind)), fact.slot);
      h = explore_mix(explore_mix(explore_mix(h, fact.ballot.round), fact.ballot.proposer),
                      std::hash<std::string>{}(fact.value));
      facts_hash_ += explore_element(h);
    }
    t_validity_world = nullptr;
    fx.observed.clear();
  }
  record_attempts(id, fx);
}

// SingleServer::record_attempts: an attempt is "cas [null, own]"; a failed one is
// followed by a read of the chosen value.
void SingleWorld::record_attempts(NodeId id, SingleEffects& fx) {
  Slot& s = slots_[id];
  for (const AttemptEvent& e : fx.attempts) {
    const nlohmann::json cas = nlohmann::json::array({nullptr, e.own});
    if (e.begin) {
      FAULTLINE_ASSERT(!s.open, "a proposer makes one attempt at a time");
      s.open = invoke(id, "cas", cas);
      continue;
    }
    FAULTLINE_ASSERT(s.open.has_value(), "an attempt that ends was begun");
    if (e.chosen == e.own) {
      complete(id, *s.open, sim::OpType::ok, cas);
    } else {
      complete(id, *s.open, sim::OpType::fail, cas);
      complete(id, invoke(id, "read", nullptr), sim::OpType::ok, e.chosen);
    }
    s.open.reset();
  }
  fx.attempts.clear();
}

std::size_t SingleWorld::invoke(NodeId id, std::string f, nlohmann::json value) {
  Slot& s = slots_[id];
  if (!s.has_process) {
    s.process = next_process_++;
    s.has_process = true;
  }
  history_changed_ = true;
  return history_.invoke(s.process, std::move(f), std::move(value), steps_);
}

void SingleWorld::complete(NodeId id, std::size_t op, sim::OpType type, nlohmann::json value) {
  FAULTLINE_ASSERT(history_.events()[op].process == slots_[id].process,
                   "a node completes its own process's operation");
  history_.complete(op, type, std::move(value), steps_);
  history_changed_ = true;
  completed_ = true;
}

// SingleServer::durable_facts.
protocols::DurableFacts SingleWorld::durable_facts(NodeId id) const {
  protocols::DurableFacts out;
  const SingleNode& n = *slots_[id].node;
  if (const Acceptor* a = n.acceptor()) {
    out.add("promised ballot", a->promised().round, a->promised().proposer);
    out.add("accepted ballot", a->accepted().round, a->accepted().proposer);
  }
  if (const Proposer* p = n.proposer()) out.add("ballot round", p->round());
  return out;
}

// NodeHost::send_all tells the ledger what the node has acted on, before it sends.
void SingleWorld::promise_facts(NodeId id) {
  const protocols::DurableFacts facts = durable_facts(id);
  auto& highest = slots_[id].promised;
  bool higher = false;
  for (std::size_t i = 0; i < facts.all().size() && i < highest.size(); ++i) {
    if (facts.all()[i].value > highest[i]) {
      highest[i] = facts.all()[i].value;
      higher = true;
    }
  }
  if (!higher) return;  // the ledger already holds these (it keeps the highest)
  std::shared_ptr<protocols::DurableLedger> copy = std::make_shared<protocols::DurableLedger>(*ledger_);
  copy->promised(id, facts);
  ledger_ = std::move(copy);
}

// ---------------------------------------------------------------- checks

// The invariants in the order the protocol's setup registers them; then the history.
void SingleWorld::check_invariants(NodeId cause) {
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    if (const auto& v = ghost_->violation(p)) {
      return found(sim::FindingKind::invariant, std::string(property_name(p)), *v, cause);
    }
  }
  if (const auto& v = ledger_->violation()) {
    return found(sim::FindingKind::invariant, "durable state never goes back", *v, cause);
  }
  if (completed_) {
    if (auto why = check_history()) {
      found(sim::FindingKind::linearizability, "linearizability", *why, cause);
    }
  }
}

// The attempts' history against the cas-register model (what SingleRun::finish checks),
// whenever an attempt has ended.
std::optional<std::string> SingleWorld::check_history() const {
  std::optional<std::string> why = history_.check("cas-register", nullptr);
  if (!why) return std::nullopt;
  return "the attempts' history is not linearizable (cas-register): " + *why;
}

void SingleWorld::list_enabled() {
  enabled_.clear();
  if (finding_) return;  // the simulator stops at a finding
  const sim::ExploreConfig& b = ctx_->budget;
  protocols::explore_list(
      net_, b, spent_, slots_.size(), ctx_->crashable,
      [this](NodeId id) { return slots_[id].node != nullptr; },
      [&](NodeId id) {
        const Slot& s = slots_[id];
        return s.timeouts < b.timeouts && s.node->next_deadline() != sim::kTimeNever;
      },
      enabled_);
}

// ---------------------------------------------------------------- fingerprints

std::uint64_t SingleWorld::state_fingerprint() const {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  for (NodeId id = 0; id < slots_.size(); ++id) {
    const Slot& s = slots_[id];
    if (s.node && !s.node_fp) s.node_fp = s.node->fingerprint();
    FAULTLINE_ASSERT(!s.node_fp || s.node != nullptr, "a down node has no cached fingerprint");
    h = explore_mix(h, s.node ? *s.node_fp : 0);
    h = explore_mix(explore_mix(h, s.incarnation), s.timeouts);
    const Time deadline = s.node ? s.node->next_deadline() : sim::kTimeNever;
    h = explore_mix(h, deadline == sim::kTimeNever ? ~0ULL : static_cast<std::uint64_t>(deadline - s.local));
  }
  h = explore_mix(h, net_.fingerprint());
  h = explore_mix(explore_mix(h, spent_.drops), spent_.duplicates);
  return explore_mix(explore_mix(h, spent_.crashes), spent_.restarts);
}

std::uint64_t SingleWorld::fingerprint() const {
  std::uint64_t h = state_fingerprint();
  for (const Slot& s : slots_) {
    if (!s.disk_fp) s.disk_fp = std::hash<std::string>{}(write_single_durable(s.disk));
    h = explore_mix(h, *s.disk_fp);
    for (const auto& fact : s.promised) {
      for (const std::uint64_t v : fact) h = explore_mix(h, v);
    }
    h = explore_mix(h, s.open ? *s.open + 1 : 0);
  }
  h = explore_mix(h, facts_hash_);
  h = explore_mix(h, history_.hash());
  return explore_mix(h, finding_ ? 1 : 0);
}

// ---------------------------------------------------------------- reporting

std::string SingleWorld::describe(std::size_t index) const {
  FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
  const ExploreEvent& e = enabled_[index];
  std::string text(sim::explore_kind_name(e.kind));
  if (e.kind == ExploreKind::deliver || e.kind == ExploreKind::drop ||
      e.kind == ExploreKind::duplicate) {
    for (const auto& m : net_.messages()) {
      if (m->to == e.node && m->from == e.peer && m->content == e.content) {
        text += " " + std::string(m->payload.name());
        break;
      }
    }
    return text + " " + name(e.peer) + " -> " + name(e.node);
  }
  text += " " + name(e.node);
  if (e.kind == ExploreKind::timer) text += " (" + std::string(slots_[e.node].node->deadline_name()) + ")";
  return text;
}

void SingleWorld::count(std::map<std::string, std::uint64_t>& facts) const {
  facts["a value chosen"] += ghost_->chosen(0) != nullptr ? 1 : 0;
  facts["chosen over a rival value"] += ghost_->stats().chosen_over_rivals > 0 ? 1 : 0;
  facts["a proposer adopted a reported value"] += ghost_->stats().proposals > 0 &&
                                                          std::any_of(slots_.begin(), slots_.end(),
                                                                      [](const Slot& s) {
                                                                        return s.node && s.node->proposer() &&
                                                                               s.node->proposer()->adopted() > 0;
                                                                      })
                                                      ? 1
                                                      : 0;
  facts["a node restarted"] += std::any_of(slots_.begin(), slots_.end(),
                                           [](const Slot& s) { return s.incarnation > 0 && s.node; })
                                   ? 1
                                   : 0;
  const auto& events = history_.events();
  facts["an attempt completed"] += std::any_of(events.begin(), events.end(), [](const protocols::ExploreHistory::Event& e) {
    return e.f == "cas" && e.type != sim::OpType::invoke;
  }) ? 1 : 0;
}

// ---------------------------------------------------------------- the factory

std::shared_ptr<const Context> make_context(const protocols::RunConfig& run,
                                            const protocols::ExploreSpec& spec) {
  auto ctx = std::make_shared<Context>();
  ctx->params = read_single_params(run);
  ctx->budget = spec.budget;
  const SingleParams& p = ctx->params;
  // Ids as setup() gives them: proposers, acceptors, learners (or servers).
  const NodeId acceptor0 = p.combined ? 0 : static_cast<NodeId>(p.proposers);
  const NodeId learner0 = p.combined ? 0 : acceptor0 + static_cast<NodeId>(p.acceptors);
  SingleConfig base = p.node;
  for (int i = 0; i < p.acceptors; ++i) base.acceptors.push_back(acceptor0 + i);
  for (int i = 0; i < p.learners; ++i) base.learners.push_back(learner0 + i);
  std::map<std::string, std::vector<NodeId>> groups;
  auto add = [&](const std::string& prefix, int i, bool pr, bool ac, bool le) {
    SingleConfig c = base;
    c.id = static_cast<NodeId>(ctx->configs.size());
    c.proposer = pr;
    c.acceptor = ac;
    c.learner = le;
    c.proposer_index = static_cast<std::uint32_t>(i);
    c.name = prefix + std::to_string(i);
    if (pr) groups["proposers"].push_back(c.id);
    if (ac) groups["acceptors"].push_back(c.id);
    if (le) groups["learners"].push_back(c.id);
    if (p.combined) groups["servers"].push_back(c.id);
    ctx->configs.push_back(std::move(c));
  };
  if (p.combined) {
    for (int i = 0; i < p.acceptors; ++i) add("s", i, true, true, true);
  } else {
    for (int i = 0; i < p.proposers; ++i) add("p", i, true, false, false);
    for (int i = 0; i < p.acceptors; ++i) add("a", i, false, true, false);
    for (int i = 0; i < p.learners; ++i) add("l", i, false, false, true);
  }
  ctx->params.node.acceptors = base.acceptors;
  for (const std::string& g : spec.crash_groups) {
    const auto& ids = groups[g];
    ctx->crashable.insert(ctx->crashable.end(), ids.begin(), ids.end());
  }
  std::sort(ctx->crashable.begin(), ctx->crashable.end());
  ctx->crashable.erase(std::unique(ctx->crashable.begin(), ctx->crashable.end()), ctx->crashable.end());
  ctx->names = std::make_unique<sim::Simulation>(sim::SimConfig{}, ctx->choices);
  for (const SingleConfig& c : ctx->configs) {
    ctx->names->add_node({.name = c.name}, [](NodeId) { return std::unique_ptr<sim::Actor>(); });
  }
  return ctx;
}

}  // namespace

std::vector<protocols::ExplorePreset> single_explore_presets() {
  // Separate roles, one attempt per proposer, and each node's timers fire at most once: a
  // proposer starts its attempt once and never retries (a retry is a new round of
  // timers, and the state space grows with every round allowed).
  const std::vector<std::pair<std::string, std::string>> separate = {
      {"roles", "separate"}, {"proposers", "2"}, {"acceptors", "3"}, {"learners", "0"},
      {"proposals", "1"}};
  protocols::ExplorePreset small;
  small.name = "small";
  small.description =
      "2 proposers, 3 acceptors, no learner (the proposers learn from the acceptors' "
      "replies), one attempt each; an unordered network that neither loses nor copies; no "
      "crashes; timers fire once per node. BFS exhausts it";
  small.options = separate;
  small.spec.budget.timeouts = 1;
  protocols::ExplorePreset lossy;
  lossy.name = "lossy";
  lossy.description =
      "the issue's configuration: 2 proposers, 3 acceptors, 1 learner, one attempt each; the "
      "network may lose one message; one acceptor may crash (no restart); timers fire once "
      "per node. DFS with sleep sets exhausts it (9.2 million states, about 20 s and 0.7 GB)";
  lossy.options = separate;
  lossy.options[3] = {"learners", "1"};
  lossy.spec.budget.drops = 1;
  lossy.spec.budget.crashes = 1;
  lossy.spec.budget.timeouts = 1;
  lossy.spec.crash_groups = {"acceptors"};
  lossy.strategy = "dfs";
  lossy.reduction = "sleep";  // DPOR, stateless, re-executes too much here: no end in 20 min
  protocols::ExplorePreset restart;
  restart.name = "restart";
  restart.description =
      "1 proposer, 3 acceptors, 1 learner, one attempt; the network may lose one message; "
      "one node (acceptor or proposer) may crash and restart from its disk; timers fire at "
      "most twice per node (a restarted proposer tries again). For the durability bugs";
  restart.options = {{"roles", "separate"}, {"proposers", "1"}, {"acceptors", "3"},
                     {"learners", "1"}, {"proposals", "1"}};
  restart.spec.budget.drops = 1;
  restart.spec.budget.crashes = 1;
  restart.spec.budget.restarts = 1;
  restart.spec.budget.timeouts = 2;
  restart.spec.crash_groups = {"acceptors", "proposers"};
  protocols::ExplorePreset stateright;
  stateright.name = "stateright";
  stateright.description =
      "this Paxos in the configuration of Stateright's Paxos example, a much larger model "
      "than its own (the register preset is that model): 3 servers each proposer, acceptor "
      "and learner, one "
      "attempt each (a put, then a read when another value won); an unordered network that "
      "neither loses nor duplicates; no crashes; no retries; linearizability in every state";
  stateright.options = {{"roles", "combined"}, {"acceptors", "3"}, {"proposals", "1"}};
  stateright.spec.budget.timeouts = 1;
  stateright.strategy = "dfs";
  stateright.reduction = "dpor";
  protocols::ExplorePreset reg;
  reg.name = "register";
  reg.description =
      "Stateright's Paxos example exactly (model=register): 3 servers each proposer, "
      "acceptor and learner, N clients that each put a value then get (--set clients=N, "
      "default 3); an unordered network that neither loses nor copies, where a message its "
      "receiver ignores stays in flight; no crashes; the register's linearizability in every "
      "state. Its states are Stateright's: 16,668 with 2 clients, 1,194,428 with 3";
  reg.options = {{"model", "register"}, {"acceptors", "3"}, {"clients", "3"}};
  reg.spec.budget.timeouts = 1;  // no node has a timer: a bound that bounds nothing
  reg.strategy = "dfs";
  reg.reduction = "sleep";
  return {small, lossy, restart, stateright, reg};
}

protocols::ExploreFactory single_explore_factory() {
  return [](const protocols::RunConfig& run, const protocols::ExploreSpec& spec)
             -> std::unique_ptr<protocols::ExploreWorld> {
    return std::make_unique<SingleWorld>(make_context(run, spec));
  };
}

}  // namespace faultline::paxos
