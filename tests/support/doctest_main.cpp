#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "faultline_testdata.hpp"

namespace faultline::testing {

std::string testdata_path(const std::string& relative) {
  const char* env = std::getenv("FAULTLINE_TESTDATA");
  const std::string root = env != nullptr && *env != '\0' ? env : FAULTLINE_TESTDATA_DIR;
  if (!std::filesystem::is_directory(root)) {
    throw std::runtime_error("the shared test data is not at " + root +
                             ": clone faultline next to shared/ (so ../shared/testdata is "
                             "there), or run `make test TESTDATA=DIR`, or set "
                             "FAULTLINE_TESTDATA=DIR");
  }
  return relative.empty() ? root : root + "/" + relative;
}

}  // namespace faultline::testing
