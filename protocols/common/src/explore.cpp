// The pure worlds' network and fingerprint helpers (protocols/explore.hpp).
#include "protocols/explore.hpp"

#include <algorithm>
#include <unordered_map>

#include "checker/checker.hpp"

namespace faultline::protocols {

void explore_sort(std::vector<sim::ExploreEvent>& events) {
  std::sort(events.begin(), events.end(), sim::canonical_less);
  events.erase(std::unique(events.begin(), events.end(), sim::same_event), events.end());
}

namespace {

std::uint64_t message_hash(const InFlightMessage& m) {
  return explore_element(explore_mix(explore_mix(m.content, m.to), m.from));
}

}  // namespace

const InFlightMessage& ExploreNetwork::send(sim::NodeId from, sim::NodeId to, sim::Payload payload) {
  auto m = std::make_shared<InFlightMessage>();
  m->from = from;
  m->to = to;
  m->content = sim::message_content_hash(payload);
  m->payload = std::move(payload);
  const auto less = [](const auto& a, const auto& b) { return ExploreNetwork::message_less(*a, *b); };
  const Messages& now = messages();
  auto at = std::upper_bound(now.begin(), now.end(), m, less);
  if (set_ && at != now.begin() && !message_less(**(at - 1), *m)) return **(at - 1);
  const std::ptrdiff_t index = at - now.begin();
  hash_ += message_hash(*m);
  const InFlightMessage& sent = *m;  // shared: stays where it is while the vector moves
  Messages& list = own();
  list.insert(list.begin() + index, std::move(m));
  return sent;
}

ExploreNetwork::Messages& ExploreNetwork::own() {
  if (!messages_) {
    messages_ = std::make_shared<Messages>();
  } else if (messages_.use_count() > 1) {
    messages_ = std::make_shared<Messages>(*messages_);
  }
  return *messages_;
}

std::size_t ExploreNetwork::find(const sim::ExploreEvent& e) const {
  InFlightMessage key;
  key.to = e.node;
  key.from = e.peer;
  key.content = e.content;
  const Messages& list = messages();
  auto it = std::lower_bound(list.begin(), list.end(), key,
                             [](const auto& a, const InFlightMessage& b) { return ExploreNetwork::message_less(*a, b); });
  FAULTLINE_ASSERT(it != list.end() && !ExploreNetwork::message_less(key, **it),
                   "a message event names a message in flight");
  return static_cast<std::size_t>(it - list.begin());
}

InFlightMessage ExploreNetwork::take(const sim::ExploreEvent& e) {
  const std::size_t i = find(e);
  InFlightMessage m = *messages()[i];  // a copy: other worlds may share the message
  hash_ -= message_hash(m);
  Messages& list = own();
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
  return m;
}

InFlightMessage ExploreNetwork::receive(const sim::ExploreEvent& e) {
  return set_ ? *messages()[find(e)] : take(e);
}

void ExploreNetwork::duplicate(const sim::ExploreEvent& e) {
  const std::size_t i = find(e);
  FAULTLINE_ASSERT(!set_, "a message set holds one of each message: a copy is the message itself");
  std::shared_ptr<const InFlightMessage> copy = messages()[i];
  hash_ += message_hash(*copy);
  Messages& list = own();
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), std::move(copy));
}

std::vector<sim::ExploreEvent> ExploreNetwork::all() const {
  std::vector<sim::ExploreEvent> out;
  out.reserve(size());
  for (const auto& m : messages()) {
    out.push_back(sim::ExploreEvent{sim::ExploreKind::deliver, m->to, m->from, m->content, 0});
  }
  return out;
}

std::shared_ptr<const std::vector<sim::ExploreEvent>> explore_list_messages(
    const ExploreNetwork& net, const sim::ExploreConfig& budget, const ExploreSpent& spent,
    std::size_t nodes, bool found) {
  FAULTLINE_ASSERT(spent.crashes == 0 && spent.restarts == 0, "no node of such a world crashes");
  auto list = std::make_shared<std::vector<sim::ExploreEvent>>();
  if (found) return list;
  list->reserve(net.size() + 1);
  static const std::vector<sim::NodeId> kNoCrashes;
  explore_list(net, budget, spent, nodes, kNoCrashes, [](sim::NodeId) { return true; },
               [](sim::NodeId) { return false; }, *list);
  return list;
}

// ---------------------------------------------------------------- steps and histories

ExploreStepPlace::ExploreStepPlace(std::string_view node, std::uint64_t step) : node_(node), step_(step) {
  previous_ = sim::current_run_place();
  sim::set_current_run_place(this);
}

ExploreStepPlace::~ExploreStepPlace() { sim::set_current_run_place(previous_); }

std::string ExploreStepPlace::describe_place() const {
  return "explorer step " + std::to_string(step_) + ", node " + std::string(node_);
}

std::vector<ExploreHistory::Event>& ExploreHistory::own() { return explore_own(events_); }

bool explore_network_step(ExploreNetwork& net, ExploreSpent& spent, const sim::ExploreEvent& e) {
  switch (e.kind) {
    case sim::ExploreKind::drop:
      ++spent.drops;
      (void)net.take(e);
      return true;
    case sim::ExploreKind::duplicate:
      ++spent.duplicates;
      net.duplicate(e);
      return true;
    default:
      return false;
  }
}

std::size_t ExploreHistory::invoke(std::uint32_t process, std::string f, nlohmann::json value,
                                   std::uint64_t step) {
  std::vector<Event>& events = own();
  events.push_back(Event{process, sim::OpType::invoke, std::move(f), std::move(value), step});
  const Event& e = events.back();
  hash_ = explore_mix(explore_mix(explore_mix(hash_, e.process), 0),
                      std::hash<std::string>{}(e.f + e.value.dump()));
  return events.size() - 1;
}

void ExploreHistory::complete(std::size_t invocation, sim::OpType type, nlohmann::json value,
                              std::uint64_t step) {
  std::vector<Event>& events = own();
  FAULTLINE_ASSERT(invocation < events.size() && events[invocation].type == sim::OpType::invoke,
                   "a completion follows its invocation");
  FAULTLINE_ASSERT(type != sim::OpType::invoke, "a completion is ok, fail or info");
  const Event& invoked = events[invocation];
  events.push_back(Event{invoked.process, type, invoked.f, std::move(value), step});
  const Event& e = events.back();
  hash_ = explore_mix(explore_mix(explore_mix(hash_, e.process), 1 + static_cast<std::uint64_t>(type)),
                      std::hash<std::string>{}(e.value.dump()));
}

std::optional<std::string> ExploreHistory::check(std::string_view model_name, const nlohmann::json& init) const {
  thread_local std::unordered_map<std::uint64_t, std::optional<std::string>> memo;
  const std::uint64_t key = explore_mix(explore_mix(hash_, std::hash<std::string_view>{}(model_name)),
                                        std::hash<std::string>{}(init.dump()));
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  checker::HistoryBuilder builder;
  for (const Event& e : *events_) {
    std::optional<std::string> error;
    if (e.type == sim::OpType::invoke) {
      error = builder.invoke(e.process, e.f, std::nullopt, e.value, static_cast<std::int64_t>(e.step));
    } else {
      const auto outcome = e.type == sim::OpType::ok     ? checker::Outcome::ok
                           : e.type == sim::OpType::fail ? checker::Outcome::fail
                                                         : checker::Outcome::info;
      error = builder.complete(e.process, outcome, e.value, static_cast<std::int64_t>(e.step));
    }
    FAULTLINE_ASSERT(!error, "the explorer records a well-formed history");
  }
  const checker::History h = std::move(builder).finish();
  const auto model = checker::make_model(std::string(model_name), init);
  FAULTLINE_ASSERT(model.ok(), "a pure world checks its history with a model that exists");
  checker::CheckOptions options;
  options.threads = 1;
  const auto result = checker::check(h, **model, options);
  FAULTLINE_ASSERT(result.ok(), "the model reads every operation of the history");
  std::optional<std::string> verdict;
  if (result->verdict == checker::Verdict::not_linearizable) {
    verdict = checker::explain_text(h, **model, *result).substr(0, 400);
  }
  if (memo.size() > 100000) memo.clear();
  memo.emplace(key, verdict);
  return verdict;
}

}  // namespace faultline::protocols
