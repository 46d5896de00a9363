#pragma once
// Random small histories for every built-in model, made by simulating a sequential object
// under random concurrency: each op takes effect at a random moment between its invocation
// and its completion (or, for an op whose outcome is unknown, at any later moment or never).
// About half are then corrupted (one result changed), so both verdicts occur.
// The simulation below is written independently of the checker's models.
#include <cstdint>
#include <string>
#include <vector>

#include <checker/checker.hpp>

namespace faultline::checker::testing {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    return below(denominator) < numerator;
  }

 private:
  std::uint64_t state_;
};

struct RandomCase {
  std::string model;
  nlohmann::json init;
  ModelOptions options;
  History history;
};

// The models random_case draws from.
const std::vector<std::string>& random_models();

// A history of at most max_ops operations for `flavor`: a model's name, or "kv-appends"
// (the kv model, mostly appends of overlapping pieces and reads, few puts).
RandomCase random_case(const std::string& flavor, Rng& rng, std::size_t max_ops);

}  // namespace faultline::checker::testing
