// TLA+'s TwoPhase as actors (twophase.hpp): the pure nodes, the servers that run them on
// simulated nodes, and the model's run.
#include "twopc/twophase.hpp"

#include <bit>

#include "protocols/codec.hpp"

namespace faultline::twopc::twophase {

std::string_view rm_state_name(RmState s) {
  switch (s) {
    case RmState::working:
      return "working";
    case RmState::prepared:
      return "prepared";
    case RmState::committed:
      return "committed";
    case RmState::aborted:
      return "aborted";
  }
  return "?";
}

std::string_view tm_state_name(TmState s) {
  switch (s) {
    case TmState::init:
      return "init";
    case TmState::committed:
      return "committed";
    case TmState::aborted:
      return "aborted";
  }
  return "?";
}

std::string_view action_name(Action a) {
  switch (a) {
    case Action::prepare:
      return "prepare";
    case Action::choose_abort:
      return "choose abort";
    case Action::commit:
      return "commit";
    case Action::abort:
      return "abort";
  }
  return "?";
}

// ---------------------------------------------------------------- resource manager

ResourceManager::ResourceManager(NodeId self, NodeId tm, std::uint32_t index, RmState state)
    : self_(self), tm_(tm), index_(index), state_(state) {}

void ResourceManager::start() {
  if (state_ != RmState::working) return;
  out_.push_back({self_, sim::Payload(Act{Action::prepare})});
  out_.push_back({self_, sim::Payload(Act{Action::choose_abort})});
}

void ResourceManager::become(RmState s) {
  if (state_ == s) return;
  state_ = s;
  dirty_ = true;
}

std::string_view ResourceManager::step(const sim::Envelope& m) {
  if (const Decision* d = m.get<Decision>()) {
    // RMRcvCommitMsg, RMRcvAbortMsg: the spec does not ask what state the RM is in.
    become(d->commit != 0 ? RmState::committed : RmState::aborted);
    return {};
  }
  if (const Act* a = m.get<Act>()) {
    FAULTLINE_ASSERT(m.from == self_, "an action is a node's message to itself");
    if (state_ != RmState::working) return "no longer working";
    if (a->action == Action::prepare) {
      become(RmState::prepared);
      out_.push_back({tm_, sim::Payload(Prepared{index_})});
      return {};
    }
    if (a->action == Action::choose_abort) {
      become(RmState::aborted);
      return {};
    }
  }
  return "not a resource manager's message";
}

// ---------------------------------------------------------------- transaction manager

TransactionManager::TransactionManager(NodeId self, std::shared_ptr<const std::vector<NodeId>> rms,
                                       TmState state, std::uint64_t prepared)
    : self_(self), rms_(std::move(rms)), state_(state), prepared_(prepared) {
  const std::size_t n = rms_->size();
  FAULTLINE_ASSERT(n >= 1 && n <= 64, "1 to 64 resource managers (a bit each)");
  all_ = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

void TransactionManager::start() {
  if (state_ != TmState::init) return;
  out_.push_back({self_, sim::Payload(Act{Action::abort})});
  if (all_prepared()) out_.push_back({self_, sim::Payload(Act{Action::commit})});
}

void TransactionManager::decide(bool commit) {
  state_ = commit ? TmState::committed : TmState::aborted;
  dirty_ = true;
  for (const NodeId rm : *rms_) {
    out_.push_back({rm, sim::Payload(Decision{static_cast<std::uint8_t>(commit ? 1 : 0)})});
  }
}

std::string_view TransactionManager::step(const sim::Envelope& m) {
  if (const Prepared* p = m.get<Prepared>()) {
    // TMRcvPrepared
    if (state_ != TmState::init) return "decided already";
    FAULTLINE_ASSERT(p->rm < rms_->size(), "a Prepared names a resource manager");
    const std::uint64_t bit = std::uint64_t{1} << p->rm;
    if ((prepared_ & bit) != 0) return "prepared already";
    prepared_ |= bit;
    dirty_ = true;
    // TMCommit is enabled from now on (tmPrepared only grows, and only in init).
    if (all_prepared()) out_.push_back({self_, sim::Payload(Act{Action::commit})});
    return {};
  }
  if (const Act* a = m.get<Act>()) {
    FAULTLINE_ASSERT(m.from == self_, "an action is a node's message to itself");
    if (state_ != TmState::init) return "decided already";
    if (a->action == Action::commit) {
      FAULTLINE_ASSERT(all_prepared(), "TMCommit only once every RM is prepared");
      decide(true);
      return {};
    }
    if (a->action == Action::abort) {
      decide(false);
      return {};
    }
  }
  return "not the transaction manager's message";
}

std::string consistency_violation(const std::vector<RmState>& rms) {
  std::size_t committed = rms.size(), aborted = rms.size();
  for (std::size_t i = 0; i < rms.size(); ++i) {
    if (rms[i] == RmState::committed && committed == rms.size()) committed = i;
    if (rms[i] == RmState::aborted && aborted == rms.size()) aborted = i;
  }
  if (committed == rms.size() || aborted == rms.size()) return {};
  return "p" + std::to_string(committed) + " committed and p" + std::to_string(aborted) + " aborted";
}

// ---------------------------------------------------------------- servers

namespace {

using protocols::Outgoing;
using sim::Time;

// A TwoPhase node on a simulated node: its state in one durable slot, written when a step
// changed it and synced before the messages that follow from it (NodeHost's drain).
template <class Node>
class SlotHost : public protocols::MessageDrivenHost {
 public:
  // nullptr until the node has loaded its state.
  const Node* node() const { return node_ ? &*node_ : nullptr; }

 protected:
  // The slot's body, if the disk holds one.
  std::optional<std::string> stored(sim::Context& ctx) { return slot_.load(ctx.disk()); }
  // The node's state as the slot's body.
  virtual void encode(protocols::RecordWriter& w) const = 0;
  std::optional<Node> node_;

 private:
  std::string_view step(Time, const sim::Envelope& m) override { return node_->step(m); }
  bool persist(sim::DiskHandle& disk) override {
    if (!node_->dirty()) return false;
    protocols::RecordWriter w;
    encode(w);
    slot_.store(disk, w.seal());
    node_->persisted();
    return true;
  }
  void take_messages(std::vector<Outgoing>& out) override { out.swap(node_->out()); }
  bool has_ready() const override { return node_->dirty() || !node_->out().empty(); }

  protocols::DurableSlot slot_{"state"};
};

class RmServer final : public SlotHost<ResourceManager> {
 public:
  RmServer(NodeId tm, std::uint32_t index) : tm_(tm), index_(index) {}

 private:
  void boot(sim::Context& ctx) override {
    RmState state = RmState::working;
    if (std::optional<std::string> body = stored(ctx)) {
      protocols::RecordReader r(*body);
      const std::uint64_t v = r.u64();
      FAULTLINE_ASSERT(r.ok() && v <= static_cast<std::uint64_t>(RmState::aborted),
                       "an RM's slot holds one of its states");
      state = static_cast<RmState>(v);
    }
    node_.emplace(ctx.self(), tm_, index_, state);
    node_->start();
  }
  void encode(protocols::RecordWriter& w) const override { w.u64(static_cast<std::uint64_t>(node_->state())); }
  void publish(sim::Context& ctx) override {
    if (published_ == node_->state()) return;
    ctx.annotate("state", rm_state_name(node_->state()));
    published_ = node_->state();
  }

  NodeId tm_;
  std::uint32_t index_;
  std::optional<RmState> published_;
};

class TmServer final : public SlotHost<TransactionManager> {
 public:
  explicit TmServer(std::vector<NodeId> rms)
      : rms_(std::make_shared<const std::vector<NodeId>>(std::move(rms))) {}

 private:
  void boot(sim::Context& ctx) override {
    TmState state = TmState::init;
    std::uint64_t prepared = 0;
    if (std::optional<std::string> body = stored(ctx)) {
      protocols::RecordReader r(*body);
      const std::uint64_t v = r.u64();
      prepared = r.u64();
      FAULTLINE_ASSERT(r.ok() && v <= static_cast<std::uint64_t>(TmState::aborted),
                       "the TM's slot holds one of its states");
      state = static_cast<TmState>(v);
    }
    node_.emplace(ctx.self(), rms_, state, prepared);
    node_->start();
  }
  void encode(protocols::RecordWriter& w) const override {
    w.u64(static_cast<std::uint64_t>(node_->state()));
    w.u64(node_->prepared());
  }
  void publish(sim::Context& ctx) override {
    if (published_ != node_->state()) {
      ctx.annotate("state", tm_state_name(node_->state()));
      published_ = node_->state();
    }
    if (published_prepared_ != node_->prepared()) {
      ctx.annotate("prepared", static_cast<std::int64_t>(std::popcount(node_->prepared())));
      published_prepared_ = node_->prepared();
    }
  }

  std::shared_ptr<const std::vector<NodeId>> rms_;
  std::optional<TmState> published_;
  std::optional<std::uint64_t> published_prepared_;
};

class TwophaseRun final : public protocols::ProtocolRun {
 public:
  std::vector<NodeId> fault_targets() const override {
    std::vector<NodeId> targets = groups.nodes("coordinators");
    const std::vector<NodeId>& rms = groups.nodes("participants");
    targets.insert(targets.end(), rms.begin(), rms.end());
    return targets;
  }
  std::optional<NodeId> leader(const sim::Simulation& sim) const override {
    const NodeId tm = groups.nodes("coordinators").front();
    return sim.is_up(tm) ? std::optional<NodeId>(tm) : std::nullopt;
  }
  nlohmann::json summary(const sim::Simulation& sim) const override {
    nlohmann::json j = nlohmann::json::object();
    const auto* tm = dynamic_cast<const TmServer*>(sim.actor(groups.nodes("coordinators").front()));
    if (tm != nullptr && tm->node() != nullptr) j["tm"] = tm_state_name(tm->node()->state());
    std::int64_t counts[4] = {0, 0, 0, 0};
    for (const NodeId id : groups.nodes("participants")) {
      const auto* rm = dynamic_cast<const RmServer*>(sim.actor(id));
      if (rm != nullptr && rm->node() != nullptr) ++counts[static_cast<int>(rm->node()->state())];
    }
    for (int s = 0; s < 4; ++s) j[std::string("rms_") + std::string(rm_state_name(static_cast<RmState>(s)))] = counts[s];
    return j;
  }
};

}  // namespace

std::unique_ptr<protocols::ProtocolRun> setup(sim::Simulation& sim, const protocols::RunConfig&, int rms) {
  auto run = std::make_unique<TwophaseRun>();
  // Ids are given in order: the TM first, then the RMs.
  std::vector<NodeId> rm_ids;
  for (int i = 0; i < rms; ++i) rm_ids.push_back(static_cast<NodeId>(sim.node_count() + 1 + i));
  const NodeId tm = static_cast<NodeId>(sim.node_count());
  const std::vector<NodeId> tms = protocols::add_group(sim, *run, "coordinators", "co", 1, "coordinator",
                                                       [&](int) {
                                                         return [rm_ids](NodeId) {
                                                           return std::make_unique<TmServer>(rm_ids);
                                                         };
                                                       });
  FAULTLINE_ASSERT(tms.size() == 1 && tms.front() == tm, "the TM is the first node added");
  const std::vector<NodeId> added =
      protocols::add_group(sim, *run, "participants", "p", rms, "participant", [&](int i) {
        return [tm, i](NodeId) { return std::make_unique<RmServer>(tm, static_cast<std::uint32_t>(i)); };
      });
  FAULTLINE_ASSERT(added == rm_ids, "the RMs follow the TM");
  // TCConsistent after every event, over the RMs that are up (a down RM's state is on
  // its disk, and it comes back with it).
  sim.add_invariant("atomicity", [rm_ids](const sim::Simulation& s) -> std::optional<std::string> {
    std::vector<RmState> states;
    for (const NodeId id : rm_ids) {
      const auto* rm = dynamic_cast<const RmServer*>(s.actor(id));
      states.push_back(rm != nullptr && rm->node() != nullptr ? rm->node()->state() : RmState::working);
    }
    std::string why = consistency_violation(states);
    if (why.empty()) return std::nullopt;
    return why;
  });
  sim.set_explore_message_set(true);
  return run;
}

}  // namespace faultline::twopc::twophase
