#pragma once
// Where the tests find the histories from other tools with known verdicts
// (../shared/testdata: not part of this repository).
#include <string>

namespace faultline::testing {

// `relative` inside the test data folder: $FAULTLINE_TESTDATA if set (make test sets it
// from TESTDATA=DIR), else the folder the build was configured with. Throws an error
// naming the folder and how to point at another if it does not exist.
std::string testdata_path(const std::string& relative = "");

}  // namespace faultline::testing
