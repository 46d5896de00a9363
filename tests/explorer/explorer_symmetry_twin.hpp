#pragma once
// The slow twin of the explorer's symmetry reduction on 2PC's stateright preset
// (explorer_symmetry_test.cpp, explorer_long_test.cpp): every state of the full search
// walked together with its twins — the same path with the participants renamed, run in
// the real model — against the symmetric fingerprint's classes and the reduced searches.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "explorer/explorer.hpp"
#include "protocols/registry.hpp"

namespace faultline::explorer::symmetry_twin {

using protocols::ExploreWorld;
using sim::NodeId;

inline const protocols::Protocol& twopc() {
  const protocols::Protocol* p = protocols::find_protocol("twopc");
  REQUIRE(p != nullptr);
  return *p;
}

inline Target stateright(int participants, std::map<std::string, std::string> sets = {},
                         std::vector<std::string> bugs = {}) {
  sets["participants"] = std::to_string(participants);
  Target t = target_for_protocol(twopc(), "stateright", protocols::Options(std::move(sets)),
                                 std::move(bugs));
  t.explore.symmetry = true;  // worlds keep both fingerprints
  return t;
}

// What the explorer's verdicts read of one state; equal for twins (a renaming changes no
// verdict and no "sometimes" fact).
struct Seen {
  bool terminal = false;
  bool stuck = false;
  std::string finding;
  std::map<std::string, std::uint64_t> facts;
  friend bool operator==(const Seen&, const Seen&) = default;
};

inline Seen seen(const ExploreWorld& w) {
  Seen s;
  s.terminal = w.enabled().empty();
  s.stuck = s.terminal && w.stuck().has_value();
  if (w.finding()) s.finding = w.finding()->name;
  w.count(s.facts);
  return s;
}

// The renamings of the participants, node ids first .. first + n - 1 (coordinators come
// first, clients after them), each as a map of node ids; the identity left out.
inline std::vector<std::vector<NodeId>> renamings(NodeId first, int n) {
  std::vector<NodeId> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), first);
  std::vector<std::vector<NodeId>> out;
  while (std::next_permutation(perm.begin(), perm.end())) {
    std::vector<NodeId> map(first + static_cast<std::size_t>(n));
    std::iota(map.begin(), map.end(), NodeId{0});
    std::copy(perm.begin(), perm.end(), map.begin() + first);
    out.push_back(map);
  }
  return out;
}

inline NodeId renamed(const std::vector<NodeId>& map, NodeId id) {
  return id < map.size() ? map[id] : id;
}

// "deliver twopc_vote p1 -> co0": the kind and the message's type.
inline std::string kind_and_type(const ExploreWorld& w, std::size_t i) {
  const std::string text = w.describe(i);
  const auto first = text.find(' ');
  const auto second = text.find(' ', first + 1);
  return second == std::string::npos ? text.substr(0, first) : text.substr(0, second);
}

// Event `i` of `w` renamed, in `twin`'s list: the same kind and message type, between the
// renamed nodes. The renaming of a state's path is a path of the renamed state (the model
// is symmetric), so there is exactly one.
inline std::size_t renamed_event(const ExploreWorld& w, std::size_t i, const ExploreWorld& twin,
                                 const std::vector<NodeId>& map) {
  const sim::ExploreEvent& e = w.enabled()[i];
  std::vector<std::size_t> found;
  for (std::size_t j = 0; j < twin.enabled().size(); ++j) {
    const sim::ExploreEvent& t = twin.enabled()[j];
    if (t.kind == e.kind && t.node == renamed(map, e.node) && t.peer == renamed(map, e.peer))
      found.push_back(j);
  }
  // Messages that name no participant and no account have the same content in both
  // (a Decision, a Vote); a Lock or a Prepare names accounts or participants, and its type
  // tells it from the other messages between the two nodes.
  const auto same_content = std::count_if(found.begin(), found.end(), [&](std::size_t j) {
    return twin.enabled()[j].content == e.content;
  });
  if (found.size() > 1 && same_content == 1) {
    std::erase_if(found, [&](std::size_t j) { return twin.enabled()[j].content != e.content; });
  }
  if (found.size() > 1) {
    const std::string want = kind_and_type(w, i);
    std::erase_if(found, [&](std::size_t j) { return kind_and_type(twin, j) != want; });
  }
  REQUIRE_MESSAGE(found.size() == 1, "the renamed step of '", w.describe(i),
                  "' is one enabled step");
  return found.front();
}

// The slow twin: every state of the full search (no reduction), each walked together with
// its renamed twins — the same path with the participants renamed, run in the real model.
struct Orbits {
  std::map<std::uint64_t, std::uint64_t> symmetric;        // plain fingerprint -> symmetric one
  std::map<std::uint64_t, std::set<std::uint64_t>> orbit;  // plain -> its twins' plain fingerprints
  std::map<std::uint64_t, Seen> verdicts;                  // symmetric -> what its states show
  std::uint64_t transitions = 0;
  bool twins_agree = true;  // every twin had the same symmetric fingerprint and verdicts
};

inline void walk(const ExploreWorld& w, const std::vector<std::unique_ptr<ExploreWorld>>& twins,
                 const std::vector<std::vector<NodeId>>& maps, Orbits& out) {
  const std::uint64_t plain = w.fingerprint();
  if (out.symmetric.count(plain) > 0) return;
  const std::uint64_t sym = w.symmetric_fingerprint();
  out.symmetric[plain] = sym;
  std::set<std::uint64_t>& orbit = out.orbit[plain];
  orbit.insert(plain);
  const Seen here = seen(w);
  for (const auto& t : twins) {
    orbit.insert(t->fingerprint());
    if (t->symmetric_fingerprint() != sym || !(seen(*t) == here)) out.twins_agree = false;
  }
  auto [it, fresh] = out.verdicts.emplace(sym, here);
  if (!fresh && !(it->second == here)) out.twins_agree = false;
  if (w.finding()) return;  // the search stops at a finding
  for (std::size_t i = 0; i < w.enabled().size(); ++i) {
    std::unique_ptr<ExploreWorld> next = w.clone();
    next->perform(i);
    ++out.transitions;
    std::vector<std::unique_ptr<ExploreWorld>> next_twins;
    for (std::size_t k = 0; k < twins.size(); ++k) {
      next_twins.push_back(twins[k]->clone());
      next_twins.back()->perform(renamed_event(w, i, *twins[k], maps[k]));
    }
    walk(*next, next_twins, maps, out);
  }
}

inline Orbits orbits(const Target& t, int participants, NodeId first) {
  const std::vector<std::vector<NodeId>> maps = renamings(first, participants);
  const std::unique_ptr<ExploreWorld> root = initial_world(t, Engine::pure);
  std::vector<std::unique_ptr<ExploreWorld>> twins;
  for (std::size_t k = 0; k < maps.size(); ++k) twins.push_back(root->clone());
  Orbits o;
  walk(*root, twins, maps, o);
  return o;
}

// What a symmetric search visits: each state's symmetric fingerprint and verdicts.
inline std::map<std::uint64_t, Seen> symmetric_search(const Target& t, Options o, Result& r) {
  std::map<std::uint64_t, Seen> out;
  o.symmetry = true;
  o.on_state = [&](const ExploreWorld& w) { out.emplace(w.symmetric_fingerprint(), seen(w)); };
  r = explore(t, o);
  return out;
}

// The brute-force check of one configuration, returning the number of classes.
// `first`: the first participant's node id (the number of coordinators).
inline std::size_t check_against_twin(const Target& t, int participants, NodeId first = 1) {
  const Orbits o = orbits(t, participants, first);
  // Twins (renamed paths) have one symmetric fingerprint and the same verdicts: a
  // fingerprint that kept a participant's id, or its account's name, or the order of the
  // participants' votes, fails here.
  CHECK(o.twins_agree);
  // Equal symmetric fingerprints only for twins: each class of the symmetric fingerprint
  // is exactly the orbit of each of its states. A signature that left out a piece of a
  // participant's state (its vote at the coordinator, say) would merge states that are
  // not twins, and a class would be larger than the orbits in it.
  std::map<std::uint64_t, std::set<std::uint64_t>> classes;
  for (const auto& [plain, sym] : o.symmetric) classes[sym].insert(plain);
  for (const auto& [plain, sym] : o.symmetric) {
    const std::set<std::uint64_t>& orbit = o.orbit.at(plain);
    // Twins of reachable states are reachable: the full search saw them all.
    CHECK(std::all_of(orbit.begin(), orbit.end(),
                      [&](std::uint64_t p) { return o.symmetric.count(p) > 0; }));
    CHECK(classes.at(sym) == orbit);
  }
  // The reduced searches visit one state per class, with the verdicts of the class: BFS
  // and DFS without reduction.
  for (Strategy strategy : {Strategy::bfs, Strategy::dfs}) {
    Options opt;
    opt.strategy = strategy;
    Result r;
    const std::map<std::uint64_t, Seen> reduced = symmetric_search(t, opt, r);
    CHECK(r.exhaustive);
    CHECK(r.symmetry);
    CHECK(r.states == classes.size());
    CHECK(reduced == o.verdicts);
  }
  return classes.size();
}

}  // namespace faultline::explorer::symmetry_twin
