// Pinned trace hashes: a few runs of every protocol, so that a change to what a seed means
// (to a protocol, the kit, the simulator or the fault schedule) is a deliberate, reviewed
// change of tests/protocols/pinned/pinned_hashes.json, not an accident. REWRITE=1 writes
// the file from the current code; review the diff and say why in the commit.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "protocols/registry.hpp"

using namespace faultline;

namespace {

struct Pin {
  const char* name;
  std::uint64_t seed;
  const char* faults;
  sim::Time time_ns;
};

constexpr Pin kPins[] = {
    {"calm", 1, "none", 2 * sim::kSecond},
    {"every fault", 2, "all", 3 * sim::kSecond},
    {"swarm", 3, "swarm", 3 * sim::kSecond},
};

const std::string kFile = std::string(FAULTLINE_SOURCE_DIR) + "/tests/protocols/pinned/pinned_hashes.json";

nlohmann::json current() {
  nlohmann::json j = nlohmann::json::object();
  for (const protocols::Protocol& p : protocols::all_protocols()) {
    for (const Pin& pin : kPins) {
      protocols::RunSpec spec;
      spec.seed = pin.seed;
      spec.time_limit_ns = pin.time_ns;
      spec.faults = protocols::fault_profile(p, pin.faults, pin.time_ns);
      spec.swarm = std::string(pin.faults) == "swarm";
      spec.keep_trace = false;
      const protocols::RunOutput out = protocols::run_protocol(p, spec);
      j[p.name][pin.name] = {{"seed", pin.seed},
                             {"faults", pin.faults},
                             {"time_ns", pin.time_ns},
                             {"trace_hash", sim::format_hash(out.result.trace_hash)},
                             {"events", out.result.events},
                             {"verdict", sim::verdict_name(out.verdict())}};
    }
  }
  return j;
}

}  // namespace

TEST_CASE("pinned: every protocol's pinned runs give the recorded trace hashes") {
  const nlohmann::json now = current();
  const char* rewrite = std::getenv("REWRITE");
  if (rewrite != nullptr && std::string(rewrite) == "1") {
    std::ofstream(kFile) << now.dump(2) << "\n";
    MESSAGE("wrote " << kFile);
    return;
  }
  std::ifstream in(kFile);
  REQUIRE_MESSAGE(in.good(), "no " << kFile << ": REWRITE=1 writes it");
  const nlohmann::json pinned = nlohmann::json::parse(in);
  for (const auto& [protocol, runs] : now.items()) {
    INFO("protocol " << protocol);
    REQUIRE_MESSAGE(pinned.contains(protocol),
                    "no pinned hashes for " << protocol << ": run with REWRITE=1 and review");
    for (const auto& [name, run] : runs.items()) {
      INFO("run '" << name << "'");
      CHECK(pinned[protocol][name] == run);
    }
  }
  // A protocol removed from the registry leaves stale pins: the file says so.
  for (const auto& [protocol, runs] : pinned.items()) CHECK_MESSAGE(now.contains(protocol), protocol);
}
