// Development aid: runs one scripted scenario with or without its bug and prints the
// trace (for choosing a timeline's times). Not a test.
#include <cstring>
#include <iostream>

#include "sched_scenarios.hpp"
#include "sim/trace_export.hpp"

using namespace faultline;
using namespace faultline::scheduler::testing;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: scheduler_scenario_probe lost|race|commit bug|clean\n";
    return 2;
  }
  const std::string which = argv[1];
  const Scenario s = which == "lost"   ? lost_map_outputs()
                     : which == "race" ? speculative_race()
                                       : commit_then_lost_status();
  protocols::RunSpec spec = scenario_spec(s, std::strcmp(argv[2], "bug") == 0);
  spec.keep_payloads = true;
  const protocols::Protocol p = scheduler::protocol();
  protocols::RunOutput out = protocols::run_protocol(p, spec, nullptr, s.timeline);
  sim::print_trace(*out.sim, std::cout);
  std::cout << protocols::run_summary(p, spec, out).dump() << "\n";
  return 0;
}
