#!/bin/sh
# ctest splits a test's name at ';' (a CMake list separator): doctest_discover_tests then
# registers two tests whose filters match no test case, which pass without running it.
# Every TEST_CASE name must be free of ';'.
set -eu
root=${1:?usage: check_test_names.sh TESTS_DIR}
if grep -rn --include='*.cpp' 'TEST_CASE("[^"]*;' "$root"; then
  echo "check_test_names: the test cases above have ';' in their names; ctest would never run them" >&2
  exit 1
fi
echo "check_test_names: no test case name holds ';'"
