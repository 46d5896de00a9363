// The fast search agrees with brute force on random small histories (the fast suite's share;
// checker_crosscheck_long_test.cpp runs the full sweep).
#include <doctest/doctest.h>

#include "checker_crosscheck.hpp"

TEST_CASE("cross-check: search and brute force agree on 14,000 random histories") {
  faultline::checker::testing::cross_check(14000, 1);
}

TEST_CASE("cross-check: and on 4,000 append-heavy kv histories (read reachability pruning)") {
  faultline::checker::testing::cross_check(4000, 2, {"kv-appends"});
}

TEST_CASE("cross-check: and on 4,000 kv histories of distinct appended pieces (unknown appends left out)") {
  faultline::checker::testing::cross_check(4000, 3, {"kv-pieces"});
}
