#pragma once
// The compiled form of the register, cas-register and kv (one key) models: a state is the
// id of an interned value, an op is {kind, a, b} over value ids, and a step is a switch.
//
// Strings built by appends are not copied: a string value is a node (parent string, piece
// appended) carrying a polynomial hash and a length, so an append costs O(1). Equal
// strings still get one id, so state equality stays exact: a new string is looked up by
// (hash, length); a candidate built the same way (same parent, same piece) is the same
// string; any other candidate is confirmed by comparing the characters, and such aliases
// (equal text reached by different appends) are remembered so each is compared once.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "flat_map.hpp"

namespace faultline::checker::detail {

class ValueTable {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  std::uint32_t intern(const nlohmann::json& value);
  // A text that appends add; returns its piece index.
  std::uint32_t add_piece(std::string text, bool record_prefix_hashes = false);
  // The value `id` with piece appended (null counts as ""), or kNone when `id` is not a
  // string (nor null).
  std::uint32_t append(std::uint32_t id, std::uint32_t piece);
  std::string describe(std::uint32_t id) const;
  std::size_t memory_bytes() const;

  // What appends can make of a value: strings only, each extending the value (null counts
  // as ""). A string is a prefix of another iff its hash is the other's prefix hash at its
  // length (up to hash collisions).
  bool is_null(std::uint32_t id) const { return values_[id].kind == Kind::null; }
  bool is_string(std::uint32_t id) const { return values_[id].kind == Kind::string; }
  std::uint64_t string_hash(std::uint32_t id) const { return values_[id].hash; }
  std::uint64_t string_length(std::uint32_t id) const { return values_[id].length; }
  // From now on, intern() records the prefix hashes of the strings it hashes (cheaply, in
  // the same loop), for prefix_hashes_start.
  void keep_prefix_hashes() { keep_prefix_hashes_ = true; }
  // Where the hashes of every prefix of the string `id`, the empty one first, start in
  // prefix_hashes(); computed on first use if intern() did not record them.
  std::uint32_t prefix_hashes_start(std::uint32_t id);
  const std::vector<std::uint64_t>& prefix_hashes() const { return prefix_hashes_; }

 private:
  enum class Kind : std::uint8_t { null, string, other };
  struct Value {
    Kind kind;
    std::uint32_t parent;  // strings: the string this one extends, or kNone
    std::uint32_t piece;   // strings: the piece appended; others: index into texts_
    std::uint64_t hash;    // strings: polynomial hash of the whole string
    std::uint64_t length;
  };
  struct Piece {
    std::string text;
    std::uint64_t hash;
    std::uint64_t power;                        // base^length, to extend a hash by this piece
    std::uint32_t prefix_hashes_start = kNone;  // if recorded (see keep_prefix_hashes)
  };

  std::uint32_t string_value(std::uint32_t parent, std::uint32_t piece, std::uint64_t hash,
                             std::uint64_t length);
  std::uint32_t equal_text(std::uint32_t parent, std::uint32_t piece, std::uint64_t hash,
                           std::uint64_t length);
  void grow_strings();
  bool same_string(std::uint32_t id, std::uint32_t parent, std::uint32_t piece) const;
  std::string materialize(std::uint32_t id) const;
  std::uint32_t add(Value value);

  std::vector<Value> values_;
  std::vector<Piece> pieces_;
  std::vector<std::string> texts_;  // canonical JSON of non-string values
  // Open addressing over string values: (32-bit fingerprint << 32) | (id + 1); 0 is empty.
  // Equal (hash, length) pairs take several slots along one probe sequence.
  std::vector<std::uint64_t> strings_ = std::vector<std::uint64_t>(64, 0);
  std::size_t string_count_ = 0;
  FlatU64Map aliases_;  // (parent, piece) -> an equal string built otherwise
  std::unordered_map<std::string, std::uint32_t> others_;    // lookups only
  std::unordered_map<std::string, std::uint32_t> literals_;  // lookups only: strings seen whole
  std::uint32_t null_id_ = kNone;
  std::size_t text_bytes_ = 0;
  bool keep_prefix_hashes_ = false;
  std::vector<std::uint64_t> prefix_hashes_;
  std::unordered_map<std::uint32_t, std::uint32_t> built_prefix_hashes_;  // lookups only
};

class ValueKernel {
 public:
  enum class Kind : std::uint8_t { read, write, cas, cas_failed, cas_unknown, append };
  struct Op {
    Kind kind;
    std::uint32_t a;  // read: value; write: value; cas: expected; append: piece
    std::uint32_t b;  // cas: new value
  };

  ValueTable values;
  std::vector<Op> ops;
  std::uint64_t initial = 0;

  std::uint64_t initial_state() const { return initial; }
  std::string describe_state(std::uint64_t state) const {
    return values.describe(static_cast<std::uint32_t>(state));
  }
  std::size_t memory_bytes() const {
    return values.memory_bytes() + (ops.capacity() + last_.capacity()) * sizeof(Op) +
           prefix_start_.capacity() * sizeof(std::uint32_t);
  }

  // Ops equal in kind and values act alike in every state.
  std::optional<std::tuple<Kind, std::uint32_t, std::uint32_t>> twin_signature(
      std::uint32_t op) const {
    const Op& o = ops[op];
    return std::tuple(o.kind, o.a, o.b);
  }

  // Ops that never change the state when legal.
  bool read_only(std::uint32_t op) const {
    const Op& o = ops[op];
    bool same_cas = (o.kind == Kind::cas || o.kind == Kind::cas_unknown) && o.a == o.b;
    return o.kind == Kind::read || o.kind == Kind::cas_failed || same_cas;
  }

  // For the search's read reachability pruning (wgl_search.hpp): ops that may change the
  // state otherwise than by appending to it ...
  bool resets(std::uint32_t op) const {
    const Op& o = ops[op];
    bool changing_cas = (o.kind == Kind::cas || o.kind == Kind::cas_unknown) && o.a != o.b;
    return o.kind == Kind::write || changing_cas;
  }
  // ... and whether appends alone could turn `state` into the value the read `op` returned.
  // True for ops that are not reads. False answers must be exact; true ones may err.
  bool reachable(std::uint64_t state, std::uint32_t op) {
    const Op& o = ops[op];
    if (o.kind != Kind::read || state == o.a) return true;
    if (prefix_start_.empty()) return false;  // no appends: only resets change the state
    auto from = static_cast<std::uint32_t>(state);
    if (!values.is_string(o.a)) return false;  // appends make strings only
    if (values.is_null(from)) return true;
    if (!values.is_string(from)) return false;  // appending to it is illegal
    // Appends extend: `from` must be a prefix of the value read. Equal hashes may be a
    // collision (then "true" errs, harmlessly); different hashes are different strings.
    std::uint64_t length = values.string_length(from);
    if (length > values.string_length(o.a)) return false;
    if (prefix_start_[op] == ValueTable::kNone) prefix_start_[op] = values.prefix_hashes_start(o.a);
    return values.prefix_hashes()[prefix_start_[op] + length] == values.string_hash(from);
  }
  // Call once every op is in `ops`: prepares reachable() when the part has appends (then
  // it consults prefix hashes: intern the reads' values with values.keep_prefix_hashes()
  // on, to hash each once).
  void prepare_reachability();

  bool step(std::uint64_t state, std::uint32_t op, std::uint64_t& next) {
    const Op& o = ops[op];
    switch (o.kind) {
      case Kind::read:
        next = state;
        return state == o.a;
      case Kind::write:
        next = o.a;
        return true;
      case Kind::cas:
        next = o.b;
        return state == o.a;
      case Kind::cas_failed:
        next = state;
        return state != o.a;
      case Kind::cas_unknown:
        next = state == o.a ? o.b : state;
        return true;
      case Kind::append:
        return append(state, op, next);
    }
    return false;
  }

 private:
  // Out of line, so that step() stays small enough to inline into the search.
  bool append(std::uint64_t state, std::uint32_t op, std::uint64_t& next);

  struct Transition {
    std::uint32_t from;
    std::uint32_t to;
  };
  std::vector<Transition> last_;  // per op: its last transition
  // Per op, for reads of a string: where the hashes of its prefixes start in
  // values.prefix_hashes(), or kNone until first needed. Empty when no op appends.
  std::vector<std::uint32_t> prefix_start_;
};

}  // namespace faultline::checker::detail
