// Stateright's Paxos example as actors (register_model.hpp): the pure server and client,
// the actors that run them, and the model's run.
#include "paxos/register_model.hpp"

#include <bit>

#include "protocols/run_checks.hpp"

namespace faultline::paxos::reg {

namespace {
std::string value_text(std::uint64_t v) { return std::string(1, static_cast<char>(v)); }
}  // namespace

void Prepared::describe(sim::Fields& f) const {
  f("round", ballot.round)("id", ballot.id)("has_last", has_last != 0);
  if (has_last != 0) {
    f("last_round", last.ballot.round)("last_id", last.ballot.id)("last_request", last.proposal.request)(
        "last_requester", last.proposal.requester)("last_value", value_text(last.proposal.value));
  }
}

void Accept::describe(sim::Fields& f) const {
  f("round", ballot.round)("id", ballot.id)("request", proposal.request)("requester", proposal.requester)(
      "value", value_text(proposal.value));
}

void Decided::describe(sim::Fields& f) const {
  f("round", ballot.round)("id", ballot.id)("request", proposal.request)("requester", proposal.requester)(
      "value", value_text(proposal.value));
}

// ---------------------------------------------------------------- server

Server::Server(NodeId self, std::uint32_t servers) : self_(self), servers_(servers) {
  FAULTLINE_ASSERT(servers >= 1 && servers <= kMaxServers && self < servers, "servers are nodes 0..servers-1");
}

template <class M>
void Server::broadcast(const M& m) {
  for (NodeId peer = 0; peer < servers_; ++peer) {
    if (peer != self_) out_.push_back({peer, sim::Payload(m)});
  }
}

// Stateright's PaxosActor::on_msg, guard for guard. A message that matches no guard is
// ignored: nothing changes and nothing is sent.
bool Server::step(NodeId from, const sim::Payload& m) {
  if (decided_) {
    if (const Get* g = m.get<Get>()) {
      FAULTLINE_ASSERT(accepted_.has_value(), "a server that decided has accepted");
      out_.push_back({from, sim::Payload(GetOk{g->request, accepted_->proposal.value})});
      return true;
    }
    return false;
  }
  if (const Put* p = m.get<Put>()) {
    if (proposal_) return false;
    proposal_ = Proposal{p->request, from, static_cast<std::uint32_t>(p->value)};
    prepared_ = 0;
    prepares_ = {};
    accepts_ = 0;
    ballot_ = Ballot{ballot_.round + 1, self_};  // its own Prepare
    prepared_ |= 1u << self_;                    // and its own Prepared
    prepares_[self_] = accepted_;
    broadcast(Prepare{ballot_});
    return true;
  }
  if (const Prepare* p = m.get<Prepare>()) {
    if (!(ballot_ < p->ballot)) return false;
    ballot_ = p->ballot;
    Prepared reply{p->ballot, accepted_ ? 1u : 0u, 0, accepted_.value_or(Vote{})};
    out_.push_back({from, sim::Payload(reply)});
    return true;
  }
  if (const Prepared* p = m.get<Prepared>()) {
    if (p->ballot != ballot_) return false;
    FAULTLINE_ASSERT(from < servers_, "a Prepared comes from a server");
    prepared_ |= 1u << from;
    prepares_[from] = p->has_last != 0 ? std::optional<Vote>(p->last) : std::nullopt;
    if (static_cast<std::uint32_t>(std::popcount(prepared_)) == majority()) {
      // The highest accepted proposal reported (None below any), else its own.
      std::optional<Vote> highest;
      bool any = false;
      for (NodeId s = 0; s < servers_; ++s) {
        if ((prepared_ & (1u << s)) == 0) continue;
        if (!any || highest < prepares_[s]) highest = prepares_[s];
        any = true;
      }
      FAULTLINE_ASSERT(proposal_.has_value(), "a server collecting promises has a proposal");
      const Proposal proposal = highest ? highest->proposal : *proposal_;
      proposal_ = proposal;
      accepted_ = Vote{ballot_, proposal};  // its own Accept
      accepts_ |= 1u << self_;              // and its own Accepted
      broadcast(Accept{ballot_, proposal});
    }
    return true;
  }
  if (const Accept* a = m.get<Accept>()) {
    if (a->ballot < ballot_) return false;
    ballot_ = a->ballot;
    accepted_ = Vote{a->ballot, a->proposal};
    out_.push_back({from, sim::Payload(Accepted{a->ballot})});
    return true;
  }
  if (const Accepted* a = m.get<Accepted>()) {
    if (a->ballot != ballot_) return false;
    FAULTLINE_ASSERT(from < servers_, "an Accepted comes from a server");
    accepts_ |= 1u << from;
    if (static_cast<std::uint32_t>(std::popcount(accepts_)) == majority()) {
      decided_ = true;
      FAULTLINE_ASSERT(proposal_.has_value(), "a server collecting accepts has a proposal");
      broadcast(Decided{a->ballot, *proposal_});
      out_.push_back({static_cast<NodeId>(proposal_->requester), sim::Payload(PutOk{proposal_->request})});
    }
    return true;
  }
  if (const Decided* d = m.get<Decided>()) {
    ballot_ = d->ballot;
    accepted_ = Vote{d->ballot, d->proposal};
    decided_ = true;
    return true;
  }
  return false;
}

std::uint64_t Server::fingerprint() const {
  using protocols::explore_mix;
  const auto vote = [](std::uint64_t h, const std::optional<Vote>& v) {
    if (!v) return explore_mix(h, 0);
    h = explore_mix(h, 1);
    h = explore_mix(h, (std::uint64_t{v->ballot.round} << 32) | v->ballot.id);
    h = explore_mix(h, v->proposal.request);
    return explore_mix(h, (std::uint64_t{v->proposal.requester} << 32) | v->proposal.value);
  };
  std::uint64_t h = explore_mix(0x3c6ef372fe94f82bULL, (std::uint64_t{ballot_.round} << 32) | ballot_.id);
  h = explore_mix(h, proposal_ ? 1 : 0);
  if (proposal_) {
    h = explore_mix(explore_mix(h, proposal_->request),
                    (std::uint64_t{proposal_->requester} << 32) | proposal_->value);
  }
  h = explore_mix(h, prepared_);
  for (NodeId s = 0; s < servers_; ++s) {
    if ((prepared_ & (1u << s)) != 0) h = vote(h, prepares_[s]);
  }
  h = explore_mix(h, accepts_);
  h = vote(h, accepted_);
  return explore_mix(h, decided_ ? 1 : 0);
}

// ---------------------------------------------------------------- client

Client::Client(NodeId self, std::uint32_t servers) : self_(self), servers_(servers) {
  FAULTLINE_ASSERT(self >= servers && self - servers < kMaxClients, "clients follow the servers");
}

void Client::start() {
  const std::uint64_t request = self_;  // 1 x its index
  const std::uint64_t value = 'A' + (self_ - servers_);
  out_.push_back({static_cast<NodeId>(self_ % servers_), sim::Payload(Put{request, value})});
  events_.push_back({true, true, value});
  awaiting_ = request;
  op_count_ = 1;
}

bool Client::step(NodeId, const sim::Payload& m) {
  if (!awaiting_) return false;
  if (const PutOk* ok = m.get<PutOk>()) {
    if (ok->request != *awaiting_) return false;
    events_.push_back({false, true, 0});
    const std::uint64_t request = (op_count_ + 1) * self_;
    // put_count is 1: after the first put, a get.
    out_.push_back({static_cast<NodeId>((self_ + op_count_) % servers_), sim::Payload(Get{request})});
    events_.push_back({true, false, 0});
    awaiting_ = request;
    ++op_count_;
    return true;
  }
  if (const GetOk* ok = m.get<GetOk>()) {
    if (ok->request != *awaiting_) return false;
    events_.push_back({false, false, ok->value});
    awaiting_.reset();
    ++op_count_;
    return true;
  }
  return false;
}

std::uint64_t Client::fingerprint() const {
  using protocols::explore_mix;
  std::uint64_t h = explore_mix(0xa54ff53a5f1d36f1ULL, awaiting_ ? *awaiting_ + 1 : 0);
  return explore_mix(h, op_count_);
}

// ---------------------------------------------------------------- actors and the run

namespace {

using protocols::Outgoing;
using sim::Time;

// A server or client on a simulated node: nothing durable, no timers; a message the node
// ignores is reported as ignored (Context::ignore), which in explore mode keeps it in flight.
template <class Node>
class RegisterHost : public protocols::MessageDrivenHost {
 protected:
  RegisterHost(std::uint32_t servers, std::string_view ignored) : servers_(servers), ignored_(ignored) {}
  void boot(sim::Context& ctx) override { node_.emplace(ctx.self(), servers_); }
  std::optional<Node> node_;

 private:
  std::string_view step(Time, const sim::Envelope& m) override {
    if (node_->step(m.from, m.payload)) return {};
    FAULTLINE_ASSERT(!node_->has_output(), "a node that ignores a message sends nothing");
    return ignored_;
  }
  bool persist(sim::DiskHandle&) override { return false; }
  void take_messages(std::vector<Outgoing>& out) override { out.swap(node_->out()); }
  bool has_ready() const override { return node_->has_output(); }

  std::uint32_t servers_;
  std::string_view ignored_;
};

class ServerHost final : public RegisterHost<Server> {
 public:
  explicit ServerHost(std::uint32_t servers) : RegisterHost(servers, "no guard of the server matches") {}

 private:
  void publish(sim::Context& ctx) override {
    const Server& s = *node_;
    if (!published_ballot_ || *published_ballot_ != s.ballot()) {
      ctx.annotate("ballot", std::to_string(s.ballot().round) + "." + std::to_string(s.ballot().id));
      published_ballot_ = s.ballot();
    }
    if (s.decided() && !published_decided_) {
      ctx.annotate("decided", value_text(s.accepted()->proposal.value));
      published_decided_ = true;
    }
  }

  std::optional<Ballot> published_ballot_;
  bool published_decided_ = false;
};

class ClientHost final : public RegisterHost<Client> {
 public:
  explicit ClientHost(std::uint32_t servers) : RegisterHost(servers, "not the reply the client awaits") {}

 private:
  void boot(sim::Context& ctx) override {
    RegisterHost::boot(ctx);
    node_->start();
  }
  // The history, before the messages go: a return, then the next invocation.
  void publish(sim::Context& ctx) override {
    for (const ClientEvent& e : node_->events()) {
      if (e.invoke) {
        FAULTLINE_ASSERT(!open_, "a client has one operation in flight");
        open_ = ctx.invoke(e.write ? "write" : "read", std::nullopt,
                           e.write ? nlohmann::json(value_text(e.value)) : nlohmann::json(nullptr));
      } else {
        FAULTLINE_ASSERT(open_.has_value(), "a return follows an invocation");
        ctx.complete(*open_, sim::OpType::ok, e.write ? nlohmann::json(nullptr) : nlohmann::json(value_text(e.value)));
        open_.reset();
      }
    }
    node_->events().clear();
  }

  std::optional<sim::OpHandle> open_;
};

class RegisterRun final : public protocols::ProtocolRun {
 public:
  explicit RegisterRun(std::uint64_t check_budget) : check_budget_(check_budget) {}
  std::vector<NodeId> fault_targets() const override { return groups.nodes("servers"); }
  void finish(sim::Simulation& sim) override {
    protocols::check_linearizability(sim, checks, "register", check_budget_);
  }

 private:
  std::uint64_t check_budget_;
};

}  // namespace

std::unique_ptr<protocols::ProtocolRun> setup(sim::Simulation& sim, const protocols::RunConfig& config,
                                              int servers, int clients) {
  FAULTLINE_ASSERT(sim.node_count() == 0, "the servers are nodes 0..servers-1");
  auto run = std::make_unique<RegisterRun>(config.check_budget);
  const auto s = static_cast<std::uint32_t>(servers);
  protocols::add_group(sim, *run, "servers", "s", servers, "server", [s](int) {
    return [s](NodeId) { return std::make_unique<ServerHost>(s); };
  });
  protocols::add_group(sim, *run, "clients", "c", clients, "client", [s](int) {
    return [s](NodeId) { return std::make_unique<ClientHost>(s); };
  });
  sim.set_explore_keep_ignored(true);
  return run;
}

}  // namespace faultline::paxos::reg
