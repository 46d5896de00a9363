#pragma once
// One input through one reader of outside input, as `faultline check` and `run --set`
// would take it: the libFuzzer targets (fuzz_entry.cpp) and the regression test
// (fuzz_regression_test.cpp) both call this. Bad input must come back as an error value;
// anything else (an exception escaping, a crash, a broken invariant) aborts, which
// libFuzzer reports and the regression test sees as a failed test.
#include <string>
#include <string_view>
#include <vector>

namespace faultline::fuzzing {

// The targets, named as their corpus folders (tests/fuzz/corpus/<name>) are.
enum class Target { jsonl, edn, porcupine, jepsen_log, init, options };

const std::vector<std::string>& target_names();
Target target_named(std::string_view name);  // aborts for an unknown name

// Runs one input; returns true when it was accepted, false when refused with an error.
bool run_one(Target target, std::string_view data);

}  // namespace faultline::fuzzing
