#include "value_kernel.hpp"

#include <algorithm>

#include "checker_assert.hpp"
#include "json_values.hpp"

namespace faultline::checker::detail {
namespace {

// Polynomial hashing modulo the Mersenne prime 2^61 - 1, with a fixed base: equal strings
// hash equal however they were built (hash(s + t) = hash(s) * base^|t| + hash(t)).
constexpr std::uint64_t kPrime = (std::uint64_t{1} << 61) - 1;
constexpr std::uint64_t kBase = 0x1F3D5B79A1C3E5F7ULL % kPrime;

__extension__ typedef unsigned __int128 Wide;  // GCC and Clang; exact 64x64 products

std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b) {
  Wide product = static_cast<Wide>(a) * b;
  std::uint64_t low = static_cast<std::uint64_t>(product & kPrime);
  std::uint64_t high = static_cast<std::uint64_t>(product >> 61);
  std::uint64_t sum = low + high;
  return sum >= kPrime ? sum - kPrime : sum;
}

std::uint64_t add_mod(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = a + b;
  return sum >= kPrime ? sum - kPrime : sum;
}

// base^exponent, by squaring: a piece needs only its own power, not every prefix's.
std::uint64_t power_of_base(std::uint64_t exponent) {
  std::uint64_t result = 1, square = kBase;
  for (; exponent != 0; exponent >>= 1) {
    if (exponent & 1) result = mul_mod(result, square);
    square = mul_mod(square, square);
  }
  return result;
}

std::uint64_t string_key(std::uint64_t hash, std::uint64_t length) {
  return hash ^ mix64(length + 0x9E3779B97F4A7C15ULL);
}

}  // namespace

std::uint32_t ValueTable::add(Value value) {
  auto id = static_cast<std::uint32_t>(values_.size());
  CHECKER_ASSERT(id < kNone - 1, "too many distinct values");
  values_.push_back(value);
  return id;
}

std::uint32_t ValueTable::add_piece(std::string text, bool record_prefix_hashes) {
  Piece piece{std::move(text), 0, 1};
  std::uint64_t* prefix_hash = nullptr;  // where the next prefix's hash goes, if recorded
  if (record_prefix_hashes) {
    std::size_t start = prefix_hashes_.size();
    CHECKER_ASSERT(start + piece.text.size() + 1 < kNone, "too many characters");
    piece.prefix_hashes_start = static_cast<std::uint32_t>(start);
    prefix_hashes_.resize(start + piece.text.size() + 1);  // the empty prefix's hash is 0
    prefix_hash = prefix_hashes_.data() + start + 1;
  }
  for (unsigned char c : piece.text) {
    piece.hash = add_mod(mul_mod(piece.hash, kBase), c + 1u);
    if (prefix_hash != nullptr) *prefix_hash++ = piece.hash;
  }
  piece.power = power_of_base(piece.text.size());
  text_bytes_ += piece.text.capacity() + sizeof(Piece);
  pieces_.push_back(std::move(piece));
  return static_cast<std::uint32_t>(pieces_.size() - 1);
}

std::string ValueTable::materialize(std::uint32_t id) const {
  std::vector<std::uint32_t> chain;
  for (std::uint32_t v = id; v != kNone; v = values_[v].parent) chain.push_back(values_[v].piece);
  std::string text;
  text.reserve(values_[id].length);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) text += pieces_[*it].text;
  return text;
}

bool ValueTable::same_string(std::uint32_t id, std::uint32_t parent, std::uint32_t piece) const {
  std::string candidate = materialize(id);
  std::string wanted = parent == kNone ? std::string() : materialize(parent);
  wanted += pieces_[piece].text;
  return candidate == wanted;
}

std::uint32_t ValueTable::string_value(std::uint32_t parent, std::uint32_t piece,
                                       std::uint64_t hash, std::uint64_t length) {
  if ((string_count_ + 1) * 2 > strings_.size()) grow_strings();
  std::uint64_t key = string_key(hash, length);
  std::uint64_t fingerprint = key & 0xFFFFFFFF00000000ULL;
  std::size_t mask = strings_.size() - 1;
  bool same_text_seen = false;
  // The slot comes from the fingerprint's bits, so growing never has to look at values_.
  std::size_t i = (key >> 32) & mask;
  for (; strings_[i] != 0; i = (i + 1) & mask) {
    if ((strings_[i] & 0xFFFFFFFF00000000ULL) != fingerprint) continue;
    auto id = static_cast<std::uint32_t>(strings_[i]) - 1;
    const Value& v = values_[id];
    if (v.hash != hash || v.length != length) continue;
    if (v.parent == parent && v.piece == piece) return id;  // built the same way
    same_text_seen = true;
  }
  if (same_text_seen) {
    std::uint32_t equal = equal_text(parent, piece, hash, length);
    if (equal != kNone) return equal;
  }
  std::uint32_t id = add(Value{Kind::string, parent, piece, hash, length});
  strings_[i] = fingerprint | (static_cast<std::uint64_t>(id) + 1);
  ++string_count_;
  return id;
}

// The rare case: strings of the same hash and length built differently. Compares the
// characters, and remembers an equal one so each such append is compared once.
std::uint32_t ValueTable::equal_text(std::uint32_t parent, std::uint32_t piece, std::uint64_t hash,
                                     std::uint64_t length) {
  std::uint64_t alias_key = (static_cast<std::uint64_t>(parent) << 32) | piece;
  std::uint32_t alias = aliases_.find(alias_key);
  if (alias != FlatU64Map::kAbsent) return alias;
  std::size_t mask = strings_.size() - 1;
  for (std::size_t i = (string_key(hash, length) >> 32) & mask; strings_[i] != 0;
       i = (i + 1) & mask) {
    auto id = static_cast<std::uint32_t>(strings_[i]) - 1;
    const Value& v = values_[id];
    if (v.hash == hash && v.length == length && same_string(id, parent, piece)) {
      aliases_.insert(alias_key, id);
      return id;
    }
  }
  return kNone;
}

void ValueTable::grow_strings() {
  CHECKER_ASSERT(strings_.size() < (std::size_t{1} << 32), "string index too large");
  std::vector<std::uint64_t> fresh(strings_.size() * 2, 0);
  std::size_t mask = fresh.size() - 1;
  for (std::uint64_t slot : strings_) {
    if (slot == 0) continue;
    std::size_t i = (slot >> 32) & mask;
    while (fresh[i] != 0) i = (i + 1) & mask;
    fresh[i] = slot;
  }
  strings_.swap(fresh);
}

std::uint32_t ValueTable::intern(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    auto known = literals_.find(text);
    if (known != literals_.end()) return known->second;  // histories repeat values often
    std::uint32_t piece = add_piece(text, keep_prefix_hashes_);
    const Piece& p = pieces_[piece];
    std::uint32_t id = string_value(kNone, piece, p.hash, p.text.size());
    literals_.emplace(text, id);
    text_bytes_ += text.capacity() + 32;
    return id;
  }
  if (value.is_null()) {
    if (null_id_ == kNone) null_id_ = add(Value{Kind::null, kNone, 0, 0, 0});
    return null_id_;
  }
  std::string text = canonical_text(value);
  auto it = others_.find(text);
  if (it != others_.end()) return it->second;
  std::uint32_t id =
      add(Value{Kind::other, kNone, static_cast<std::uint32_t>(texts_.size()), 0, 0});
  text_bytes_ += text.capacity() * 2 + 64;
  texts_.push_back(text);
  others_.emplace(std::move(text), id);
  return id;
}

std::uint32_t ValueTable::append(std::uint32_t id, std::uint32_t piece) {
  const Value& v = values_[id];
  const Piece& p = pieces_[piece];
  if (v.kind == Kind::other) return kNone;
  if (v.kind == Kind::null) return string_value(kNone, piece, p.hash, p.text.size());
  std::uint64_t hash = add_mod(mul_mod(v.hash, p.power), p.hash);
  return string_value(id, piece, hash, v.length + p.text.size());
}

bool ValueKernel::append(std::uint64_t state, std::uint32_t op, std::uint64_t& next) {
  // The walk retries an op from the state it last met far more often than from any other,
  // so each op remembers its last transition.
  if (op >= last_.size()) last_.resize(ops.size(), Transition{ValueTable::kNone, 0});
  Transition& last = last_[op];
  if (last.from != state) {
    last = Transition{static_cast<std::uint32_t>(state),
                      values.append(static_cast<std::uint32_t>(state), ops[op].a)};
  }
  next = last.to;
  return last.to != ValueTable::kNone;
}

std::uint32_t ValueTable::prefix_hashes_start(std::uint32_t id) {
  const Value& v = values_[id];
  if (v.parent == kNone && pieces_[v.piece].prefix_hashes_start != kNone) {
    return pieces_[v.piece].prefix_hashes_start;
  }
  auto [it, inserted] =
      built_prefix_hashes_.try_emplace(id, static_cast<std::uint32_t>(prefix_hashes_.size()));
  if (inserted) {
    std::uint64_t hash = 0;
    prefix_hashes_.push_back(hash);
    for (unsigned char c : materialize(id)) {
      hash = add_mod(mul_mod(hash, kBase), c + 1u);  // as add_piece
      prefix_hashes_.push_back(hash);
    }
    CHECKER_ASSERT(prefix_hashes_.size() < kNone, "too many characters");
  }
  return it->second;
}

void ValueKernel::prepare_reachability() {
  prefix_start_.clear();
  bool appends =
      std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.kind == Kind::append; });
  if (appends) prefix_start_.assign(ops.size(), ValueTable::kNone);
}

std::string ValueTable::describe(std::uint32_t id) const {
  const Value& v = values_[id];
  switch (v.kind) {
    case Kind::null:
      return "null";
    case Kind::string:
      return nlohmann::json(materialize(id))
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    case Kind::other:
      return texts_[v.piece];
  }
  return "?";
}

std::size_t ValueTable::memory_bytes() const {
  return values_.capacity() * sizeof(Value) + text_bytes_ +
         prefix_hashes_.capacity() * sizeof(std::uint64_t) + built_prefix_hashes_.size() * 32 +
         strings_.capacity() * sizeof(std::uint64_t) + aliases_.memory_bytes();
}

}  // namespace faultline::checker::detail
