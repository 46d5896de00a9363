// A libFuzzer entry point for one target, chosen at build time (FAULTLINE_FUZZ_TARGET, the
// target's name; see tests/fuzz/CMakeLists.txt and `make fuzz-parsers`).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto target = faultline::fuzzing::target_named(FAULTLINE_FUZZ_TARGET);
  faultline::fuzzing::run_one(target, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
