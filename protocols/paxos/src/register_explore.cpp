// The pure world of Stateright's Paxos example (register_model.hpp, protocols/explore.hpp):
// copies of the pure Servers and Clients, driven as ServerHost, ClientHost and the kit's
// NodeHost drive them (boot; step one message, then record the history and send), over
// the in-flight multiset. A delivery the receiver ignores leaves the message in flight and
// changes nothing, as the setup makes the simulator do in explore mode.
//
// Node ids are the simulator's: servers 0..S-1, then the clients. No node has a timer, so
// the enabled events are the deliveries (in canonical order). After every step that
// records in the history, the history is checked against the register model (Stateright's
// "linearizable", checked in every state).
//
// What the fingerprint holds: each server's and client's state, the in-flight multiset,
// and the history as Stateright's LinearizabilityTester keeps it — per client, the
// operations completed (each with its return, and with the index of the last operation
// every other client had completed when it was invoked) and the one in flight. Not the
// order of events across clients beyond that, which the tester does not keep either.
#include "paxos/register_model.hpp"

namespace faultline::paxos::reg {
namespace {

using protocols::explore_mix;
using sim::ExploreEvent;
using sim::ExploreKind;

struct Context {
  std::uint32_t servers = 0, clients = 0;
  std::vector<std::string> names;  // by node id
  sim::ExploreConfig budget;
};

// Stateright's LinearizabilityTester, as far as its state goes (its equality and hash).
class TesterState {
 public:
  void invoke(std::uint32_t client, std::uint64_t op, std::uint32_t clients) {
    std::uint64_t h = explore_mix(0x510e527fade682d1ULL, op);
    for (std::uint32_t u = 0; u < clients; ++u) {
      if (u != client && done_[u] > 0) h = explore_mix(explore_mix(h, u), done_[u] - 1);
    }
    in_flight_[client] = h;
  }
  void complete(std::uint32_t client, std::uint64_t ret) {
    FAULTLINE_ASSERT(in_flight_[client] != 0, "a return follows an invocation");
    history_[client] = explore_mix(history_[client], explore_mix(in_flight_[client], ret));
    in_flight_[client] = 0;
    ++done_[client];
  }
  std::uint64_t hash(std::uint32_t clients) const {
    std::uint64_t h = 0x9b05688c2b3e6c1fULL;
    for (std::uint32_t c = 0; c < clients; ++c) {
      h = explore_mix(explore_mix(explore_mix(h, history_[c]), done_[c]), in_flight_[c]);
    }
    return h;
  }

 private:
  std::array<std::uint64_t, kMaxClients> history_{};    // the completed operations, mixed in order
  std::array<std::uint32_t, kMaxClients> done_{};       // how many
  std::array<std::uint64_t, kMaxClients> in_flight_{};  // 0: none
};

class RegisterWorld final : public protocols::ExploreWorld {
 public:
  explicit RegisterWorld(std::shared_ptr<const Context> ctx);
  RegisterWorld(const RegisterWorld&) = default;

  std::unique_ptr<ExploreWorld> clone() const override { return std::make_unique<RegisterWorld>(*this); }
  const std::vector<ExploreEvent>& enabled() const override { return *enabled_; }
  Effect perform(std::size_t index) override;
  std::uint64_t fingerprint() const override { return state_fingerprint(); }
  std::uint64_t state_fingerprint() const override;
  const std::optional<sim::Finding>& finding() const override { return finding_; }
  std::vector<ExploreEvent> in_flight() const override { return net_.all(); }
  std::string describe(std::size_t index) const override;
  void count(std::map<std::string, std::uint64_t>& facts) const override;
  std::optional<std::string> endless() const override {
    return std::string("a message its receiver ignores stays in flight (Stateright's actor model)");
  }

 private:
  template <class Node>
  bool run_step(NodeId id, Node& node, const protocols::InFlightMessage& m);
  bool record(std::uint32_t client);
  void send_all(NodeId id, std::vector<protocols::Outgoing>& out);
  void list_enabled();
  void found(sim::FindingKind kind, std::string name, std::string message, NodeId node);

  std::shared_ptr<const Context> ctx_;
  std::vector<Server> servers_;
  std::vector<Client> clients_;
  protocols::ExploreNetwork net_;
  TesterState tester_;
  protocols::ExploreHistory history_;  // in the order of events, for the checker
  std::array<std::size_t, kMaxClients> open_{};  // each client's operation in flight
  std::uint64_t steps_ = 0;
  std::optional<sim::Finding> finding_;
  // Shared with the copies of this world until a step changes the list (an ignored
  // delivery changes nothing).
  std::shared_ptr<const std::vector<ExploreEvent>> enabled_;
};

RegisterWorld::RegisterWorld(std::shared_ptr<const Context> ctx) : ctx_(std::move(ctx)) {
  // Every node boots at time 0, in id order, before the first choice.
  servers_.reserve(ctx_->servers);
  for (NodeId id = 0; id < ctx_->servers; ++id) servers_.emplace_back(id, ctx_->servers);
  clients_.reserve(ctx_->clients);
  for (std::uint32_t c = 0; c < ctx_->clients; ++c) {
    const NodeId id = ctx_->servers + c;
    clients_.emplace_back(id, ctx_->servers);
    clients_.back().start();
    record(c);
    send_all(id, clients_.back().out());
  }
  list_enabled();
}

void RegisterWorld::found(sim::FindingKind kind, std::string name, std::string message, NodeId node) {
  if (finding_) return;
  finding_ = sim::Finding{kind, std::move(name), std::move(message), steps_,
                          static_cast<sim::Time>(steps_ * ctx_->budget.step_ns), node};
}

void RegisterWorld::send_all(NodeId id, std::vector<protocols::Outgoing>& out) {
  for (protocols::Outgoing& o : out) net_.send(id, o.to, std::move(o.message));
  out.clear();
}

// ClientHost::publish: the client's returns and invocations, into both histories.
bool RegisterWorld::record(std::uint32_t client) {
  std::vector<ClientEvent>& events = clients_[client].events();
  if (events.empty()) return false;
  for (const ClientEvent& e : events) {
    // The tester's op and return: write(v) = 1 + v, read = 0; WriteOk = 1, ReadOk(v) = 2 + v.
    if (e.invoke) {
      tester_.invoke(client, e.write ? 1 + e.value : 0, ctx_->clients);
      open_[client] = history_.invoke(client, e.write ? "write" : "read",
                                      e.write ? nlohmann::json(std::string(1, static_cast<char>(e.value)))
                                              : nlohmann::json(nullptr),
                                      steps_);
    } else {
      tester_.complete(client, e.write ? 1 : 2 + e.value);
      history_.complete(open_[client], sim::OpType::ok,
                        e.write ? nlohmann::json(nullptr) : nlohmann::json(std::string(1, static_cast<char>(e.value))),
                        steps_);
    }
  }
  events.clear();
  return true;
}

template <class Node>
bool RegisterWorld::run_step(NodeId id, Node& node, const protocols::InFlightMessage& m) {
  bool acted = false;
  protocols::explore_guarded(
      ctx_->names[id], steps_, [&] { acted = node.step(m.from, m.payload); },
      [&](sim::FindingKind kind, std::string name, std::string message) {
        found(kind, std::move(name), std::move(message), id);
        acted = true;
      });
  FAULTLINE_ASSERT(acted || !node.has_output(), "a node that ignores a message sends nothing");
  return acted;
}

protocols::ExploreWorld::Effect RegisterWorld::perform(std::size_t index) {
  FAULTLINE_ASSERT(index < enabled_->size(), "a step is one of the enabled events");
  const ExploreEvent e = (*enabled_)[index];
  FAULTLINE_ASSERT(e.kind == ExploreKind::deliver, "this world's only events are deliveries");
  ++steps_;
  const protocols::InFlightMessage& m = net_.peek(e);
  Effect effect;
  if (e.node < ctx_->servers) {
    Server& s = servers_[e.node];
    if (!run_step(e.node, s, m)) return effect;  // ignored: the message stays, nothing changed
    net_.take(e);
    send_all(e.node, s.out());
  } else {
    const std::uint32_t c = e.node - ctx_->servers;
    if (!run_step(e.node, clients_[c], m)) return effect;
    net_.take(e);
    effect.history = record(c);
    send_all(e.node, clients_[c].out());
    if (effect.history && !finding_) {
      if (std::optional<std::string> why = history_.check("register", nullptr)) {
        found(sim::FindingKind::invariant, "linearizability", "the register's history is not linearizable: " + *why,
              sim::kNoNode);
      }
    }
  }
  list_enabled();
  return effect;
}

void RegisterWorld::list_enabled() {
  enabled_ = protocols::explore_list_messages(net_, ctx_->budget, protocols::ExploreSpent{},
                                              ctx_->servers + ctx_->clients, finding_.has_value());
}

std::uint64_t RegisterWorld::state_fingerprint() const {
  std::uint64_t h = 0x1f83d9abfb41bd6bULL;
  for (const Server& s : servers_) h = explore_mix(h, s.fingerprint());
  for (const Client& c : clients_) h = explore_mix(h, c.fingerprint());
  h = explore_mix(h, net_.fingerprint());
  h = explore_mix(h, tester_.hash(ctx_->clients));
  return explore_mix(h, finding_ ? 1 : 0);
}

std::string RegisterWorld::describe(std::size_t index) const {
  FAULTLINE_ASSERT(index < enabled_->size(), "a step is one of the enabled events");
  const ExploreEvent& e = (*enabled_)[index];
  const protocols::InFlightMessage& m = net_.peek(e);
  return std::string(sim::explore_kind_name(e.kind)) + " " + std::string(m.payload.name()) + " " +
         ctx_->names[e.peer] + " -> " + ctx_->names[e.node];
}

// Stateright's "sometimes" property: a GetOk with a value other than the register's
// initial one is in flight ("value chosen").
void RegisterWorld::count(std::map<std::string, std::uint64_t>& facts) const {
  bool chosen = false;
  for (const auto& m : net_.messages()) {
    if (const GetOk* ok = m->payload.get<GetOk>()) chosen = chosen || ok->value != 0;
  }
  facts["value chosen"] += chosen ? 1 : 0;
}

}  // namespace

std::unique_ptr<protocols::ExploreWorld> explore_world(const protocols::RunConfig&,
                                                       const protocols::ExploreSpec& spec, int servers,
                                                       int clients) {
  const sim::ExploreConfig& b = spec.budget;
  if (b.drops > 0 || b.duplicates > 0 || b.crashes > 0 || b.restarts > 0) return nullptr;
  auto ctx = std::make_shared<Context>();
  ctx->servers = static_cast<std::uint32_t>(servers);
  ctx->clients = static_cast<std::uint32_t>(clients);
  ctx->budget = b;
  for (int i = 0; i < servers; ++i) ctx->names.push_back("s" + std::to_string(i));
  for (int i = 0; i < clients; ++i) ctx->names.push_back("c" + std::to_string(i));
  return std::make_unique<RegisterWorld>(std::move(ctx));
}

}  // namespace faultline::paxos::reg
