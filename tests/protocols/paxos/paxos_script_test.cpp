// Data-driven tests of single-decree Paxos (etcd-raft's testdata style): each file under
// testdata/ is a script of steps — start a proposer, deliver or drop one message, fire a
// timer, crash or restart a node — each followed by the output it must produce: what the
// node synced, the facts it published, its client history, the messages it sent, and
// which value became chosen (counted here, from the acceptances, as a slow twin of the
// invariants). The nodes are the real roles, driven without the simulator; randomness
// is always the quiet choice (no backoff, no think time).
//
//   command args...
//   ----
//   expected output (no blank lines)
//   <blank line>
//
// FAULTLINE_REWRITE=1 rewrites the files with what the code does now (then read the diff).
#include <doctest/doctest.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "paxos/paxos_node.hpp"

using namespace faultline;
using namespace faultline::paxos;

namespace {

// "Promise ballot=1.0 accepted=none"
class TextFields final : public sim::Fields {
 public:
  void add_int(std::string_view name, std::int64_t v) override { put(name, std::to_string(v)); }
  void add_uint(std::string_view name, std::uint64_t v) override { put(name, std::to_string(v)); }
  void add_bool(std::string_view name, bool v) override { put(name, v ? "true" : "false"); }
  void add_string(std::string_view name, std::string_view v) override { put(name, std::string(v)); }
  void begin_list(std::string_view) override {}
  void begin_object(std::string_view) override {}
  void end() override {}
  std::string text;

 private:
  void put(std::string_view name, const std::string& v) {
    text += " " + std::string(name) + "=" + v;
  }
};

std::string describe(const sim::Payload& p) {
  TextFields f;
  p.describe(f);
  return std::string(p.name()) + f.text;
}

class ZeroRandom final : public Random {
 public:
  std::uint64_t below(std::uint64_t) override { return 0; }
};

struct Node {
  std::string name;
  SingleConfig config;
  SingleDurable disk;
  std::unique_ptr<SingleNode> node;  // null while down
  Phase phase = Phase::idle;         // the proposer's phase, as last printed
};

struct InFlight {
  NodeId from;
  NodeId to;
  sim::Payload message;
};

class Script {
 public:
  std::string run(const std::string& command, std::istringstream& args);

 private:
  void setup(std::istringstream& args);
  Node& named(const std::string& name);
  std::string deliver(const std::string& route, const std::string& kind, bool drop);
  std::string tick(Node& n, bool to_deadline);
  void drain(Node& n, std::ostringstream& out);
  void count(const Node& n, const Observed& fact, std::ostringstream& out);
  std::string state() const;
  std::string durable_text(const Node& n, const SingleDurable& d) const;

  std::vector<Node> nodes_;
  std::deque<InFlight> net_;
  Time now_ = 0;
  ZeroRandom random_;
  std::size_t acceptors_ = 0;
  std::map<Ballot, std::pair<std::string, std::set<NodeId>>> accepted_;
  std::optional<std::string> chosen_;
};

void Script::setup(std::istringstream& args) {
  int proposers = 1, acceptors = 3, learners = 1;
  Bugs bugs;
  std::string arg;
  while (args >> arg) {
    const auto eq = arg.find('=');
    const std::string key = arg.substr(0, eq), value = arg.substr(eq + 1);
    if (key == "proposers") proposers = std::stoi(value);
    if (key == "acceptors") acceptors = std::stoi(value);
    if (key == "learners") learners = std::stoi(value);
    if (key == "bugs" && value == "forget-promise") bugs.forget_promise = true;
    if (key == "bugs" && value == "ignore-accepted-value") bugs.ignore_accepted_value = true;
  }
  nodes_.clear();
  net_.clear();
  accepted_.clear();
  chosen_.reset();
  now_ = 0;
  acceptors_ = static_cast<std::size_t>(acceptors);
  SingleConfig base;
  base.proposals = 1;
  base.start_max_ns = 0;
  base.think_max_ns = 0;
  base.bugs = bugs;
  for (int i = 0; i < acceptors; ++i) base.acceptors.push_back(static_cast<NodeId>(proposers + i));
  for (int i = 0; i < learners; ++i) {
    base.learners.push_back(static_cast<NodeId>(proposers + acceptors + i));
  }
  auto add = [&](const std::string& prefix, int count, int role) {
    for (int i = 0; i < count; ++i) {
      Node n;
      n.name = prefix + std::to_string(i);
      n.config = base;
      n.config.id = static_cast<NodeId>(nodes_.size());
      n.config.name = n.name;
      n.config.proposer = role == 0;
      n.config.acceptor = role == 1;
      n.config.learner = role == 2;
      n.config.proposer_index = static_cast<std::uint32_t>(i);
      nodes_.push_back(std::move(n));
    }
  };
  add("p", proposers, 0);
  add("a", acceptors, 1);
  add("l", learners, 2);
  for (Node& n : nodes_) {
    n.node = std::make_unique<SingleNode>(n.config, n.disk, random_);
    n.node->start(now_);
  }
}

Node& Script::named(const std::string& name) {
  for (Node& n : nodes_) {
    if (n.name == name) return n;
  }
  FAIL("no node named " << name);
  return nodes_.front();
}

std::string Script::durable_text(const Node& n, const SingleDurable& d) const {
  if (n.config.proposer) return "round=" + std::to_string(d.round);
  return "promised=" + ballot_text(d.promised) +
         " accepted=" + (d.accepted.none() ? "none" : ballot_text(d.accepted) + "=" + d.value);
}

// What the driver does after a step: persist and sync, publish, send.
void Script::drain(Node& n, std::ostringstream& out) {
  SingleEffects& fx = n.node->effects();
  if (fx.dirty) {
    n.disk = n.node->durable();
    out << n.name << " syncs " << durable_text(n, n.disk) << "\n";
    fx.dirty = false;
  }
  for (const Observed& fact : fx.observed) count(n, fact, out);
  fx.observed.clear();
  for (const AttemptEvent& e : fx.attempts) {
    if (e.begin)
      out << n.name << " history: invoke cas [null, " << e.own << "]\n";
    else if (e.chosen == e.own)
      out << n.name << " history: ok (its value " << e.own << " is chosen)\n";
    else
      out << n.name << " history: fail, then read " << e.chosen << "\n";
  }
  fx.attempts.clear();
  if (const Proposer* p = n.node->proposer(); p != nullptr && p->phase() != n.phase) {
    out << n.name << " phase " << phase_name(n.phase) << " -> " << phase_name(p->phase()) << "\n";
    n.phase = p->phase();
  }
  for (protocols::Outgoing& m : fx.messages) {
    out << n.name << " -> " << nodes_[m.to].name << " " << describe(m.message) << "\n";
    net_.push_back(InFlight{n.config.id, m.to, std::move(m.message)});
  }
  fx.messages.clear();
}

// Facts, and the chosen value counted from acceptances (a majority in one ballot).
void Script::count(const Node& n, const Observed& fact, std::ostringstream& out) {
  const std::string b = ballot_text(fact.ballot);
  switch (fact.kind) {
    case Observed::Kind::promise:
      out << n.name << " promises " << b << "\n";
      return;
    case Observed::Kind::propose:
      out << n.name << " proposes " << b << "=" << fact.value << "\n";
      return;
    case Observed::Kind::learn:
      out << n.name << " learns " << fact.value << "\n";
      return;
    case Observed::Kind::accept:
      break;
  }
  out << n.name << " accepts " << b << "=" << fact.value << "\n";
  auto& [value, acceptors] = accepted_[fact.ballot];
  value = fact.value;
  acceptors.insert(n.config.id);
  if (acceptors.size() != acceptors_ / 2 + 1) return;
  out << "CHOSEN " << value << " in ballot " << b << "\n";
  if (chosen_ && *chosen_ != value) {
    out << "AGREEMENT VIOLATED: " << *chosen_ << " and " << value << " are both chosen\n";
  }
  if (!chosen_) chosen_ = value;
}

std::string Script::deliver(const std::string& route, const std::string& kind, bool drop) {
  const auto arrow = route.find("->");
  REQUIRE(arrow != std::string::npos);
  const NodeId from = named(route.substr(0, arrow)).config.id;
  Node& to = named(route.substr(arrow + 2));
  auto it = std::find_if(net_.begin(), net_.end(), [&](const InFlight& m) {
    return m.from == from && m.to == to.config.id && (kind.empty() || m.message.name() == kind);
  });
  REQUIRE_MESSAGE(it != net_.end(), "no message " << route << " " << kind << " in flight");
  InFlight m = std::move(*it);
  net_.erase(it);
  std::ostringstream out;
  if (drop) return "lost: " + describe(m.message) + "\n";
  if (!to.node) return to.name + " is down: " + describe(m.message) + " is lost\n";
  now_ += sim::kMillisecond;
  sim::Envelope e{.from = m.from, .id = 0, .payload = std::move(m.message)};
  const std::string_view reason = to.node->step(now_, e);
  if (!reason.empty()) out << to.name << " ignores it: " << reason << "\n";
  drain(to, out);
  return out.str();
}

// Fires the node's timer: at its deadline, or now if that has passed.
std::string Script::tick(Node& n, bool to_deadline) {
  REQUIRE(n.node != nullptr);
  if (to_deadline) now_ = std::max(now_, n.node->next_deadline());
  std::ostringstream out;
  n.node->tick(now_);
  drain(n, out);
  return out.str();
}

std::string Script::state() const {
  std::ostringstream out;
  for (const Node& n : nodes_) {
    out << n.name << ":";
    if (!n.node) {
      out << " down\n";
      continue;
    }
    if (const Acceptor* a = n.node->acceptor()) {
      out << " promised=" << ballot_text(a->promised()) << " accepted="
          << (a->accepted().none() ? "none" : ballot_text(a->accepted()) + "=" + a->value());
    }
    if (const Proposer* p = n.node->proposer()) {
      out << " phase=" << phase_name(p->phase()) << " ballot=" << ballot_text(p->ballot());
    }
    if (const Learner* l = n.node->learner()) out << " learned=" << l->learned().value_or("-");
    out << "\n";
  }
  return out.str();
}

std::string Script::run(const std::string& command, std::istringstream& args) {
  std::string a, b;
  args >> a >> b;
  if (command == "nodes") {
    std::istringstream rest(a + " " + b + " " +
                            std::string(std::istreambuf_iterator<char>(args), {}));
    setup(rest);
    return state();
  }
  if (command == "propose" || command == "timeout") return tick(named(a), true);
  if (command == "deliver") return deliver(a, b, false);
  if (command == "drop") return deliver(a, b, true);
  if (command == "crash") {
    Node& n = named(a);
    n.node.reset();
    return n.name + " crashes; its disk holds " + durable_text(n, n.disk) + "\n";
  }
  if (command == "restart") {
    Node& n = named(a);
    SingleConfig config = n.config;
    config.incarnation = 1;
    n.node = std::make_unique<SingleNode>(config, n.disk, random_);
    n.node->start(now_);
    n.phase = Phase::idle;
    return state();
  }
  if (command == "state") return state();
  FAIL("unknown command " << command);
  return {};
}

struct Case {
  std::vector<std::string> comments_and_commands;  // as written, up to "----"
  std::string expected;
};

std::vector<Case> parse(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<Case> cases;
  Case c;
  bool in_output = false;
  for (std::string line; std::getline(in, line);) {
    if (in_output) {
      if (line.empty()) {
        cases.push_back(std::move(c));
        c = Case{};
        in_output = false;
      } else {
        c.expected += line + "\n";
      }
      continue;
    }
    if (line == "----")
      in_output = true;
    else
      c.comments_and_commands.push_back(line);
  }
  if (in_output) cases.push_back(std::move(c));
  return cases;
}

void run_file(const std::string& name) {
  const std::string path =
      std::string(FAULTLINE_SOURCE_DIR) + "/tests/protocols/paxos/testdata/" + name;
  const bool rewrite = std::getenv("FAULTLINE_REWRITE") != nullptr;
  Script script;
  std::string rewritten;
  for (const Case& c : parse(path)) {
    std::string actual;
    for (const std::string& line : c.comments_and_commands) {
      rewritten += line + "\n";
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      std::string command;
      words >> command;
      actual += script.run(command, words);
    }
    rewritten += "----\n" + actual + "\n";
    if (!rewrite) {
      INFO(path << ", at: " << c.comments_and_commands.back());
      CHECK(actual == c.expected);
    }
  }
  if (rewrite) std::ofstream(path) << rewritten;
}

}  // namespace

TEST_CASE("paxos script: duelling proposers, and the later one adopts the chosen value") {
  run_file("duelling.txt");
}

TEST_CASE("paxos script: an acceptor that forgets its promise lets two values be chosen") {
  run_file("forget_promise.txt");
}
