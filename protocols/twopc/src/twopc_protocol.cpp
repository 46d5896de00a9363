// Two-phase commit as a faultline protocol: its options and planted bugs (declared once,
// in the kit's tables), setup, liveness and the end-of-run checks.
#include "twopc/twopc.hpp"

#include "protocols/run_checks.hpp"
#include "twopc/twopc_invariants.hpp"
#include "twopc/twopc_servers.hpp"
#include "twopc/twophase.hpp"

namespace faultline::twopc {
using namespace sim;

namespace {

void declare_options(protocols::OptionTable& t) {
  t.choice("model", "bank", {"bank", "twophase"},
           "bank: 2PC with presumed abort over a sharded bank; twophase: TLA+'s TwoPhase spec "
           "(Stateright's 2PC example), a TM and `participants` RMs, no other option applies "
           "(twophase.hpp)");
  t.integer("participants", 3, 1, 64, "participants: each owns a shard of the accounts")
      .swarm({"3", "2", "4"});
  t.integer("coordinators", 1, 1, 16, "coordinators; client i uses coordinator i mod this")
      .swarm({"1", "2"});
  t.integer("clients", 3, 0, 1000, "bank clients, each running one transaction at a time")
      .swarm({"3", "1", "6"});
  t.integer("accounts_per_participant", 2, 1, 1000,
            "accounts each participant owns (account i lives on participant i mod participants)")
      .swarm({"2", "1", "4"});
  t.integer("initial_balance", 100, 0, 1'000'000'000, "every account's balance at the start");
  t.integer("max_transfer", 50, 1, 1'000'000'000,
            "a transfer moves 1..max_transfer, at most the balance unless overdraft");
  t.boolean("overdraft", false, "transfers may take a balance below zero");
  t.integer("read_all", 20, 0, 100, "percent of transactions that read every balance")
      .swarm({"20", "50", "5"});
  t.integer("txns", 0, 0, 100'000'000, "transactions per client; 0: until the run ends");
  t.integer("rate", 5, 1, 100000,
            "transactions per second per client, at most (a pause before each)")
      .swarm({"5", "20", "1"});
  t.duration("request_timeout", 100 * kMillisecond, kMillisecond, 60 * kSecond,
             "a client's wait for a reply before it resends");
  t.integer("lock_attempts", 3, 1, 100,
            "lock requests a client sends to a silent participant before it rolls back");
  t.duration("vote_timeout", 200 * kMillisecond, kMillisecond, 600 * kSecond,
             "a coordinator's wait for every vote before it decides abort")
      .swarm({"200ms", "30ms"});
  t.duration("retry", 50 * kMillisecond, kMillisecond, 60 * kSecond,
             "resend interval of prepares and decisions, and of an in-doubt participant's "
             "inquiries")
      .swarm({"50ms", "10ms"});
  t.duration("working_timeout", 500 * kMillisecond, kMillisecond, 600 * kSecond,
             "a participant gives up the locks of a transaction that has not prepared "
             "within this")
      .swarm({"500ms", "60ms"});
  t.duration("begin_timeout", kSecond, kMillisecond, 600 * kSecond,
             "a coordinator forgets a begun transaction whose commit request does not come");
  t.boolean("cooperative", false,
            "cooperative termination: an in-doubt participant also asks its peers (BHG 7.4)")
      .swarm_all();
  t.duration("liveness_bound", kSecond, kMillisecond, 600 * kSecond,
             "after the last fault heals, every transaction is decided within this; raised to "
             "twice retry + request_timeout, the resends that repair a message lost at the heal");
}

std::vector<protocols::BugSpec> bug_specs() {
  return {
      {"commit-without-all-votes",
       "at the vote timeout the coordinator commits instead of aborting: missing votes count "
       "as yes",
       {},
       {"validity", "atomicity"}},
      {"unilateral-abort-after-yes",
       "a prepared participant that hears no decision within working_timeout aborts on its "
       "own",
       {},
       {"atomicity"}},
      {"forget-decision",
       "the coordinator keeps its commit decision in memory only: it is sent, never logged",
       {},
       {"durable state never goes back", "durability", "atomicity"}},
      {"forget-prepared",
       "a participant votes yes before its prepared record is synced (it is synced only "
       "with a later record)",
       {},
       {"durable state never goes back", "durability", "atomicity"}},
      {"release-locks-at-prepare",
       "a participant releases a transaction's locks when it votes yes, before the decision",
       {},
       {"conservation", "conservation at end", "linearizability"}},
  };
}

Bugs read_bugs(const protocols::RunConfig& run) {
  Bugs b;
  b.commit_without_all_votes = run.has_bug("commit-without-all-votes");
  b.unilateral_abort_after_yes = run.has_bug("unilateral-abort-after-yes");
  b.forget_decision = run.has_bug("forget-decision");
  b.forget_prepared = run.has_bug("forget-prepared");
  b.release_locks_at_prepare = run.has_bug("release-locks-at-prepare");
  return b;
}

}  // namespace

TwopcParams read_params(const protocols::RunConfig& run) {
  const protocols::OptionValues& o = run.options;
  TwopcParams p;
  p.coordinators = static_cast<int>(o.integer("coordinators"));
  p.participants = static_cast<int>(o.integer("participants"));
  p.clients = static_cast<int>(o.integer("clients"));
  p.accounts_per_participant = static_cast<int>(o.integer("accounts_per_participant"));
  BankWorkload& w = p.workload;
  w.accounts = p.participants * p.accounts_per_participant;
  w.initial_balance = o.integer("initial_balance");
  w.max_transfer = o.integer("max_transfer");
  w.read_all_percent = static_cast<int>(o.integer("read_all"));
  w.overdraft = o.boolean("overdraft");
  w.txns = static_cast<int>(o.integer("txns"));
  w.think_max_ns = 2 * kSecond / o.integer("rate");
  w.request_timeout_ns = o.duration("request_timeout");
  w.lock_attempts = static_cast<int>(o.integer("lock_attempts"));
  const Bugs bugs = read_bugs(run);
  p.participant.initial_balance = w.initial_balance;
  p.participant.retry_ns = o.duration("retry");
  p.participant.working_timeout_ns = o.duration("working_timeout");
  p.participant.cooperative = o.boolean("cooperative");
  p.participant.bugs = bugs;
  p.coordinator.vote_timeout_ns = o.duration("vote_timeout");
  p.coordinator.retry_ns = o.duration("retry");
  p.coordinator.begin_timeout_ns = o.duration("begin_timeout");
  p.coordinator.bugs = bugs;
  // A message lost just before the heal is repaired by the next resend, of a decision or
  // inquiry (retry) or of the client's request (request_timeout): retry=3s failed 57 and
  // request_timeout=3s 76 of 100 swarm seeds against the 1 s bound, every run correct.
  p.liveness_bound_ns =
      std::max(o.duration("liveness_bound"), 2 * (o.duration("retry") + w.request_timeout_ns));
  return p;
}

namespace {

// Rules across options; each error names the option at fault.
// The options of the bank model, which the twophase model does not have.
bool bank_only(const std::string& name) { return name != "model" && name != "participants"; }

void validate(const protocols::OptionValues& o) {
  if (o.text("model") == "twophase") {
    for (const std::string& name : o.table().names()) {
      if (bank_only(name) && o.given(name)) {
        throw protocols::BadInput(o.where(name), name + " applies to model=bank only: the twophase "
                                                 "model has one TM and `participants` RMs, nothing "
                                                 "else (explore: --preset twophase)");
      }
    }
    return;
  }
  const std::int64_t accounts = o.integer("participants") * o.integer("accounts_per_participant");
  if (accounts > 10000) {
    throw protocols::BadInput(o.where("accounts_per_participant"),
                              "participants x accounts_per_participant must be at most 10000, "
                              "got " +
                                  std::to_string(accounts));
  }
  if (accounts * o.integer("initial_balance") > 1'000'000'000'000LL) {
    throw protocols::BadInput(o.where("initial_balance"), "the bank's total must stay below 10^12");
  }
}

class TwopcRun final : public protocols::ProtocolRun {
 public:
  TwopcRun(TwopcParams params, Time heal_ns) : params_(std::move(params)), heal_ns_(heal_ns) {}

  TwopcParams params_;
  Time heal_ns_;
  std::shared_ptr<TwopcInvariants> invariants;
  protocols::DurableLedger ledger;
  std::uint64_t check_budget = protocols::kDefaultCheckBudget;

  std::vector<NodeId> fault_targets() const override {
    std::vector<NodeId> targets = groups.nodes("coordinators");
    const std::vector<NodeId>& participants = groups.nodes("participants");
    targets.insert(targets.end(), participants.begin(), participants.end());
    return targets;
  }

  // The scenario selector `leader`: the first coordinator that is up.
  std::optional<NodeId> leader(const Simulation& sim) const override {
    for (NodeId c : groups.nodes("coordinators")) {
      if (sim.is_up(c)) return c;
    }
    return std::nullopt;
  }

  void finish(Simulation& sim) override;
  std::string stuck(const Simulation& sim) const;
  std::string stuck_now(const Simulation& sim) const override;
  nlohmann::json summary(const Simulation& sim) const override;
};

void TwopcRun::finish(Simulation& sim) {
  const std::string lost = invariants->conservation_at_end();
  const nlohmann::json data = {{"total", params_.workload.total()}};
  if (lost.empty()) {
    checks.record("conservation at end", protocols::CheckStatus::held, {}, data);
  } else {
    checks.record("conservation at end", protocols::CheckStatus::violated, lost, data);
    sim.report(
        Finding{.kind = FindingKind::invariant, .name = "conservation at end", .message = lost});
    return;
  }
  nlohmann::json init = nlohmann::json::object();
  for (int a = 0; a < params_.workload.accounts; ++a) {
    init[account_key(a)] = params_.workload.initial_balance;
  }
  protocols::check_linearizability(sim, checks, "multi-register", check_budget, init);
}

std::string describe_in_doubt(const Simulation& sim, const InDoubt& d,
                              const std::vector<NodeId>& coordinators) {
  std::string text = sim.node_name(d.participant) + " has held txn " + d.txn.text() +
                     " in doubt since " + format_time(d.since);
  const auto* server = dynamic_cast<const ParticipantServer*>(sim.actor(d.participant));
  const Participant* node = server != nullptr ? server->node() : nullptr;
  if (node != nullptr) {
    if (auto it = node->txns().find(d.txn); it != node->txns().end()) {
      std::string locks;
      for (const LockItem& l : it->second.locks) locks += (locks.empty() ? "" : " ") + l.key;
      if (!locks.empty()) text += ", holding locks on " + locks;
    }
  } else {
    text += " (it is down)";
  }
  if (d.txn.coordinator() < coordinators.size()) {
    const NodeId c = coordinators[d.txn.coordinator()];
    if (!sim.is_up(c)) text += "; its coordinator " + sim.node_name(c) + " is down";
  }
  return text;
}

// What is stuck at the liveness deadline: transactions prepared before the heal and still
// in doubt, and clients still on a transaction they began before it.
std::string TwopcRun::stuck(const Simulation& sim) const {
  std::vector<std::string> problems;
  for (const InDoubt& d : invariants->in_doubt()) {
    if (d.since < heal_ns_)
      problems.push_back(describe_in_doubt(sim, d, groups.nodes("coordinators")));
  }
  for (NodeId c : groups.nodes("clients")) {
    const auto* client = dynamic_cast<const BankClient*>(sim.actor(c));
    if (client == nullptr || client->finished() || client->busy_since() >= heal_ns_) continue;
    problems.push_back(sim.node_name(c) + " has been on one transaction (now in its " +
                       std::string(client->phase()) + " phase) since " +
                       format_time(client->busy_since()));
  }
  constexpr std::size_t kShown = 4;
  std::string text;
  for (std::size_t i = 0; i < problems.size() && i < kShown; ++i) {
    text += (i == 0 ? "" : "; ") + problems[i];
  }
  if (problems.size() > kShown)
    text += "; and " + std::to_string(problems.size() - kShown) + " more";
  return text;
}

// Explore mode, where nothing can happen any more: 2PC's blocking case — a participant
// holds a transaction in doubt and the coordinator that alone can decide it is down.
std::string TwopcRun::stuck_now(const Simulation& sim) const {
  const std::vector<NodeId>& coordinators = groups.nodes("coordinators");
  std::string text;
  for (const InDoubt& d : invariants->in_doubt()) {
    const bool coordinator_down =
        d.txn.coordinator() < coordinators.size() && !sim.is_up(coordinators[d.txn.coordinator()]);
    if (!coordinator_down) continue;
    text += (text.empty() ? "" : "; ") + describe_in_doubt(sim, d, coordinators);
  }
  return text.empty() ? text : "2PC blocks: " + text;
}

nlohmann::json TwopcRun::summary(const Simulation& sim) const {
  const ClientStats clients = total_client_stats(sim, groups.nodes("clients"));
  const ObservedCounts& seen = invariants->counts();
  CoordinatorStats coordinators;
  for (NodeId c : groups.nodes("coordinators")) {
    const auto* server = dynamic_cast<const CoordinatorServer*>(sim.actor(c));
    if (server == nullptr || server->node() == nullptr) continue;
    const CoordinatorStats& s = server->node()->stats();
    coordinators.vote_timeouts += s.vote_timeouts;
    coordinators.presumed_aborts += s.presumed_aborts;
  }
  nlohmann::json j;
  j["transactions_begun"] = clients.begun;
  j["committed"] = clients.committed;
  j["aborted"] = clients.aborted;
  j["transfers_committed"] = clients.transfers_committed;
  j["read_alls_committed"] = clients.read_alls_committed;
  j["lock_refusals"] = clients.lock_refused;
  j["rolled_back"] = clients.lock_refused + clients.lock_timeouts;
  j["yes_votes"] = seen.yes_votes;
  j["commits_decided"] = seen.commits_decided;
  j["aborts_decided"] = seen.aborts_decided;
  j["prepared_then_aborted"] = seen.participant_aborts;
  j["restarts_in_doubt"] = seen.participant_restarts_in_doubt;
  j["coordinator_recoveries"] = seen.coordinator_restarts_with_commits;
  j["peer_decisions"] = seen.peer_decisions;
  j["read_alls_checked"] = seen.read_alls_checked;
  j["vote_timeouts"] = coordinators.vote_timeouts;  // by coordinators up at the end
  j["presumed_aborts"] = coordinators.presumed_aborts;
  return j;
}

void add_invariants(Simulation& sim, TwopcRun& run) {
  std::shared_ptr<TwopcInvariants> inv = run.invariants;
  for (int k = 0; k < kProperties; ++k) {
    const auto p = static_cast<Property>(k);
    sim.add_invariant(std::string(property_name(p)),
                      [inv, p](const Simulation&) { return inv->violation(p); });
  }
  protocols::watch_durable_state(sim, run.ledger);
}

void add_nodes(Simulation& sim, TwopcRun& run) {
  TwopcParams& p = run.params_;
  TwopcObserver* observer = run.invariants.get();
  protocols::DurableLedger* ledger = &run.ledger;
  p.workload.coordinators = protocols::add_group(
      sim, run, "coordinators", "co", p.coordinators, "coordinator", [&](int i) {
        CoordinatorConfig c = p.coordinator;
        c.index = static_cast<std::uint32_t>(i);
        return [c, observer, ledger](NodeId id) mutable {
          c.id = id;
          return std::make_unique<CoordinatorServer>(c, observer, ledger);
        };
      });
  p.workload.participants = protocols::add_group(
      sim, run, "participants", "p", p.participants, "participant", [&](int i) {
        ParticipantConfig c = p.participant;
        c.index = i;
        for (int a = i; a < p.workload.accounts; a += p.participants) {
          c.keys.push_back(account_key(a));
        }
        return [c, observer, ledger](NodeId id) mutable {
          c.id = id;
          return std::make_unique<ParticipantServer>(c, observer, ledger);
        };
      });
  protocols::add_group(sim, run, "clients", "c", p.clients, "client", [&](int i) {
    return [w = p.workload, i, observer](NodeId) {
      return std::make_unique<BankClient>(w, i, observer);
    };
  });
}

bool twophase_model(const protocols::RunConfig& config) { return config.options.text("model") == "twophase"; }

void refuse_bugs(const protocols::RunConfig& config) {
  if (!config.bugs.empty()) {
    throw protocols::BadInput("--bug", "the planted bugs are the bank model's: " + config.bugs.front() +
                                           " is not planted in model=twophase");
  }
}

std::unique_ptr<protocols::ProtocolRun> setup(Simulation& sim, const protocols::RunConfig& config) {
  if (twophase_model(config)) {
    refuse_bugs(config);
    return twophase::setup(sim, config, static_cast<int>(config.options.integer("participants")));
  }
  auto run = std::make_unique<TwopcRun>(read_params(config), config.heal_ns);
  run->check_budget = config.check_budget;
  const BankWorkload& w = run->params_.workload;
  run->invariants =
      std::make_shared<TwopcInvariants>(sim, BankShape{w.accounts, w.initial_balance, w.overdraft});
  add_nodes(sim, *run);
  add_invariants(sim, *run);
  const TwopcRun* self = run.get();
  protocols::schedule_liveness(sim, run->checks, config.heal_ns, run->params_.liveness_bound_ns,
                               [self](const Simulation& s) {
                                 return protocols::LivenessFinding{self->stuck(s), {}};
                               });
  return run;
}

}  // namespace

protocols::Protocol protocol() {
  protocols::Protocol p;
  p.name = "twopc";
  p.description =
      "two-phase commit with presumed abort over a sharded bank: strict two-phase locking, "
      "durable prepare and decision logs, recovery, cooperative termination, and 2PC's "
      "blocking case";
  declare_options(p.options);
  p.bugs = bug_specs();
  p.groups = {"coordinators", "participants", "clients"};
  p.explore_presets = explore_presets();
  p.explore = [bank = explore_factory()](const protocols::RunConfig& run, const protocols::ExploreSpec& spec)
      -> std::unique_ptr<protocols::ExploreWorld> {
    if (!twophase_model(run)) return bank(run, spec);
    refuse_bugs(run);
    return twophase::explore_world(run, spec, static_cast<int>(run.options.integer("participants")));
  };
  // Records are checksummed and a full disk halts a node; like Raft, 2PC does not claim to
  // survive corrupted reads or a disk that forgets writes it has not synced yet. Nor slow
  // disks, for now: the simulator multiplies the factors of overlapping slow-disk windows
  // on one node (two give up to 2,500x) and draws a sync's latency when the sync starts,
  // so a sync begun in an overlap outlasts the heal by seconds. Raft rides that out (one
  // slow server of five); 2PC cannot — every participant of a transaction, and its
  // coordinator, must sync — so every such run fails liveness. Reported; slow_links and
  // pause still make phase 1 slow.
  for (int k = 0; k < kFaultKinds; ++k) {
    const auto kind = static_cast<FaultKind>(k);
    if (kind != FaultKind::read_corruption && kind != FaultKind::lose_unsynced &&
        kind != FaultKind::slow_disk) {
      p.faults.push_back(kind);
    }
  }
  p.default_time_ns = 10 * kSecond;
  p.validate = validate;
  p.configure = [](const protocols::RunConfig&, SimConfig& config) {
    protocols::datacenter_defaults(config);
  };
  p.setup = setup;
  return p;
}

}  // namespace faultline::twopc
