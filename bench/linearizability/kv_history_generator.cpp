#include "kv_history_generator.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace faultline::bench {
namespace {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t below(std::uint64_t n) {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (z ^ (z >> 31)) % n;
  }

 private:
  std::uint64_t state_;
};

// Simulated moments: an op's invocation, its effect, its completion.
struct Moment {
  std::uint64_t time;
  std::size_t op;
  int kind;  // 0 invoke, 1 take effect, 2 complete
};

struct Op {
  std::int64_t process;
  std::string f;
  std::string key;
  std::string value;
  std::string result;
};

}  // namespace

checker::History generate_kv_history(const KvHistorySpec& spec) {
  Rng rng(spec.seed);
  std::vector<Op> ops;
  std::vector<Moment> moments;
  std::vector<std::uint64_t> client_free(spec.clients, 0);
  for (std::size_t i = 0; i < spec.ops; ++i) {
    std::size_t client = i % spec.clients;
    std::uint64_t start = client_free[client] + rng.below(50);
    std::uint64_t effect = start + 1 + rng.below(100);
    std::uint64_t end = effect + 1 + rng.below(100);
    client_free[client] = end + 1;
    std::uint64_t pick = rng.below(10);
    Op op{static_cast<std::int64_t>(client),
          pick < 5   ? "get"
          : pick < 7 ? "put"
                     : "append",
          "k" + std::to_string(rng.below(spec.keys)), "", ""};
    if (op.f != "get") op.value = std::to_string(i) + ";";
    ops.push_back(op);
    moments.push_back({start * 3, i, 0});
    moments.push_back({effect * 3 + 1, i, 1});
    moments.push_back({end * 3 + 2, i, 2});
  }
  std::sort(moments.begin(), moments.end(), [](const Moment& a, const Moment& b) {
    return a.time != b.time ? a.time < b.time : a.op < b.op;
  });
  std::map<std::string, std::string> store;
  for (const Moment& m : moments) {
    Op& op = ops[m.op];
    if (m.kind != 1) continue;
    std::string& value = store[op.key];
    if (op.f == "get")
      op.result = value;
    else if (op.f == "put")
      value = op.value;
    else
      value += op.value;
  }
  if (spec.corrupt) {
    for (std::size_t i = spec.ops / 2; i < ops.size(); ++i) {
      if (ops[i].f == "get") {
        ops[i].result += "corrupted";
        break;
      }
    }
  }
  checker::HistoryBuilder builder;
  for (const Moment& m : moments) {
    const Op& op = ops[m.op];
    auto time_ns = static_cast<std::int64_t>(m.time);
    if (m.kind == 0) {
      nlohmann::json input = op.f == "get" ? nlohmann::json(nullptr) : nlohmann::json(op.value);
      (void)builder.invoke(op.process, op.f, op.key, input, time_ns);
    } else if (m.kind == 2) {
      nlohmann::json output = op.f == "get" ? nlohmann::json(op.result) : nlohmann::json(nullptr);
      (void)builder.complete(op.process, checker::Outcome::ok, output, time_ns);
    }
  }
  return std::move(builder).finish();
}

}  // namespace faultline::bench
