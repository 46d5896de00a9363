#pragma once
// Every protocol faultline ships, in the order `faultline list` shows them.
#include <string_view>
#include <vector>

#include "protocols/protocol.hpp"

namespace faultline::protocols {

const std::vector<Protocol>& all_protocols();
const Protocol* find_protocol(std::string_view name);  // nullptr if unknown

}  // namespace faultline::protocols
