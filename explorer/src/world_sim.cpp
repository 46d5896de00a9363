// The simulator as an ExploreWorld (world_sim.hpp): every state is the run of its path
// from the start, in explore mode.
#include "world_sim.hpp"

#include <algorithm>

namespace faultline::explorer::detail {
namespace {

using protocols::explore_element;
using protocols::explore_mix;

// Where a run is along its path: the gate sets the step before each schedule choice.
struct Cursor {
  const std::vector<std::uint32_t>* path = nullptr;
  std::uint64_t step = 0;
};

// The path's choices for the schedule; explore mode draws nothing else.
class PathChoices final : public sim::ChoiceSource {
 public:
  explicit PathChoices(const Cursor& cursor) : cursor_(cursor) {}

 protected:
  std::uint32_t draw(std::uint32_t n, sim::ChoiceKind kind, sim::Ratio) override {
    if (kind != sim::ChoiceKind::schedule) return 0;
    FAULTLINE_ASSERT(cursor_.step < cursor_.path->size(), "the gate stops a run at its path's end");
    const std::uint32_t value = (*cursor_.path)[cursor_.step];
    FAULTLINE_ASSERT(value < n, "a path's choice is enabled where it is made");
    return value;
  }

 private:
  const Cursor& cursor_;
};

std::uint64_t history_hash(const sim::ClientHistory& history) {
  std::uint64_t h = 0;
  for (const sim::HistoryEvent& e : history.events()) {
    h = explore_mix(explore_mix(h, e.process), static_cast<std::uint64_t>(e.type));
    h = explore_mix(h, std::hash<std::string>{}(e.f + e.value.dump()));
  }
  return h;
}

class SimWorld final : public protocols::ExploreWorld {
 public:
  explicit SimWorld(std::shared_ptr<const SimTarget> target) : target_(std::move(target)) {
    materialize();
  }
  std::unique_ptr<ExploreWorld> clone() const override { return std::make_unique<SimWorld>(*this); }
  const std::vector<sim::ExploreEvent>& enabled() const override { return enabled_; }
  Effect perform(std::size_t index) override {
    FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
    path_.push_back(static_cast<std::uint32_t>(index));
    const std::size_t before = history_size_;
    materialize();
    return Effect{history_size_ != before};
  }
  std::uint64_t fingerprint() const override { return fp_; }
  std::uint64_t state_fingerprint() const override { return state_fp_; }
  std::optional<std::string> symmetry_refused() const override {
    return std::string("the simulator engine keys a state by each node's inputs, not by node state "
                       "it could rename; only the pure model of 2PC's bank has a symmetry reduction (the pure "
                       "model does not take restarts or client crashes)");
  }
  const std::optional<sim::Finding>& finding() const override { return finding_; }
  std::string describe(std::size_t index) const override;
  std::vector<sim::ExploreEvent> in_flight() const override { return in_flight_; }
  bool message_set() const override { return message_set_; }
  std::optional<std::string> endless() const override {
    if (keep_ignored_) return std::string("a message its receiver ignores stays in flight (Stateright's actor model)");
    return ExploreWorld::endless();
  }

 private:
  protocols::RunOutput run(std::vector<std::uint64_t>& inputs) const;
  void materialize();

  std::shared_ptr<const SimTarget> target_;
  std::vector<std::uint32_t> path_;
  std::vector<sim::ExploreEvent> enabled_;
  std::uint64_t fp_ = 0;
  std::uint64_t state_fp_ = 0;
  std::size_t history_size_ = 0;
  std::optional<sim::Finding> finding_;
  std::vector<sim::ExploreEvent> in_flight_;
  bool message_set_ = false;
  bool keep_ignored_ = false;
};

// Runs the path; `inputs` gets each node's inputs so far (deliveries, timers, crashes).
protocols::RunOutput SimWorld::run(std::vector<std::uint64_t>& inputs) const {
  auto cursor = std::make_shared<Cursor>(Cursor{&path_, 0});
  const std::vector<std::uint32_t>& path = path_;
  const SimTarget& t = *target_;
  const protocols::Prepare prepare = [&, cursor](sim::Simulation& sim, protocols::ProtocolRun& run) {
    sim.set_explore_crashable(crash_targets(t, sim, run));
    inputs.assign(sim.node_count(), 0);
    sim.set_explore_gate([&, cursor](const sim::Simulation& s) {
      const std::uint64_t step = s.explore_steps();
      if (step >= path.size()) return false;
      cursor->step = step;
      const sim::ExploreEvent& e = s.explore_enabled()[path[step]];
      if (e.node >= inputs.size()) inputs.resize(e.node + 1, 0);
      if (e.kind != sim::ExploreKind::drop && e.kind != sim::ExploreKind::duplicate) {
        inputs[e.node] = explore_mix(inputs[e.node], sim::explore_event_key(e));
      }
      return true;
    });
  };
  protocols::RunOutput out =
      protocols::prepare_run(*t.protocol, t.spec, std::make_unique<PathChoices>(*cursor), prepare);
  out.sim->run();
  // Where nothing can happen any more, what execute_run does: the protocol judges what is
  // stuck, then the end-of-run checks.
  if (out.sim->findings().empty() && out.sim->explore_enabled().empty()) {
    if (std::string stuck = out.run->stuck_now(*out.sim); !stuck.empty()) {
      out.sim->report(sim::Finding{.kind = sim::FindingKind::liveness, .name = "liveness",
                                   .message = "no event can happen any more, and " + stuck});
    }
    if (out.sim->findings().empty()) out.run->finish(*out.sim);
  }
  out.result = out.sim->result();
  return out;
}

void SimWorld::materialize() {
  std::vector<std::uint64_t> inputs;
  protocols::RunOutput out = run(inputs);
  const sim::Simulation& sim = *out.sim;
  message_set_ = sim.explore_message_set();
  keep_ignored_ = sim.explore_keep_ignored();
  finding_.reset();
  for (const sim::Finding& f : sim.findings()) {
    if (f.kind != sim::FindingKind::event_limit) {
      finding_ = f;
      break;
    }
  }
  enabled_.clear();
  if (!finding_) enabled_ = sim.explore_enabled();
  FAULTLINE_ASSERT(sim.explore_steps() == path_.size() || finding_,
                   "a run reaches the end of its path unless it stops at a finding");
  std::uint64_t h = 0x452821e638d01377ULL;
  for (sim::NodeId id = 0; id < sim.node_count(); ++id) {
    h = explore_mix(explore_mix(h, id < inputs.size() ? inputs[id] : 0), sim.is_up(id) ? 1 : 0);
  }
  std::uint64_t network = 0;
  in_flight_ = sim.explore_in_flight();
  for (sim::ExploreEvent& e : in_flight_) {
    e.ref = 0;  // the kernel's slot is not part of a message's identity
    network += explore_element(sim::explore_event_key(e));
  }
  const sim::ExploreUsed& used = sim.explore_used();
  h = explore_mix(explore_mix(h, network), used.drops);
  h = explore_mix(explore_mix(explore_mix(h, used.duplicates), used.crashes), used.restarts);
  state_fp_ = h;
  history_size_ = sim.history().size();
  fp_ = explore_mix(explore_mix(h, history_hash(sim.history())), finding_ ? 1 : 0);
}

std::string SimWorld::describe(std::size_t index) const {
  FAULTLINE_ASSERT(index < enabled_.size(), "a step is one of the enabled events");
  std::vector<std::uint64_t> inputs;
  const protocols::RunOutput out = run(inputs);
  const sim::Simulation& sim = *out.sim;
  const sim::ExploreEvent& e = sim.explore_enabled()[index];
  std::string text(sim::explore_kind_name(e.kind));
  if (e.peer != sim::kNoNode) {
    return text + " " + std::string(sim.explore_payload(e).name()) + " " + sim.node_name(e.peer) +
           " -> " + sim.node_name(e.node);
  }
  return text + " " + sim.node_name(e.node);
}

}  // namespace

std::vector<sim::NodeId> crash_targets(const SimTarget& target, const sim::Simulation& sim,
                                       const protocols::ProtocolRun& run) {
  std::vector<sim::NodeId> ids;
  for (const std::string& name : target.crash_groups) {
    const std::vector<sim::NodeId>& group = run.groups.nodes(name);
    ids.insert(ids.end(), group.begin(), group.end());
    for (sim::NodeId id = 0; id < sim.node_count() && group.empty(); ++id) {
      if (sim.node_name(id) == name) ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::unique_ptr<protocols::ExploreWorld> make_sim_world(std::shared_ptr<const SimTarget> target) {
  return std::make_unique<SimWorld>(std::move(target));
}

}  // namespace faultline::explorer::detail
