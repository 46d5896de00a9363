#pragma once
// echo: the smallest protocol that exercises the whole simulator. Servers answer each
// request with its value; clients send requests, wait with a timeout, retry on another
// server, and record every operation in the history. Servers count the requests they
// answered on disk (synced), so crashes and restarts touch the disk path too.
//
// Invariant "replies echo requests": every reply a client accepted carries exactly the
// value it asked about. Planted bug `stale-reply`: a server answers with the value of
// the previous request it served (a cache that is not keyed by request).
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

class EchoServer final : public sim::Actor {
 public:
  explicit EchoServer(const EchoParams& params) : params_(params) {}
  void run(sim::Context& ctx) override;
  std::uint64_t served() const { return served_; }

 private:
  EchoParams params_;
  std::uint64_t served_ = 0;
  std::int64_t last_value_ = 0;
};

class EchoClient final : public sim::Actor {
 public:
  EchoClient(const EchoParams& params, int index) : params_(params), index_(index) {}
  void run(sim::Context& ctx) override;
  std::uint64_t completed() const { return completed_; }
  // Replies whose value differed from the request's: the invariant reads this.
  const std::vector<std::string>& mismatches() const { return mismatches_; }

 private:
  EchoParams params_;
  int index_;
  std::uint64_t completed_ = 0;
  std::vector<std::string> mismatches_;
};

}  // namespace faultline::echo
