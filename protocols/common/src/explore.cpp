// The pure worlds' network and fingerprint helpers (protocols/explore.hpp).
#include "protocols/explore.hpp"

#include <algorithm>

namespace faultline::protocols {

std::uint64_t explore_mix(std::uint64_t h, std::uint64_t word) {
  h ^= word + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

std::uint64_t explore_element(std::uint64_t h) {
  // splitmix64's finaliser: sums of these rarely collide for different multisets.
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

void explore_sort(std::vector<sim::ExploreEvent>& events) {
  std::sort(events.begin(), events.end(), sim::canonical_less);
  events.erase(std::unique(events.begin(), events.end(), sim::same_event), events.end());
}

namespace {

bool message_less(const InFlightMessage& a, const InFlightMessage& b) {
  if (a.to != b.to) return a.to < b.to;
  if (a.from != b.from) return a.from < b.from;
  return a.content < b.content;
}

std::uint64_t message_hash(const InFlightMessage& m) {
  return explore_element(explore_mix(explore_mix(m.content, m.to), m.from));
}

}  // namespace

void ExploreNetwork::send(sim::NodeId from, sim::NodeId to, sim::Payload payload) {
  auto m = std::make_shared<InFlightMessage>();
  m->from = from;
  m->to = to;
  m->content = sim::message_content_hash(payload);
  m->payload = std::move(payload);
  hash_ += message_hash(*m);
  auto it = std::upper_bound(messages_.begin(), messages_.end(), m,
                             [](const auto& a, const auto& b) { return message_less(*a, *b); });
  messages_.insert(it, std::move(m));
}

std::size_t ExploreNetwork::find(const sim::ExploreEvent& e) const {
  InFlightMessage key;
  key.to = e.node;
  key.from = e.peer;
  key.content = e.content;
  auto it = std::lower_bound(messages_.begin(), messages_.end(), key,
                             [](const auto& a, const InFlightMessage& b) { return message_less(*a, b); });
  FAULTLINE_ASSERT(it != messages_.end() && !message_less(key, **it),
                   "a message event names a message in flight");
  return static_cast<std::size_t>(it - messages_.begin());
}

InFlightMessage ExploreNetwork::take(const sim::ExploreEvent& e) {
  const std::size_t i = find(e);
  InFlightMessage m = *messages_[i];  // a copy: other worlds may share the message
  hash_ -= message_hash(m);
  messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(i));
  return m;
}

void ExploreNetwork::duplicate(const sim::ExploreEvent& e) {
  const std::size_t i = find(e);
  std::shared_ptr<const InFlightMessage> copy = messages_[i];
  hash_ += message_hash(*copy);
  messages_.insert(messages_.begin() + static_cast<std::ptrdiff_t>(i), std::move(copy));
}

void ExploreNetwork::list(sim::ExploreKind kind, const std::function<bool(sim::NodeId)>& up,
                          std::vector<sim::ExploreEvent>& out) const {
  const InFlightMessage* last = nullptr;
  for (const auto& m : messages_) {
    // Copies of one message are one event.
    if (last != nullptr && !message_less(*last, *m)) continue;
    last = m.get();
    if (up && !up(m->to)) continue;
    out.push_back(sim::ExploreEvent{kind, m->to, m->from, m->content, 0});
  }
}

std::vector<sim::ExploreEvent> ExploreNetwork::all() const {
  std::vector<sim::ExploreEvent> out;
  out.reserve(messages_.size());
  for (const auto& m : messages_) {
    out.push_back(sim::ExploreEvent{sim::ExploreKind::deliver, m->to, m->from, m->content, 0});
  }
  return out;
}

}  // namespace faultline::protocols
