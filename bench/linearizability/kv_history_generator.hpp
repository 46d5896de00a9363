#pragma once
// A large key-value history for the benchmark: clients run get/put/append on random keys;
// each op takes effect at a random moment between its invocation and its completion, so
// the history is linearizable (unless corrupted afterwards).
#include <cstdint>

#include <checker/history.hpp>

namespace faultline::bench {

struct KvHistorySpec {
  std::size_t ops = 100000;
  std::size_t keys = 1000;
  std::size_t clients = 32;
  std::uint64_t seed = 1;
  bool corrupt = false;  // change one get's result, making the history not linearizable
};

checker::History generate_kv_history(const KvHistorySpec& spec);

}  // namespace faultline::bench
