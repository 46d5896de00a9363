#pragma once
// The end-of-run check of the client history: is it linearizable against the checker's
// key-value model ("kv": get / put / append / cas [expected, new], a get of an absent
// key reads null, an append to an absent key starts from "")?
#include <string>

#include <nlohmann/json.hpp>

#include "sim/history.hpp"

namespace faultline::raft {

struct HistoryVerdict {
  enum class Kind : std::uint8_t {
    linearizable,
    not_linearizable,
    unknown
  } verdict = Kind::unknown;
  std::string explanation;  // not linearizable: the checker's account; unknown: why
  std::size_t ops = 0;
  double elapsed_ms = 0;
};

HistoryVerdict check_history(const sim::History& history);
nlohmann::json history_summary(const HistoryVerdict& verdict);

}  // namespace faultline::raft
