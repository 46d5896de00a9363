// The generic path: any Model. States are JSON values interned by the model's own hash
// and equality; each (state, op) transition is computed by the model once and cached, so
// the search's repeated attempts cost a table lookup.
#include "checker_assert.hpp"
#include "flat_map.hpp"
#include "kernel_searcher.hpp"

namespace faultline::checker::detail {
namespace {

std::size_t approx_bytes(const nlohmann::json& value) {
  std::size_t bytes = sizeof(nlohmann::json) + 16;
  if (value.is_string()) bytes += value.get_ref<const std::string&>().size();
  if (value.is_array()) {
    for (const auto& item : value) bytes += approx_bytes(item);
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      bytes += it.key().size() + 48 + approx_bytes(it.value());
    }
  }
  return bytes;
}

class JsonKernel {
 public:
  JsonKernel(const Model& model, const History& history, std::vector<std::size_t> ops)
      : model_(&model), history_(&history), ops_(std::move(ops)) {
    for (std::size_t index : ops_) read_only_.push_back(model.read_only(history.ops[index]));
    intern(model.initial_state());
  }

  std::uint64_t initial_state() const { return 0; }
  std::string describe_state(std::uint64_t state) const {
    return model_->describe_state(states_[state]);
  }
  std::size_t memory_bytes() const {
    return bytes_ + by_hash_.memory_bytes() + transitions_.memory_bytes();
  }

  bool read_only(std::uint32_t op) const { return read_only_[op]; }
  // A Model may read any field of an op (its process, say), so no two are known twins.
  std::optional<int> twin_signature(std::uint32_t /*op*/) const { return std::nullopt; }

  bool step(std::uint64_t state, std::uint32_t op, std::uint64_t& next) {
    std::uint64_t key = (state << 32) | op;
    std::uint32_t cached = transitions_.find(key);
    if (cached == FlatU64Map::kAbsent) {
      Step result = model_->step(states_[state], history_->ops[ops_[op]]);
      cached = result.legal ? intern(std::move(result.state)) : kIllegal;
      transitions_.insert(key, cached);
    }
    next = cached;
    return cached != kIllegal;
  }

 private:
  static constexpr std::uint32_t kIllegal = 0xFFFFFFFEu;

  std::uint32_t intern(nlohmann::json state) {
    std::uint64_t hash = model_->hash(state);
    std::uint32_t head = by_hash_.find(hash);
    for (std::uint32_t id = head; id != FlatU64Map::kAbsent; id = chain_[id]) {
      if (model_->equal(states_[id], state)) return id;
    }
    auto id = static_cast<std::uint32_t>(states_.size());
    CHECKER_ASSERT(id < kIllegal, "too many states");
    bytes_ += approx_bytes(state) + 8;
    states_.push_back(std::move(state));
    chain_.push_back(head);
    by_hash_.assign(hash, id);
    return id;
  }

  const Model* model_;
  const History* history_;
  std::vector<std::size_t> ops_;
  std::vector<bool> read_only_;
  std::vector<nlohmann::json> states_;
  std::vector<std::uint32_t> chain_;  // next state with the same hash
  FlatU64Map by_hash_;                // hash -> most recent state with it (lookups only)
  FlatU64Map transitions_;            // (state, op) -> state or kIllegal
  std::size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<PartSearcher> make_json_searcher(const History& history, const Model& model,
                                                 std::vector<std::size_t> ops) {
  JsonKernel kernel(model, history, ops);
  return std::make_unique<KernelSearcher<JsonKernel>>(history, std::move(ops), std::move(kernel));
}

std::vector<std::size_t> ops_to_search(const History& history, const Model& model,
                                       const std::vector<std::size_t>& part_ops) {
  std::vector<std::size_t> kept;
  kept.reserve(part_ops.size());
  for (std::size_t index : part_ops) {
    const Operation& op = history.ops[index];
    if (op.outcome != Outcome::fail || model.keeps_failed(op)) kept.push_back(index);
  }
  return kept;
}

}  // namespace faultline::checker::detail
