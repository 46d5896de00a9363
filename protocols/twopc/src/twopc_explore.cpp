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
//
// Up to symmetry (ExploreSpec::symmetry; twopc_symmetry.hpp, docs/explorer.md): the same
// pieces, each participant's into its part — its node, up, timer and deadline; the messages
// to and from it; its votes, acknowledgements and shards at the coordinator; its lock at
// each client and its messages in a client's mailbox; its reports; its accounts' micro-ops
// in the history — and the rest into the rest. A world made with symmetry keeps the
// multisets of messages and reports and the history split that way as it steps. asymmetry()
// says which configurations are not symmetric.
#include <algorithm>

#include "protocols/explore.hpp"
#include "protocols/protocol.hpp"
#include "twopc/twopc.hpp"
#include "twopc/twopc_invariants.hpp"
#include "twopc/twopc_symmetry.hpp"
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
  // Symmetry (twopc_symmetry.hpp): whether worlds keep what symmetric_fingerprint() needs,
  // and why the configuration is not symmetric, if it is not.
  bool symmetric = false;
  std::optional<std::string> asymmetric;
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
  std::optional<std::string> symmetry_refused() const override;
  std::uint64_t symmetric_fingerprint() const override;
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
    mutable std::optional<std::uint64_t> symmetric_fp;  // a participant's, up to renaming
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
  void send(NodeId from, NodeId to, sim::Payload payload);
  void stale(NodeId id);
  // Symmetry: the multiset elements of a message, a report; the client history's parts.
  void count_message(NodeId from, NodeId to, const sim::Payload& payload, std::uint64_t content, int sign);
  void count_report(NodeId id, const Report& r);
  void record_history(const ClientEffects::Op& op, std::uint32_t process);
  std::size_t symmetric_slot(NodeId id) const;
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
  // Symmetry (only when ctx_->symmetric), for the rest and each participant (slot 0 and
  // 1 + i, symmetric_slot()): the in-flight messages and the reports seen, multisets as sums
  // of elements, at [slot]; the client history, a sequence mixed in order, at
  // [participants + 1 + slot]. One vector: a world is copied at every step.
  std::vector<std::uint64_t> symmetric_;
  std::uint64_t& symmetric_bag(NodeId id) { return symmetric_[symmetric_slot(id)]; }
  std::uint64_t& symmetric_history(NodeId id) {
    return symmetric_[ctx_->participants.size() + 1 + symmetric_slot(id)];
  }
};

// ---------------------------------------------------------------- construction

TwopcWorld::TwopcWorld(std::shared_ptr<const Context> context)
    : ctx_(std::move(context)), slots_(ctx_->roles.size()) {
  const BankWorkload& w = ctx_->params.workload;
  if (ctx_->symmetric) symmetric_.assign(2 * (ctx_->participants.size() + 1), 0);
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
  stale(id);
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
  stale(id);
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
  if (ctx_->symmetric && (e.kind == ExploreKind::drop || e.kind == ExploreKind::duplicate)) {
    const auto& in_flight = net_.messages();
    const auto it = std::find_if(in_flight.begin(), in_flight.end(), [&](const auto& m) {
      return m->to == e.node && m->from == e.peer && m->content == e.content;
    });
    FAULTLINE_ASSERT(it != in_flight.end(), "a drop or a copy names a message in flight");
    const protocols::InFlightMessage& m = **it;
    count_message(m.from, m.to, m.payload, m.content, e.kind == ExploreKind::drop ? -1 : 1);
  }
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
  if (ctx_->symmetric) count_message(m.from, m.to, m.payload, m.content, -1);
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
  stale(id);
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
    for (protocols::Outgoing& o : outbox_) send(id, o.to, std::move(o.message));
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
      if (ctx_->symmetric) record_history(op, s.process);
      s.open = history_.invoke(s.process, "txn", std::move(op.value), steps_);
    } else {
      FAULTLINE_ASSERT(s.open.has_value(), "a completion follows its invocation");
      if (ctx_->symmetric) record_history(op, s.process);
      history_.complete(*s.open, op.type, std::move(op.value), steps_);
      s.open.reset();
    }
  }
  if (out.read_all) {
    ghost().read_all_committed(id, out.read_all->first, out.read_all->second);
    facts_hash_ += explore_element(explore_mix(explore_mix(id, out.read_all->first.value),
                                               static_cast<std::uint64_t>(out.read_all->second)));
    if (ctx_->symmetric) {
      symmetric_bag(kNoNode) += explore_element(
          Fingerprint{}.u64(0x71).u64(id).u64(out.read_all->first.value).i64(out.read_all->second).value());
    }
  }
  for (protocols::Outgoing& o : out.messages) send(id, o.to, std::move(o.message));
}

void TwopcWorld::observe(NodeId id, const Report& r) {
  ghost().report(id, r);
  std::uint64_t h = explore_mix(explore_mix(id, static_cast<std::uint64_t>(r.kind)), r.txn.value);
  h = explore_mix(h, (r.flag ? 1 : 0) | (r.logged ? 2 : 0) | (r.by_peer ? 4 : 0));
  for (const Write& w : r.writes) h = explore_mix(explore_mix(h, std::hash<std::string>{}(w.key)), w.value);
  for (NodeId p : r.participants) h = explore_mix(h, p);
  facts_hash_ += explore_element(h);
  if (ctx_->symmetric) count_report(id, r);
}

void TwopcWorld::send(NodeId from, NodeId to, sim::Payload payload) {
  if (!ctx_->symmetric) {
    (void)net_.send(from, to, std::move(payload));
    return;
  }
  const protocols::InFlightMessage& m = net_.send(from, to, std::move(payload));
  count_message(m.from, m.to, m.payload, m.content, 1);
}

// Node `id` changed: its fingerprints are stale.
void TwopcWorld::stale(NodeId id) {
  slots_[id].fp.reset();
  slots_[id].symmetric_fp.reset();
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

// ---------------------------------------------------------------- symmetry

std::optional<std::string> TwopcWorld::symmetry_refused() const {
  if (!ctx_->symmetric) return std::string("the world was made without symmetry (ExploreSpec::symmetry)");
  return ctx_->asymmetric;
}

// 0 for the rest, 1 + i for participant i.
std::size_t TwopcWorld::symmetric_slot(NodeId id) const {
  const NodeId first = ctx_->participants.front().id;
  if (id == kNoNode || id < first || id - first >= ctx_->participants.size()) return 0;
  return 1 + (id - first);
}

SymmetricParts& symmetric_parts(const Context& ctx) {
  thread_local SymmetricParts parts;
  parts.reset(ctx.participants.front().id, static_cast<std::uint32_t>(ctx.participants.size()));
  return parts;
}

void TwopcWorld::count_message(NodeId from, NodeId to, const sim::Payload& payload, std::uint64_t content,
                               int sign) {
  symmetric_message(from, to, payload, content, symmetric_parts(*ctx_), [&](NodeId part, std::uint64_t word) {
    const std::uint64_t e = explore_element(word);
    std::uint64_t& sum = symmetric_bag(part);
    sum = sign > 0 ? sum + e : sum - e;
  });
}

// A report as observe() hashes it, its participant's (a participant's report) or the
// rest's (a coordinator's), with accounts and participants named as in the parts.
void TwopcWorld::count_report(NodeId id, const Report& r) {
  const SymmetricParts& names = symmetric_parts(*ctx_);
  const bool participant = names.is_participant(id);
  Fingerprint f;
  f.u64(0x72).u64(participant ? ~0ULL : id).u64(static_cast<std::uint64_t>(r.kind)).u64(r.txn.value);
  f.u64((r.flag ? 1 : 0) | (r.logged ? 2 : 0) | (r.by_peer ? 4 : 0)).u64(r.writes.size());
  FAULTLINE_ASSERT(participant || r.writes.empty(), "only a participant reports writes (its own)");
  for (const Write& w : r.writes) f.u64(names.account(id, w.key)).i64(w.value);
  f.u64(names.all(r.participants));
  symmetric_bag(id) += explore_element(f.value());
}

// A history record: its process and type to the rest; each micro-op on an account to the
// account's owner, with its account's index and the record's place in the history.
void TwopcWorld::record_history(const ClientEffects::Op& op, std::uint32_t process) {
  const SymmetricParts& names = symmetric_parts(*ctx_);
  const std::uint64_t place = history_.events().size();
  std::uint64_t& rest = symmetric_history(kNoNode);
  const std::uint64_t type = op.invoke ? 0 : 1 + static_cast<std::uint64_t>(op.type);
  rest = explore_mix(explore_mix(explore_mix(rest, process), type), op.value.size());
  for (const nlohmann::json& micro : op.value) {
    const std::string& key = micro.at(1).get_ref<const std::string&>();
    const int account = account_number(key);
    FAULTLINE_ASSERT(account >= 0, "a micro-op names an account");
    const NodeId owner = ctx_->params.workload.owner(account);
    std::uint64_t& part = symmetric_history(owner);
    part = explore_mix(part, Fingerprint{}
                                 .u64(place)
                                 .str(micro.at(0).get_ref<const std::string&>())
                                 .u64(names.account(owner, key))
                                 .i64(micro.at(2).get<std::int64_t>())
                                 .value());
  }
}

// fingerprint() with the participants renamed away (twopc_symmetry.hpp): the same pieces,
// each participant's into its part.
std::uint64_t TwopcWorld::symmetric_fingerprint() const {
  FAULTLINE_ASSERT(ctx_->symmetric && !ctx_->asymmetric, "symmetric_fingerprint() of a symmetric world");
  SymmetricParts& parts = symmetric_parts(*ctx_);
  for (NodeId id = 0; id < slots_.size(); ++id) {
    const Slot& s = slots_[id];
    const Time d = deadline(id);
    const bool participant = role(id) == Role::participant;
    Fingerprint& f = participant ? parts.part(id) : parts.rest();
    f.u64(s.up ? 1 : 0).u64(s.timeouts);
    f.u64(d == sim::kTimeNever ? ~0ULL : static_cast<std::uint64_t>(d - s.local)).u64(s.open ? *s.open + 1 : 0);
    if (!s.up) continue;
    switch (role(id)) {
      case Role::coordinator:
        s.coordinator->symmetric_fingerprint(parts);
        break;
      case Role::participant:
        if (!s.symmetric_fp) s.symmetric_fp = s.participant->symmetric_fingerprint(parts);
        f.u64(*s.symmetric_fp);
        break;
      case Role::client:
        s.client->symmetric_fingerprint(s.local, parts);
        break;
    }
  }
  Fingerprint& rest = parts.rest();
  rest.u64(spent_.drops).u64(spent_.duplicates).u64(spent_.crashes).u64(spent_.restarts);
  const std::size_t n = ctx_->participants.size();
  rest.u64(symmetric_[0]).u64(symmetric_[n + 1]).u64(history_.events().size());
  for (std::size_t i = 0; i < n; ++i) {
    parts.part(ctx_->participants[i].id).u64(symmetric_[1 + i]).u64(symmetric_[n + 2 + i]);
  }
  rest.u64(finding_ ? 1 : 0);
  return parts.value();
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

// Why the participants of this configuration are not interchangeable, if they are not
// (docs/explorer.md, "Symmetry"). Every participant runs the same code with the same
// options and bugs and owns as many accounts with the same initial balance; what can set
// some apart is what a client does with them, who may crash, and messages between them.
std::optional<std::string> asymmetry(const Context& ctx) {
  const TwopcParams& p = ctx.params;
  if (p.clients > 0 && p.workload.read_all_percent < 100 && p.workload.accounts >= 2) {
    return "read_all=" + std::to_string(p.workload.read_all_percent) +
           ": explore mode draws a transfer between fixed accounts (random(n) = n - 1: the last "
           "account, and the last on another participant), which sets two participants apart; "
           "symmetry needs every transaction to read every account (--set read_all=100)";
  }
  if (p.participant.cooperative) {
    return "cooperative=true: in-doubt participants ask each other, which ties participants to each "
           "other, and a fingerprint of sorted per-participant parts cannot tell such ties apart";
  }
  const auto crashable = std::count_if(ctx.crashable.begin(), ctx.crashable.end(),
                                       [&](NodeId id) { return ctx.roles[id] == Role::participant; });
  if (crashable > 0 && static_cast<std::size_t>(crashable) < ctx.participants.size()) {
    return "only some participants may crash, which sets them apart from the others: let all of "
           "them crash (--crash participants) or none";
  }
  return std::nullopt;
}

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
  ctx->symmetric = spec.symmetry;
  if (spec.symmetry) ctx->asymmetric = asymmetry(*ctx);
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
      "the bank in the configuration of Stateright's 2PC example, a much larger model than "
      "its own (the twophase preset is that model): 1 "
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
  protocols::ExplorePreset twophase;
  twophase.name = "twophase";
  twophase.description =
      "TLA+'s TwoPhase spec, the model Stateright's 2PC example encodes, exactly "
      "(model=twophase): a TM and N RMs (--set participants=N, default 3), a network that is "
      "a set of messages (a delivered message stays; none is lost or copied), no crashes. "
      "Its states are the spec's: 288 with 3 RMs, 1,745,408 with 8";
  twophase.options = {{"model", "twophase"}};
  twophase.spec.budget.timeouts = 1;  // no node has a timer: a bound that bounds nothing
  twophase.strategy = "dfs";
  twophase.reduction = "sleep";
  return {blocking, stateright, twophase};
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
