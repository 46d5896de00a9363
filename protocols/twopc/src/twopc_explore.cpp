// Two-phase commit for the explorer (twopc.hpp, protocols/explore.hpp, docs/explorer.md):
// its named small configurations, and a pure world.
//
// The pure world holds copies of the pure Coordinator and Participant, driven as
// CoordinatorServer, ParticipantServer and the kit's NodeHost drive them (boot, step one
// message, tick, then persist, publish the reports to TwopcInvariants, send), and the
// bank's clients as ClientModel (twopc_client_model.hpp), BankClient's fiber as a state
// machine. Invariants are checked after every step, in the order the protocol's setup
// registers them; where nothing is enabled any more, the blocking case is a liveness
// finding (stuck()) and otherwise the end-of-run checks run: conservation at end, and the
// linearizability of the transactions in the multi-register model.
//
// What it does not model, and then declines (the explorer re-runs the simulator
// instead): restarts (a node rebuilt from its disk) and crashes of clients. Crashes of
// coordinators and participants, lost and duplicated messages and timers are modelled.
// Without restarts a disk is never read again, so the world keeps no disks and no
// durable-facts ledger (which checks only at restarts).
//
// What the fingerprint holds: each node's fingerprint() (the client's includes its
// mailbox), whether it is up, its deadline relative to its own clock, the timer firings it
// has left; the in-flight multiset; the budgets spent; the multiset of reports the
// invariants have seen; and the client history.
#include <algorithm>

#include "protocols/explore.hpp"
#include "protocols/protocol.hpp"
#include "twopc/twopc.hpp"
#include "twopc/twopc_invariants.hpp"
#include "twopc_client_model.hpp"

namespace faultline::twopc {
namespace {

using protocols::explore_element;
using protocols::explore_mix;
using sim::ExploreEvent;
using sim::ExploreKind;

enum class Role : std::uint8_t { coordinator, participant, client };

// What every world of one exploration shares.
struct Context {
  TwopcParams params;
  std::vector<Role> roles;  // by node id
  std::vector<std::string> names;
  std::vector<CoordinatorConfig> coordinators;  // by coordinator index
  std::vector<ParticipantConfig> participants;  // by participant index
  std::vector<NodeId> crashable;
  sim::ExploreConfig budget;
  nlohmann::json init;  // the bank's initial balances, for the history check
  sim::SeededChoices choices{0};
  std::unique_ptr<sim::Simulation> names_sim;  // TwopcInvariants reads node names from it
};

class TwopcWorld final : public protocols::ExploreWorld {
 public:
  explicit TwopcWorld(std::shared_ptr<const Context> context);
  TwopcWorld(const TwopcWorld&) = default;

  std::unique_ptr<ExploreWorld> clone() const override { return std::make_unique<TwopcWorld>(*this); }
  const std::vector<ExploreEvent>& enabled() const override { return enabled_; }
  Effect perform(std::size_t index) override;
  std::uint64_t fingerprint() const override;
  std::uint64_t state_fingerprint() const override;
  const std::optional<sim::Finding>& finding() const override { return finding_; }
  std::optional<std::string> stuck() const override;
  std::string describe(std::size_t index) const override;
  void count(std::map<std::string, std::uint64_t>& facts) const override;
  std::vector<ExploreEvent> in_flight() const override { return net_.all(); }

 private:
  struct Slot {
    // One of the three, by the node's role; null while down. Shared between copies of
    // the world until one of them steps the node (copy on write).
    std::shared_ptr<Coordinator> coordinator;
    std::shared_ptr<Participant> participant;
    std::shared_ptr<ClientModel> client;
    bool up = true;
    Time local = 0;  // its clock, moved only by its own timers
    std::uint32_t timeouts = 0;
    mutable std::optional<std::uint64_t> fp;  // the node's fingerprint, until it changes
    bool has_process = false;  // the simulator's client process of this node
    std::uint32_t process = 0;
    std::optional<std::size_t> open;  // the client's open operation in the history
  };

  void step(const ExploreEvent& e);
  void deliver(const ExploreEvent& e);
  void timer(NodeId id);
  void crash(NodeId id);
  void boot(NodeId id);
  void drain(NodeId id);
  void drain_client(NodeId id);
  void observe(NodeId id, const Report& r);
  Time deadline(NodeId id) const;
  Coordinator& coordinator(NodeId id);
  Participant& participant(NodeId id);
  ClientModel& client(NodeId id);
  template <class N>
  N& changing(NodeId id, std::shared_ptr<N>& n);
  TwopcInvariants& ghost();
  Role role(NodeId id) const { return ctx_->roles[id]; }
  const std::string& name(NodeId id) const { return ctx_->names[id]; }
  void check_invariants(NodeId cause);
  void check_end();
  void list_enabled();
  void found(sim::FindingKind kind, std::string finding_name, std::string message, NodeId node);

  std::shared_ptr<const Context> ctx_;
  std::vector<Slot> slots_;
  protocols::ExploreNetwork net_;
  std::shared_ptr<TwopcInvariants> ghost_;
  protocols::ExploreHistory history_;
  std::uint32_t next_process_ = 0;
  std::uint64_t facts_hash_ = 0;  // the multiset of reports the invariants have seen
  protocols::ExploreSpent spent_;
  std::uint64_t steps_ = 0;
  bool history_changed_ = false;
  std::optional<sim::Finding> finding_;
  std::vector<ExploreEvent> enabled_;
  std::vector<protocols::Outgoing> outbox_;  // reused by drain
};

// ---------------------------------------------------------------- construction

TwopcWorld::TwopcWorld(std::shared_ptr<const Context> context)
    : ctx_(std::move(context)), slots_(ctx_->roles.size()) {
  const BankWorkload& w = ctx_->params.workload;
  ghost_ = std::make_shared<TwopcInvariants>(*ctx_->names_sim,
                                             BankShape{w.accounts, w.initial_balance, w.overdraft});
  // Every node starts at time 0, in id order, before the first choice.
  for (NodeId id = 0; id < slots_.size() && !finding_; ++id) {
    protocols::explore_guarded(name(id), 0, [&] { boot(id); }, [&](auto kind, auto what, auto why) {
      found(kind, std::move(what), std::move(why), id);
    });
    if (!finding_) check_invariants(id);
  }
  list_enabled();
}

// Node `id` about to change: its fingerprint is stale, and it becomes this world's own.
template <class N>
N& TwopcWorld::changing(NodeId id, std::shared_ptr<N>& n) {
  FAULTLINE_ASSERT(n != nullptr, "only an up node steps (of its role)");
  slots_[id].fp.reset();
  return protocols::explore_own(n);
}

Coordinator& TwopcWorld::coordinator(NodeId id) { return changing(id, slots_[id].coordinator); }
Participant& TwopcWorld::participant(NodeId id) { return changing(id, slots_[id].participant); }
ClientModel& TwopcWorld::client(NodeId id) { return changing(id, slots_[id].client); }
TwopcInvariants& TwopcWorld::ghost() { return protocols::explore_own(ghost_); }

void TwopcWorld::found(sim::FindingKind kind, std::string finding_name, std::string message, NodeId node) {
  if (finding_) return;
  finding_ = sim::Finding{kind, std::move(finding_name), std::move(message), steps_,
                          static_cast<Time>(steps_ * ctx_->budget.step_ns), node};
}

// CoordinatorServer::boot / ParticipantServer::boot on a fresh disk, then NodeHost::run up
// to its first receive; BankClient::run up to its first pause.
void TwopcWorld::boot(NodeId id) {
  Slot& s = slots_[id];
  s.fp.reset();
  switch (role(id)) {
    case Role::coordinator: {
      const CoordinatorConfig& c = ctx_->coordinators[id];  // coordinators come first
      FAULTLINE_ASSERT(c.id == id, "a coordinator's index is its node id");
      s.coordinator = std::make_shared<Coordinator>(c, Stored<CoordinatorRecord>{}, s.local);
      ghost().coordinator_restored(id, {});
      return drain(id);
    }
    case Role::participant: {
      const ParticipantConfig& c = ctx_->participants[id - ctx_->coordinators.size()];
      s.participant = std::make_shared<Participant>(c, Stored<ParticipantRecord>{}, s.local);
      ghost().participant_restored(id, {}, {});
      return drain(id);
    }
    case Role::client:
      s.client = std::make_shared<ClientModel>(
          ctx_->params.workload,
          static_cast<int>(id - ctx_->coordinators.size() - ctx_->participants.size()));
      s.client->start(s.local);
      return drain_client(id);
  }
}

// ---------------------------------------------------------------- steps

protocols::ExploreWorld::Effect TwopcWorld::perform(std::size_t index) {
  FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
  FAULTLINE_ASSERT(!finding_, "a world with a finding has no further steps");
  const ExploreEvent e = enabled_[index];
  ++steps_;
  history_changed_ = false;
  protocols::explore_guarded(name(e.node), steps_, [&] { step(e); }, [&](auto kind, auto what, auto why) {
    found(kind, std::move(what), std::move(why), e.node);
  });
  if (!finding_) check_invariants(e.node);
  list_enabled();
  if (enabled_.empty() && !finding_ && !stuck()) check_end();
  return Effect{history_changed_};
}

void TwopcWorld::step(const ExploreEvent& e) {
  if (protocols::explore_network_step(net_, spent_, e)) return;
  if (e.kind == ExploreKind::deliver) return deliver(e);
  if (e.kind == ExploreKind::timer) return timer(e.node);
  FAULTLINE_ASSERT(e.kind == ExploreKind::crash,
                   "the 2PC pure world lists no restarts (it declines budgets with them)");
  crash(e.node);
}

// NodeHost's loop for one message: step it, tick the timers, drain. A client receives it
// where its fiber waits.
void TwopcWorld::deliver(const ExploreEvent& e) {
  protocols::InFlightMessage m = net_.take(e);
  const Time now = slots_[e.node].local;
  sim::Envelope envelope{m.from, 0, std::move(m.payload)};
  switch (role(e.node)) {
    case Role::coordinator: {
      Coordinator& n = coordinator(e.node);
      (void)n.step(now, envelope);  // a reason to ignore it goes to the trace only
      n.tick(now);
      return drain(e.node);
    }
    case Role::participant: {
      Participant& n = participant(e.node);
      (void)n.step(now, envelope);
      n.tick(now);
      return drain(e.node);
    }
    case Role::client:
      client(e.node).deliver(now, std::move(envelope));
      return drain_client(e.node);
  }
}

// A timer fires: the node's clock moves to its deadline, then it ticks (or the client's
// wait ends) and drains.
void TwopcWorld::timer(NodeId id) {
  Slot& s = slots_[id];
  ++s.timeouts;
  s.local = std::max(s.local, deadline(id));
  switch (role(id)) {
    case Role::coordinator:
      coordinator(id).tick(s.local);
      return drain(id);
    case Role::participant:
      participant(id).tick(s.local);
      return drain(id);
    case Role::client:
      client(id).wake(s.local);
      return drain_client(id);
  }
}

void TwopcWorld::crash(NodeId id) {
  Slot& s = slots_[id];
  FAULTLINE_ASSERT(s.up && role(id) != Role::client, "only an up server crashes");
  ++spent_.crashes;
  s.up = false;
  s.coordinator.reset();
  s.participant.reset();
  s.fp.reset();
  std::vector<NodeId>& crashed = spent_.crashed;
  crashed.insert(std::lower_bound(crashed.begin(), crashed.end(), id), id);
}

// NodeHost::drain with the servers' hooks: persist (syncs are instant, and a disk is read
// only at a restart, which this world does not model), publish (the reports to the
// invariants, then what the annotations take), send.
void TwopcWorld::drain(NodeId id) {
  for (int round = 0; round < protocols::NodeHost::kMaxDrainRounds; ++round) {
    outbox_.clear();
    std::vector<Report> reports;
    if (role(id) == Role::coordinator) {
      Coordinator& n = coordinator(id);
      CoordinatorEffects& fx = n.effects();
      fx.epoch_dirty = false;
      fx.records.clear();
      outbox_.swap(fx.messages);
      reports.swap(fx.reports);
      (void)n.take_changed();
    } else {
      Participant& n = participant(id);
      ParticipantEffects& fx = n.effects();
      fx.epoch_dirty = false;
      fx.records.clear();
      outbox_.swap(fx.messages);
      reports.swap(fx.reports);
      (void)n.take_changed();
      n.clear_locks_changed();
    }
    for (const Report& r : reports) observe(id, r);
    for (protocols::Outgoing& o : outbox_) net_.send(id, o.to, std::move(o.message));
    const bool ready = role(id) == Role::coordinator ? !slots_[id].coordinator->effects().empty()
                                                     : !slots_[id].participant->effects().empty();
    if (!ready) return;
  }
  FAULTLINE_ASSERT(false, "a node's effects settle within kMaxDrainRounds persist-send rounds");
}

// What BankClient's calls do in the simulator: history records, the observer, sends.
void TwopcWorld::drain_client(NodeId id) {
  Slot& s = slots_[id];
  ClientEffects& fx = s.client->effects();
  if (fx.messages.empty() && fx.history.empty() && !fx.read_all) return;
  ClientEffects out;
  std::swap(out, client(id).effects());
  for (ClientEffects::Op& op : out.history) {
    history_changed_ = true;
    if (op.invoke) {
      FAULTLINE_ASSERT(!s.open, "a client has one operation open at a time");
      if (!s.has_process) {
        s.process = next_process_++;
        s.has_process = true;
      }
      s.open = history_.invoke(s.process, "txn", std::move(op.value), steps_);
    } else {
      FAULTLINE_ASSERT(s.open.has_value(), "a completion follows its invocation");
      history_.complete(*s.open, op.type, std::move(op.value), steps_);
      s.open.reset();
    }
  }
  if (out.read_all) {
    ghost().read_all_committed(id, out.read_all->first, out.read_all->second);
    facts_hash_ += explore_element(explore_mix(explore_mix(id, out.read_all->first.value),
                                               static_cast<std::uint64_t>(out.read_all->second)));
  }
  for (protocols::Outgoing& o : out.messages) net_.send(id, o.to, std::move(o.message));
}

void TwopcWorld::observe(NodeId id, const Report& r) {
  ghost().report(id, r);
  std::uint64_t h = explore_mix(explore_mix(id, static_cast<std::uint64_t>(r.kind)), r.txn.value);
  h = explore_mix(h, (r.flag ? 1 : 0) | (r.logged ? 2 : 0) | (r.by_peer ? 4 : 0));
  for (const Write& w : r.writes) h = explore_mix(explore_mix(h, std::hash<std::string>{}(w.key)), w.value);
  for (NodeId p : r.participants) h = explore_mix(h, p);
  facts_hash_ += explore_element(h);
}

Time TwopcWorld::deadline(NodeId id) const {
  const Slot& s = slots_[id];
  if (!s.up) return sim::kTimeNever;
  switch (role(id)) {
    case Role::coordinator:
      return s.coordinator->next_deadline();
    case Role::participant:
      return s.participant->next_deadline();
    case Role::client:
      return s.client->deadline();
  }
  return sim::kTimeNever;
}

// ---------------------------------------------------------------- checks

void TwopcWorld::check_invariants(NodeId cause) {
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    if (const auto& v = ghost_->violation(p)) {
      return found(sim::FindingKind::invariant, std::string(property_name(p)), *v, cause);
    }
  }
}

// TwopcRun::finish where nothing can happen any more and nothing is stuck.
void TwopcWorld::check_end() {
  if (const std::string lost = ghost_->conservation_at_end(); !lost.empty()) {
    return found(sim::FindingKind::invariant, "conservation at end", lost, sim::kNoNode);
  }
  if (auto why = history_.check("multi-register", ctx_->init)) {
    found(sim::FindingKind::linearizability, "linearizability", *why, sim::kNoNode);
  }
}

// TwopcRun::stuck_now: a participant holds a transaction in doubt and the coordinator
// that alone can decide it is down (2PC's blocking case).
std::optional<std::string> TwopcWorld::stuck() const {
  std::string text;
  for (const InDoubt& d : ghost_->in_doubt()) {
    const std::uint32_t c = d.txn.coordinator();
    if (c >= ctx_->coordinators.size() || slots_[ctx_->coordinators[c].id].up) continue;
    text += (text.empty() ? "" : "; ") + name(d.participant) + " has held txn " + d.txn.text() +
            " in doubt; its coordinator " + name(ctx_->coordinators[c].id) + " is down";
  }
  if (text.empty()) return std::nullopt;
  return "2PC blocks: " + text;
}

void TwopcWorld::list_enabled() {
  enabled_.clear();
  if (finding_) return;  // the simulator stops at a finding
  const sim::ExploreConfig& b = ctx_->budget;
  protocols::explore_list(
      net_, b, spent_, slots_.size(), ctx_->crashable, [this](NodeId id) { return slots_[id].up; },
      [&](NodeId id) { return slots_[id].timeouts < b.timeouts && deadline(id) != sim::kTimeNever; },
      enabled_);
}

// ---------------------------------------------------------------- fingerprints

std::uint64_t TwopcWorld::state_fingerprint() const {
  std::uint64_t h = 0x13198a2e03707344ULL;
  for (NodeId id = 0; id < slots_.size(); ++id) {
    const Slot& s = slots_[id];
    if (s.up && !s.fp) {
      switch (role(id)) {
        case Role::coordinator:
          s.fp = s.coordinator->fingerprint();
          break;
        case Role::participant:
          s.fp = s.participant->fingerprint();
          break;
        case Role::client:
          s.fp = s.client->fingerprint(s.local);
          break;
      }
    }
    h = explore_mix(h, s.up ? *s.fp : 0);
    h = explore_mix(h, s.timeouts);
    const Time d = deadline(id);
    h = explore_mix(h, d == sim::kTimeNever ? ~0ULL : static_cast<std::uint64_t>(d - s.local));
  }
  h = explore_mix(h, net_.fingerprint());
  h = explore_mix(explore_mix(h, spent_.drops), spent_.duplicates);
  return explore_mix(explore_mix(h, spent_.crashes), spent_.restarts);
}

std::uint64_t TwopcWorld::fingerprint() const {
  std::uint64_t h = state_fingerprint();
  for (const Slot& s : slots_) h = explore_mix(h, s.open ? *s.open + 1 : 0);
  h = explore_mix(h, facts_hash_);
  h = explore_mix(h, history_.hash());
  return explore_mix(h, finding_ ? 1 : 0);
}

// ---------------------------------------------------------------- reporting

std::string TwopcWorld::describe(std::size_t index) const {
  FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
  const ExploreEvent& e = enabled_[index];
  std::string text(sim::explore_kind_name(e.kind));
  if (e.kind == ExploreKind::deliver || e.kind == ExploreKind::drop || e.kind == ExploreKind::duplicate) {
    for (const auto& m : net_.messages()) {
      if (m->to == e.node && m->from == e.peer && m->content == e.content) {
        text += " " + std::string(m->payload.name());
        break;
      }
    }
    return text + " " + name(e.peer) + " -> " + name(e.node);
  }
  return text + " " + name(e.node);
}

// "Sometimes" facts: Stateright's 2PC example asks that every resource manager commits
// on some path and aborts on some other.
void TwopcWorld::count(std::map<std::string, std::uint64_t>& facts) const {
  std::size_t committed = 0, aborted = 0, participants = 0;
  for (const Slot& s : slots_) {
    if (!s.participant) continue;
    ++participants;
    for (const auto& [txn, commit] : s.participant->decided()) ++(commit ? committed : aborted);
  }
  facts["every participant committed"] += participants > 0 && committed == participants ? 1 : 0;
  facts["a prepared participant aborted"] += aborted > 0 ? 1 : 0;
  facts["a transaction committed"] += ghost_->counts().commits_decided > 0 ? 1 : 0;
  facts["a transaction aborted"] += ghost_->counts().aborts_decided > 0 ? 1 : 0;
}

// ---------------------------------------------------------------- the factory

std::shared_ptr<const Context> make_context(const protocols::RunConfig& run, const protocols::ExploreSpec& spec) {
  auto ctx = std::make_shared<Context>();
  ctx->params = read_params(run);
  ctx->budget = spec.budget;
  TwopcParams& p = ctx->params;
  std::map<std::string, std::vector<NodeId>> groups;
  // Ids as setup() gives them: coordinators, participants, clients.
  auto add = [&](const std::string& group, const std::string& prefix, int i, Role role) {
    const auto id = static_cast<NodeId>(ctx->roles.size());
    ctx->roles.push_back(role);
    ctx->names.push_back(prefix + std::to_string(i));
    groups[group].push_back(id);
    return id;
  };
  for (int i = 0; i < p.coordinators; ++i) {
    CoordinatorConfig c = p.coordinator;
    c.index = static_cast<std::uint32_t>(i);
    c.id = add("coordinators", "co", i, Role::coordinator);
    p.workload.coordinators.push_back(c.id);
    ctx->coordinators.push_back(c);
  }
  for (int i = 0; i < p.participants; ++i) {
    ParticipantConfig c = p.participant;
    c.index = i;
    for (int a = i; a < p.workload.accounts; a += p.participants) c.keys.push_back(account_key(a));
    c.id = add("participants", "p", i, Role::participant);
    p.workload.participants.push_back(c.id);
    ctx->participants.push_back(c);
  }
  for (int i = 0; i < p.clients; ++i) (void)add("clients", "c", i, Role::client);
  for (const std::string& g : spec.crash_groups) {
    const auto& ids = groups[g];
    ctx->crashable.insert(ctx->crashable.end(), ids.begin(), ids.end());
    for (NodeId id = 0; id < ctx->names.size() && ids.empty(); ++id) {
      if (ctx->names[id] == g) ctx->crashable.push_back(id);
    }
  }
  std::sort(ctx->crashable.begin(), ctx->crashable.end());
  ctx->crashable.erase(std::unique(ctx->crashable.begin(), ctx->crashable.end()), ctx->crashable.end());
  ctx->init = nlohmann::json::object();
  for (int a = 0; a < p.workload.accounts; ++a) ctx->init[account_key(a)] = p.workload.initial_balance;
  ctx->names_sim = std::make_unique<sim::Simulation>(sim::SimConfig{}, ctx->choices);
  for (const std::string& n : ctx->names) {
    ctx->names_sim->add_node({.name = n}, [](NodeId) { return std::unique_ptr<sim::Actor>(); });
  }
  return ctx;
}

// Whether the pure world models this exploration (see the top of this file).
bool modelled(const protocols::ExploreSpec& spec, const Context& ctx) {
  if (spec.budget.restarts > 0) return false;
  return std::none_of(ctx.crashable.begin(), ctx.crashable.end(),
                      [&](NodeId id) { return ctx.roles[id] == Role::client; });
}

}  // namespace

std::vector<protocols::ExplorePreset> explore_presets() {
  protocols::ExplorePreset blocking;
  blocking.name = "blocking";
  blocking.description =
      "1 coordinator, 3 participants, 1 client running one transfer (it touches two "
      "participants); a network that neither loses nor copies; the coordinator may crash "
      "(no restart); each node's timers fire at most once. BFS on the pure model "
      "exhausts it; the blocking case (a participant in doubt, its coordinator down) is "
      "the expected liveness finding, on a shortest path";
  blocking.options = {{"coordinators", "1"}, {"participants", "3"}, {"clients", "1"},
                      {"txns", "1"},         {"read_all", "0"}};
  blocking.spec.budget.crashes = 1;
  blocking.spec.budget.timeouts = 1;
  blocking.spec.crash_groups = {"coordinators"};
  protocols::ExplorePreset stateright;
  stateright.name = "stateright";
  stateright.description =
      "Stateright's 2PC example (the TLA+ TwoPhase spec) as near as this protocol allows: 1 "
      "coordinator (the transaction manager), N participants (resource managers; "
      "--set participants=N, default 3), one transaction over all of them (1 client, one "
      "read of every account, one account each); a network that neither loses nor copies; "
      "no crashes; each node's timer fires at most once, so a participant may give up "
      "before it prepares (TLA+'s RMChooseToAbort) and the coordinator may abort before "
      "all votes are in (TMAbort). docs/explorer.md says where it differs";
  stateright.options = {{"coordinators", "1"}, {"participants", "3"}, {"clients", "1"},
                        {"txns", "1"}, {"read_all", "100"}, {"accounts_per_participant", "1"},
                        {"vote_timeout", "10ms"}, {"retry", "50ms"}};
  stateright.spec.budget.timeouts = 1;
  stateright.strategy = "dfs";  // the same states as BFS, with sleep sets: the fastest here
  stateright.reduction = "sleep";
  return {blocking, stateright};
}

protocols::ExploreFactory explore_factory() {
  return [](const protocols::RunConfig& run, const protocols::ExploreSpec& spec)
             -> std::unique_ptr<protocols::ExploreWorld> {
    std::shared_ptr<const Context> ctx = make_context(run, spec);
    if (!modelled(spec, *ctx)) return nullptr;
    return std::make_unique<TwopcWorld>(std::move(ctx));
  };
}

}  // namespace faultline::twopc
