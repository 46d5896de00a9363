#pragma once
// Shared wording of explanations (text and HTML).
#include <string>

#include "checker/checker.hpp"

namespace faultline::checker::detail {

// "process 7: get "3" → "x" (line 131)"
std::string op_label(const History& history, const Model& model, std::size_t op);
// "line 131" or "events 120–131"
std::string op_place(const Operation& op);
std::string part_name(const PartReport& part);

}  // namespace faultline::checker::detail
