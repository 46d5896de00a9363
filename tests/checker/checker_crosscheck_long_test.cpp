// The full sweep: the fast search agrees with brute force on 210,000 random histories,
// 30,000 per model, linearizable and not, with unknown-outcome and failed ops among them,
// and on 30,000 append-heavy kv histories.
#include <doctest/doctest.h>

#include "checker_crosscheck.hpp"

TEST_CASE("cross-check (long): search and brute force agree on 210,000 random histories") {
  faultline::checker::testing::cross_check(210000, 20260101);
}

TEST_CASE("cross-check (long): and on 30,000 append-heavy kv histories") {
  faultline::checker::testing::cross_check(30000, 20260102, {"kv-appends"});
}

TEST_CASE("cross-check (long): and on 60,000 kv histories of distinct appended pieces") {
  faultline::checker::testing::cross_check(60000, 20261130, {"kv-pieces"});
}
