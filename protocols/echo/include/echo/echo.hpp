#pragma once
// echo: the smallest protocol that exercises the whole kit, and the walk-through of
// docs/protocols.md. Servers answer each request with its value; clients send requests,
// wait with a timeout, retry on another server, and record every operation in the
// history. A server counts the requests it answered on its disk and syncs the count
// before it replies (the kit's driver does the persist-sync-send), so crashes and
// restarts touch the disk path too.
//
// Groups: servers s0.., clients c0...
// Invariant "replies echo requests": every reply a client accepted carries exactly the
// value it asked about. Durable fact "served": a server's count never goes back across
// a restart. Planted bug `stale-reply`: a server answers with the value of the previous
// request it served (a cache that is not keyed by request).
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/codec.hpp"
#include "protocols/node_driver.hpp"
#include "protocols/protocol.hpp"

namespace faultline::echo {

protocols::Protocol protocol();

struct Request {
  static constexpr std::string_view kName = "echo_request";
  static constexpr bool kHashBytes = true;
  std::uint64_t seq = 0;
  std::int64_t value = 0;
  void describe(sim::Fields& f) const { f("seq", seq)("value", value); }
};

struct Reply {
  static constexpr std::string_view kName = "echo_reply";
  static constexpr bool kHashBytes = true;
  std::uint64_t seq = 0;
  std::int64_t value = 0;
  void describe(sim::Fields& f) const { f("seq", seq)("value", value); }
};

struct EchoParams {
  int servers = 3;
  int clients = 3;
  int ops_per_client = 50;
  sim::Duration timeout_ns = 50 * sim::kMillisecond;
  int attempts = 3;
  sim::Duration think_ns = 200 * sim::kMillisecond;
  bool stale_reply = false;  // planted bug
};

// A pure node: step() reads a request and queues the reply; the driver persists the
// new count, syncs, then sends.
class EchoServer final : public protocols::NodeHost {
 public:
  EchoServer(const EchoParams& params, protocols::DurableLedger* ledger)
      : NodeHost(ledger), params_(params) {}
  std::uint64_t served() const { return served_; }

 private:
  void boot(sim::Context& ctx) override;
  std::string_view step(sim::Time now, const sim::Envelope& message) override;
  void tick(sim::Time) override {}
  sim::Time next_deadline() const override { return sim::kTimeNever; }
  bool persist(sim::DiskHandle& disk) override;
  void take_messages(std::vector<protocols::Outgoing>& out) override { out.swap(outbox_); }
  bool has_ready() const override { return dirty_ || !outbox_.empty(); }
  void publish(sim::Context& ctx) override;
  void durable_facts(protocols::DurableFacts& out) const override { out.add("served", served_); }

  EchoParams params_;
  protocols::DurableSlot slot_{"served"};  // two keys in turn: a torn write leaves the other
  std::uint64_t served_ = 0;
  std::int64_t last_value_ = 0;
  bool dirty_ = false;
  std::vector<protocols::Outgoing> outbox_;
};

class EchoClient final : public sim::Actor {
 public:
  EchoClient(const EchoParams& params, std::vector<sim::NodeId> servers, int index)
      : params_(params), servers_(std::move(servers)), index_(index) {}
  void run(sim::Context& ctx) override;
  std::uint64_t completed() const { return completed_; }
  // Replies whose value differed from the request's: the invariant reads this.
  const std::vector<std::string>& mismatches() const { return mismatches_; }

 private:
  EchoParams params_;
  std::vector<sim::NodeId> servers_;
  int index_;
  std::uint64_t completed_ = 0;
  std::vector<std::string> mismatches_;
};

}  // namespace faultline::echo
