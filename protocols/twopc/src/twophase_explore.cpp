// TwoPhase's pure world for the explorer (twophase.hpp, protocols/explore.hpp): copies of
// the pure TransactionManager and ResourceManagers, driven as TmServer, RmServer and the
// kit's NodeHost drive them (boot and start; step one message, then send), over a network
// that is a set of messages, as the setup makes the simulator's in explore mode.
//
// Node ids are the simulator's: the TM is 0, RM i is 1 + i. No node has a timer, so the
// enabled events are the deliveries of the messages in the set (in canonical order), then
// drops within the budget. The invariant (TCConsistent) is checked after every step.
//
// What the fingerprint holds: the TM's state and tmPrepared, each RM's state, the message
// set and the drops spent. That is exactly TLA+'s state (the Acts in flight follow from
// the rest: twophase.hpp), so the states counted are the spec's.
#include "twopc/twophase.hpp"

namespace faultline::twopc::twophase {
namespace {

using protocols::explore_mix;
using sim::ExploreEvent;
using sim::ExploreKind;

struct Context {
  std::size_t rms = 0;
  std::vector<std::string> names;  // by node id
  sim::ExploreConfig budget;
};

class TwophaseWorld final : public protocols::ExploreWorld {
 public:
  explicit TwophaseWorld(std::shared_ptr<const Context> ctx);
  TwophaseWorld(const TwophaseWorld&) = default;

  std::unique_ptr<ExploreWorld> clone() const override { return std::make_unique<TwophaseWorld>(*this); }
  const std::vector<ExploreEvent>& enabled() const override { return *enabled_; }
  Effect perform(std::size_t index) override;
  std::uint64_t fingerprint() const override { return state_fingerprint(); }
  std::uint64_t state_fingerprint() const override;
  const std::optional<sim::Finding>& finding() const override { return finding_; }
  std::vector<ExploreEvent> in_flight() const override { return net_.all(); }
  std::string describe(std::size_t index) const override;
  void count(std::map<std::string, std::uint64_t>& facts) const override;
  bool message_set() const override { return true; }

 private:
  template <class Node>
  void run_step(NodeId id, Node& node, const sim::Envelope& m);
  template <class Node>
  void send_all(NodeId id, Node& node);
  void check();
  void list_enabled();

  std::shared_ptr<const Context> ctx_;
  TransactionManager tm_;
  std::vector<ResourceManager> rms_;
  protocols::ExploreNetwork net_{true};
  protocols::ExploreSpent spent_;
  std::uint64_t steps_ = 0;
  std::optional<sim::Finding> finding_;
  // Shared with the copies of this world until a step changes the list: the deliveries
  // of a message set change only when a message is added (most steps add none).
  std::shared_ptr<const std::vector<ExploreEvent>> enabled_;
};

std::shared_ptr<const std::vector<NodeId>> rm_ids(std::size_t rms) {
  auto ids = std::make_shared<std::vector<NodeId>>();
  for (std::size_t i = 0; i < rms; ++i) ids->push_back(static_cast<NodeId>(1 + i));
  return ids;
}

TwophaseWorld::TwophaseWorld(std::shared_ptr<const Context> ctx)
    : ctx_(std::move(ctx)), tm_(0, rm_ids(ctx_->rms), TmState::init, 0) {
  // Every node boots at time 0, in id order, before the first choice.
  tm_.start();
  send_all(0, tm_);
  rms_.reserve(ctx_->rms);
  for (std::size_t i = 0; i < ctx_->rms; ++i) {
    const NodeId id = static_cast<NodeId>(1 + i);
    rms_.emplace_back(id, 0, static_cast<std::uint32_t>(i), RmState::working);
    rms_.back().start();
    send_all(id, rms_.back());
  }
  list_enabled();
}

template <class Node>
void TwophaseWorld::send_all(NodeId id, Node& node) {
  for (protocols::Outgoing& o : node.out()) net_.send(id, o.to, std::move(o.message));
  node.out().clear();
  node.persisted();  // the servers sync before they send; the world keeps no disk
}

template <class Node>
void TwophaseWorld::run_step(NodeId id, Node& node, const sim::Envelope& m) {
  protocols::explore_guarded(
      ctx_->names[id], steps_, [&] { (void)node.step(m); },
      [&](sim::FindingKind kind, std::string name, std::string message) {
        if (!finding_) {
          finding_ = sim::Finding{kind, std::move(name), std::move(message), steps_,
                                  static_cast<sim::Time>(steps_ * ctx_->budget.step_ns), id};
        }
      });
  send_all(id, node);
}

protocols::ExploreWorld::Effect TwophaseWorld::perform(std::size_t index) {
  FAULTLINE_ASSERT(index < enabled_->size(), "a step is one of the enabled events");
  const ExploreEvent e = (*enabled_)[index];
  ++steps_;
  const std::size_t messages = net_.size();
  if (!protocols::explore_network_step(net_, spent_, e)) {
    FAULTLINE_ASSERT(e.kind == ExploreKind::deliver, "this world's only other events are deliveries");
    protocols::InFlightMessage m = net_.receive(e);
    const sim::Envelope envelope{m.from, 0, std::move(m.payload)};
    if (e.node == 0) {
      run_step(0, tm_, envelope);
    } else {
      run_step(e.node, rms_[e.node - 1], envelope);
    }
    check();
    // Nothing sent that was not in the set already, and no finding: the same list.
    if (net_.size() == messages && !finding_) return Effect{};
  }
  list_enabled();
  return Effect{};
}

void TwophaseWorld::check() {
  if (finding_) return;
  bool committed = false, aborted = false;
  for (const ResourceManager& rm : rms_) {
    committed = committed || rm.state() == RmState::committed;
    aborted = aborted || rm.state() == RmState::aborted;
  }
  if (!committed || !aborted) return;
  std::vector<RmState> states;
  states.reserve(rms_.size());
  for (const ResourceManager& rm : rms_) states.push_back(rm.state());
  std::string why = consistency_violation(states);
  if (why.empty()) return;
  finding_ = sim::Finding{sim::FindingKind::invariant, "atomicity", std::move(why), steps_,
                          static_cast<sim::Time>(steps_ * ctx_->budget.step_ns), sim::kNoNode};
}

void TwophaseWorld::list_enabled() {
  enabled_ = protocols::explore_list_messages(net_, ctx_->budget, spent_, 1 + rms_.size(), finding_.has_value());
}

std::uint64_t TwophaseWorld::state_fingerprint() const {
  std::uint64_t h = explore_mix(0x243f6a8885a308d3ULL, static_cast<std::uint64_t>(tm_.state()));
  h = explore_mix(h, tm_.prepared());
  for (const ResourceManager& rm : rms_) h = explore_mix(h, static_cast<std::uint64_t>(rm.state()));
  h = explore_mix(h, net_.fingerprint());
  h = explore_mix(h, spent_.drops);
  return explore_mix(h, finding_ ? 1 : 0);
}

std::string TwophaseWorld::describe(std::size_t index) const {
  FAULTLINE_ASSERT(index < enabled_->size(), "a step is one of the enabled events");
  const ExploreEvent& e = (*enabled_)[index];
  std::string text(sim::explore_kind_name(e.kind));
  for (const auto& m : net_.messages()) {
    if (m->to != e.node || m->from != e.peer || m->content != e.content) continue;
    if (const Act* a = m->payload.get<Act>()) {
      text += " act(" + std::string(action_name(a->action)) + ")";
    } else if (const Prepared* p = m->payload.get<Prepared>()) {
      text += " prepared(p" + std::to_string(p->rm) + ")";
    } else if (const Decision* d = m->payload.get<Decision>()) {
      text += d->commit != 0 ? " commit" : " abort";
    }
    break;
  }
  return text + " " + ctx_->names[e.peer] + " -> " + ctx_->names[e.node];
}

// Stateright's "sometimes" properties: every RM commits on some path, aborts on another.
void TwophaseWorld::count(std::map<std::string, std::uint64_t>& facts) const {
  std::size_t committed = 0, aborted = 0;
  for (const ResourceManager& rm : rms_) {
    committed += rm.state() == RmState::committed ? 1 : 0;
    aborted += rm.state() == RmState::aborted ? 1 : 0;
  }
  facts["every RM committed"] += committed == rms_.size() ? 1 : 0;
  facts["every RM aborted"] += aborted == rms_.size() ? 1 : 0;
}

}  // namespace

std::unique_ptr<protocols::ExploreWorld> explore_world(const protocols::RunConfig&,
                                                       const protocols::ExploreSpec& spec, int rms) {
  const sim::ExploreConfig& b = spec.budget;
  if (b.crashes > 0 || b.restarts > 0 || b.duplicates > 0) return nullptr;
  auto ctx = std::make_shared<Context>();
  ctx->rms = static_cast<std::size_t>(rms);
  ctx->budget = b;
  ctx->names.push_back("co0");
  for (int i = 0; i < rms; ++i) ctx->names.push_back("p" + std::to_string(i));
  return std::make_unique<TwophaseWorld>(std::move(ctx));
}

}  // namespace faultline::twopc::twophase
