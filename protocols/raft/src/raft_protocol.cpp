// Raft as a faultline protocol: options, planted bugs, setup, and the end-of-run checks.
#include <algorithm>
#include <sstream>

#include "raft/raft.hpp"
#include "raft/raft_history.hpp"
#include "raft/raft_invariants.hpp"
#include "raft/raft_server.hpp"

namespace faultline::raft {
using namespace sim;
using protocols::BadInput;

namespace {

const std::vector<protocols::OptionSpec>& option_specs() {
  static const std::vector<protocols::OptionSpec> specs = {
      {"servers", "int", "5", "number of Raft servers"},
      {"clients", "int", "5", "number of key-value clients"},
      {"keys", "int", "3", "number of keys the clients use"},
      {"mix", "string", "get:40,put:20,append:30,cas:10", "operation mix, as weights"},
      {"rate", "int", "10", "operations per second per client, at most (a pause before each)"},
      {"count", "int", "0", "operations per client; 0: until the run ends"},
      {"heartbeat", "duration", "50ms", "leader heartbeat interval"},
      {"election_timeout", "duration", "150ms",
       "minimum election timeout; each timeout is drawn from [t, 2t]"},
      {"leader_noop", "bool", "true",
       "a new leader appends a no-op of its term at once (paper 8); false is the setting of "
       "the paper's Figure 8: the first entry of a term is the first client command"},
      {"pre_vote", "bool", "false", "PreVote: campaign only if a quorum would vote (thesis 9.6)"},
      {"check_quorum", "bool", "false",
       "CheckQuorum: a leader steps down without hearing from a quorum; servers that heard "
       "from a leader recently refuse votes (thesis 6.2, 4.2.3)"},
      {"read", "enum(log|index|lease)", "log",
       "reads through the log, by ReadIndex, or by leader lease (thesis 6.4); lease implies "
       "check_quorum and is correct only while the clock jumps during one lease sum to less "
       "than lease_margin"},
      {"lease_margin", "duration", "30ms", "lease = election_timeout - lease_margin"},
      {"snapshot_interval", "int", "0",
       "compact the log every this many applied entries, and InstallSnapshot; 0: never"},
      {"max_batch", "int", "64", "entries per AppendEntries at most"},
      {"membership", "bool", "false",
       "an administrator adds and removes one server at a time (thesis 4.1)"},
      {"membership_interval", "duration", "500ms", "mean pause between membership changes"},
      {"admins", "int", "1",
       "administrators changing membership independently (each one change at a time)"},
      {"request_timeout", "duration", "100ms",
       "a client's (and administrator's) wait for one attempt's reply"},
      {"op_timeout", "duration", "1s",
       "a client's limit for one operation, then info (an administrator's for one change)"},
      {"liveness_bound", "duration", "0",
       "after the last fault heals, progress must resume within this; 0: 10 election timeouts"},
  };
  return specs;
}

const std::vector<protocols::BugSpec>& bug_specs() {
  static const std::vector<protocols::BugSpec> specs = {
      {"figure8",
       "a leader commits an entry of an older term by counting replicas (paper 5.4.2, Figure 8)"},
      {"no-persist-vote", "currentTerm and votedFor are kept in memory only"},
      {"no-persist-log", "a follower acknowledges AppendEntries before its log is synced"},
      {"no-step-down", "a leader that sees a higher term adopts it but keeps leading"},
      {"truncate-on-stale",
       "a follower truncates its log on a stale or duplicated AppendEntries without a conflict"},
      {"longer-log-wins", "the voting up-to-date check compares log lengths, not last terms"},
      {"heartbeat-skips-check",
       "an empty AppendEntries (heartbeat) skips the prevLog check and advances the commit index"},
      {"match-from-own-log",
       "the leader sets matchIndex from its own log length instead of what the follower acked"},
      {"accept-stale-replies", "vote and AppendEntries replies from older terms are counted"},
      {"count-votes-not-voters",
       "a candidate counts vote replies, not distinct voters: a duplicated vote counts twice"},
      {"local-reads",
       "the leader answers reads from local state without confirming it is still leader"},
      {"lease-longer-than-timeout",
       "lease reads with a lease of twice the longest election timeout (sets read=lease "
       "unless read is given)"},
      {"membership-no-term-commit",
       "a leader changes membership before committing an entry of its own term (sets "
       "membership=true unless given)"},
      {"no-dedup", "the session table is ignored: a retried client request applies twice"},
  };
  return specs;
}

void parse_mix(const std::string& text, Workload& w) {
  const std::string where = "--set mix";
  static const char* kOps[] = {"get", "put", "append", "cas"};
  int weights[4] = {0, 0, 0, 0};
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    const std::string op = item.substr(0, colon);
    int k = 0;
    while (k < 4 && op != kOps[k]) ++k;
    if (colon == std::string::npos || k == 4) {
      throw BadInput(
          where,
          "expected op:weight pairs such as get:40,put:20,append:30,cas:10, got '" + text + "'");
    }
    const std::string number = item.substr(colon + 1);
    if (number.empty() || number.size() > 6 ||
        !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw BadInput(where,
                     "the weight of " + op + " must be a whole number, got '" + number + "'");
    }
    weights[k] = std::stoi(number);
  }
  if (weights[0] + weights[1] + weights[2] + weights[3] == 0) {
    throw BadInput(where, "at least one operation needs a weight above 0");
  }
  std::copy(std::begin(weights), std::end(weights), std::begin(w.weights));
}

Bugs read_bugs(const protocols::RunSpec& spec) {
  Bugs b;
  b.figure8 = protocols::has_bug(spec, "figure8");
  b.no_persist_vote = protocols::has_bug(spec, "no-persist-vote");
  b.no_persist_log = protocols::has_bug(spec, "no-persist-log");
  b.no_step_down = protocols::has_bug(spec, "no-step-down");
  b.truncate_on_stale = protocols::has_bug(spec, "truncate-on-stale");
  b.longer_log_wins = protocols::has_bug(spec, "longer-log-wins");
  b.heartbeat_skips_check = protocols::has_bug(spec, "heartbeat-skips-check");
  b.match_from_own_log = protocols::has_bug(spec, "match-from-own-log");
  b.accept_stale_replies = protocols::has_bug(spec, "accept-stale-replies");
  b.count_votes_not_voters = protocols::has_bug(spec, "count-votes-not-voters");
  b.local_reads = protocols::has_bug(spec, "local-reads");
  b.lease_longer_than_timeout = protocols::has_bug(spec, "lease-longer-than-timeout");
  b.membership_no_term_commit = protocols::has_bug(spec, "membership-no-term-commit");
  b.no_dedup = protocols::has_bug(spec, "no-dedup");
  return b;
}

}  // namespace

RaftParams read_params(const protocols::RunSpec& spec) {
  const protocols::Options& o = spec.options;
  RaftParams p;
  p.servers = static_cast<int>(o.get_int("servers", p.servers, 1, 64));
  p.clients = static_cast<int>(o.get_int("clients", p.clients, 0, 1000));
  p.workload.keys = static_cast<int>(o.get_int("keys", p.workload.keys, 1, 1000));
  parse_mix(o.get_string("mix", "get:40,put:20,append:30,cas:10"), p.workload);
  p.rate_per_s = static_cast<double>(o.get_int("rate", 10, 1, 100000));
  p.workload.think_max_ns = static_cast<Duration>(2.0 * kSecond / p.rate_per_s);
  p.workload.count = static_cast<int>(o.get_int("count", 0, 0, 100000000));
  p.workload.request_timeout_ns = o.get_duration("request_timeout", p.workload.request_timeout_ns);
  p.workload.op_timeout_ns = o.get_duration("op_timeout", p.workload.op_timeout_ns);

  NodeConfig& n = p.node;
  n.bugs = read_bugs(spec);
  n.heartbeat_ns = o.get_duration("heartbeat", n.heartbeat_ns);
  n.election_min_ns = o.get_duration("election_timeout", n.election_min_ns);
  n.election_max_ns = 2 * n.election_min_ns;
  n.leader_noop = o.get_bool("leader_noop", true);
  n.pre_vote = o.get_bool("pre_vote", false);
  n.check_quorum = o.get_bool("check_quorum", false);
  const std::string read_default = n.bugs.lease_longer_than_timeout ? "lease" : "log";
  const std::string read = o.get_enum("read", read_default, {"log", "index", "lease"});
  n.read_mode = read == "index"   ? ReadMode::index
                : read == "lease" ? ReadMode::lease
                                  : ReadMode::log;
  n.lease_margin_ns = o.get_duration("lease_margin", n.lease_margin_ns);
  n.snapshot_interval = static_cast<std::uint64_t>(o.get_int("snapshot_interval", 0, 0, 1000000));
  n.max_batch = static_cast<std::size_t>(o.get_int("max_batch", 64, 1, 100000));
  p.membership = o.get_bool("membership", n.bugs.membership_no_term_commit);
  p.membership_interval_ns = o.get_duration("membership_interval", p.membership_interval_ns);
  p.admins = static_cast<int>(o.get_int("admins", 1, 1, 16));
  p.liveness_bound_ns = o.get_duration("liveness_bound", 0);
  if (p.liveness_bound_ns == 0) p.liveness_bound_ns = 10 * n.election_min_ns;

  if (n.heartbeat_ns <= 0 || n.election_min_ns <= 0) {
    throw BadInput("--set heartbeat", "heartbeat and election_timeout must be above 0");
  }
  if (n.heartbeat_ns >= n.election_min_ns) {
    throw BadInput("--set heartbeat", "the heartbeat (" + format_time(n.heartbeat_ns) +
                                          ") must be shorter than the election timeout (" +
                                          format_time(n.election_min_ns) + ")");
  }
  if (n.election_max_ns - n.election_min_ns >= Duration{0xffffffff}) {
    throw BadInput("--set election_timeout", "at most 4s");
  }
  if (n.read_mode == ReadMode::lease &&
      (n.lease_margin_ns < 0 || n.lease_margin_ns >= n.election_min_ns)) {
    throw BadInput("--set lease_margin", "must be in [0, election_timeout)");
  }
  if (p.workload.request_timeout_ns <= 0 || p.workload.op_timeout_ns <= 0) {
    throw BadInput("--set request_timeout", "client timeouts must be above 0");
  }
  for (int i = 0; i < p.servers; ++i) {
    n.servers.push_back(static_cast<NodeId>(i));
    n.initial_config.push_back(static_cast<NodeId>(i));
  }
  p.workload.servers = n.servers;
  return p;
}

namespace {

// What the run's checks share with the scheduled actions and invariants.
struct RaftState {
  RaftParams params;
  std::vector<NodeId> servers;
  std::vector<NodeId> clients;
  std::vector<NodeId> admins;
  std::shared_ptr<RaftInvariants> invariants;
  Time heal_ns = 0;
  std::string liveness = "not checked";
  std::optional<HistoryVerdict> history;
};

const RaftNode* node_of(const Simulation& sim, NodeId server) {
  const auto* actor = static_cast<const RaftServer*>(sim.actor(server));
  return actor ? actor->node() : nullptr;
}

void check_liveness(Simulation& sim, RaftState& st) {
  const Time now = sim.now();
  std::string problem;
  // A leader is working: one committed an entry of its term since the heal, or one that
  // did so earlier still leads (an idle cluster has nothing new to commit).
  bool leading = st.invariants->last_leader_commit_ns() >= st.heal_ns;
  for (NodeId s : st.servers) {
    const RaftNode* n = node_of(sim, s);
    if (n && !sim.is_paused(s) && n->role() == Role::leader &&
        n->commit_index() >= n->term_start_index()) {
      leading = true;
    }
  }
  if (!leading) problem = "no leader committed an entry of its term since the heal";
  // Per client: the last answered operation (ok, or a cas that failed: the service
  // answered), and an operation still open since before the heal.
  std::vector<Time> last_ok(sim.node_count(), kTimeNone);
  std::vector<Time> open_since(sim.node_count(), kTimeNone);
  for (const HistoryEvent& e : sim.history().events()) {
    if (e.node >= sim.node_count()) continue;
    if (e.type == OpType::invoke)
      open_since[e.node] = e.time;
    else
      open_since[e.node] = kTimeNone;
    if (e.type == OpType::ok || e.type == OpType::fail) last_ok[e.node] = e.time;
  }
  // A client's progress is judged only when a pause and a whole operation fit in the
  // bound: a slow client may simply not have asked anything since the heal.
  const Workload& w = st.params.workload;
  const bool judge_clients = w.think_max_ns + w.op_timeout_ns <= st.params.liveness_bound_ns;
  for (NodeId c : judge_clients ? st.clients : std::vector<NodeId>{}) {
    const auto* client = static_cast<const RaftClient*>(sim.actor(c));
    if (client == nullptr || client->finished()) continue;
    if (open_since[c] != kTimeNone && open_since[c] < st.heal_ns) {
      problem += std::string(problem.empty() ? "" : "; ") + sim.node_name(c) +
                 "'s operation invoked at " + format_time(open_since[c]) + " is still pending";
    } else if (last_ok[c] < st.heal_ns) {
      problem += std::string(problem.empty() ? "" : "; ") + sim.node_name(c) +
                 " had no operation answered since the heal";
    }
  }
  if (problem.empty()) {
    st.liveness = judge_clients ? "held" : "held (leader only: clients too slow to judge)";
    return;
  }
  st.liveness = "violated";
  sim.report(Finding{.kind = FindingKind::liveness,
                     .name = "liveness",
                     .message = "faults healed at " + format_time(st.heal_ns) + "; at " +
                                format_time(now) + " (bound " +
                                format_time(st.params.liveness_bound_ns) + "): " + problem});
}

class RaftRun final : public protocols::ProtocolRun {
 public:
  explicit RaftRun(std::shared_ptr<RaftState> state) : st_(std::move(state)) {}

  std::vector<NodeId> fault_targets() const override { return st_->servers; }

  void finish(Simulation& sim) override {
    st_->history = check_history(sim.history());
    if (st_->history->verdict == HistoryVerdict::Kind::not_linearizable) {
      sim.report(Finding{.kind = FindingKind::linearizability,
                         .name = "linearizability",
                         .message = st_->history->explanation});
    }
  }

  std::optional<bool> linearizable() const override {
    if (!st_->history) return std::nullopt;
    switch (st_->history->verdict) {
      case HistoryVerdict::Kind::linearizable:
        return true;
      case HistoryVerdict::Kind::not_linearizable:
        return false;
      default:
        return std::nullopt;
    }
  }

  nlohmann::json summary(const Simulation& sim) const override {
    nlohmann::json j;
    j["leaders_elected"] = st_->invariants->leaders_elected();
    j["max_term"] = st_->invariants->max_term();
    j["committed_index"] = st_->invariants->committed_index();
    ClientStats total;
    for (NodeId c : st_->clients) {
      if (const auto* client = static_cast<const RaftClient*>(sim.actor(c))) {
        const ClientStats& s = client->stats();
        total.ok += s.ok;
        total.fail += s.fail;
        total.info += s.info;
        total.attempts += s.attempts;
        total.redirects += s.redirects;
        total.timeouts += s.timeouts;
      }
    }
    j["operations"] = {{"ok", total.ok},
                       {"fail", total.fail},
                       {"info", total.info},
                       {"attempts", total.attempts},
                       {"redirects", total.redirects},
                       {"timeouts", total.timeouts}};
    NodeStats nodes;
    for (NodeId s : st_->servers) {
      if (const RaftNode* n = node_of(sim, s)) {
        nodes.snapshots_taken += n->stats().snapshots_taken;
        nodes.snapshots_installed += n->stats().snapshots_installed;
        nodes.reads_local += n->stats().reads_local;
        nodes.reads_index += n->stats().reads_index;
      }
    }
    j["snapshots_taken"] = nodes.snapshots_taken;  // by servers up at the end
    j["snapshots_installed"] = nodes.snapshots_installed;
    j["reads_local"] = nodes.reads_local;
    j["reads_index"] = nodes.reads_index;
    if (!st_->admins.empty()) {
      std::uint64_t changes = 0;
      for (NodeId a : st_->admins) {
        if (const auto* admin = static_cast<const RaftAdmin*>(sim.actor(a)))
          changes += admin->changes_ok();
      }
      j["membership_changes"] = changes;
    }
    j["liveness"] = st_->liveness;
    if (st_->history) j["history_check"] = history_summary(*st_->history);
    return j;
  }

 private:
  std::shared_ptr<RaftState> st_;
};

void add_invariants(Simulation& sim, const std::shared_ptr<RaftInvariants>& inv) {
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    sim.add_invariant(
        std::string(property_name(p)),
        [inv, p](const Simulation&) -> std::optional<std::string> { return inv->violation(p); });
  }
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunSpec& spec) {
  auto st = std::make_shared<RaftState>();
  st->params = read_params(spec);
  const RaftParams& p = st->params;
  st->invariants = std::make_shared<RaftInvariants>(sim);
  for (int i = 0; i < p.servers; ++i) {
    NodeConfig config = p.node;
    config.id = static_cast<NodeId>(i);
    std::shared_ptr<RaftInvariants> inv = st->invariants;
    st->servers.push_back(sim.add_node({.name = "s" + std::to_string(i)}, [config, inv](NodeId) {
      return std::make_unique<RaftServer>(config, inv.get());
    }));
  }
  for (int i = 0; i < p.clients; ++i) {
    const Workload w = p.workload;
    st->clients.push_back(
        sim.add_node({.name = "c" + std::to_string(i), .role = "client"},
                     [w, i](NodeId) { return std::make_unique<RaftClient>(w, i); }));
  }
  st->heal_ns = spec.faults.kinds.empty() ? 0 : spec.faults.end_ns;
  if (p.membership) {
    const RaftParams params = p;
    const Time stop_at = st->heal_ns > 0 ? st->heal_ns : kTimeNever;
    for (int i = 0; i < p.admins; ++i) {
      st->admins.push_back(sim.add_node(
          {.name = "admin" + std::to_string(i), .role = "client"}, [params, stop_at](NodeId) {
            return std::make_unique<RaftAdmin>(
                params.node.servers, params.node.initial_config, params.membership_interval_ns,
                params.workload.request_timeout_ns, params.workload.op_timeout_ns, stop_at);
          }));
    }
  }
  add_invariants(sim, st->invariants);
  const Time check_at = st->heal_ns + p.liveness_bound_ns;
  if (check_at <= sim.config().time_limit_ns) {
    sim.at(check_at, "raft liveness check", [st](Simulation& s) { check_liveness(s, *st); });
  }
  return std::make_unique<RaftRun>(st);
}

void configure(const protocols::RunSpec& /*spec*/, SimConfig& config) {
  protocols::datacenter_defaults(config);
}

}  // namespace

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "raft";
  p.description =
      "Raft (Figure 2, PreVote, CheckQuorum, ReadIndex and lease reads, snapshots, "
      "single-server membership changes) under a linearizable key-value service";
  p.options = option_specs();
  p.bugs = bug_specs();
  p.default_time_ns = 10 * kSecond;
  p.configure = configure;
  p.setup = setup;
  return p;
}

}  // namespace faultline::raft
