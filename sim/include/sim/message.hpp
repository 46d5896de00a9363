#pragma once
// Messages are a protocol's own C++ structs, moved through the simulator without any
// encoding. A message type names itself and describes its fields for the trace:
//
//   struct Ping {
//     static constexpr std::string_view kName = "ping";
//     std::uint64_t seq = 0;
//     void describe(sim::Fields& f) const { f("seq", seq); }
//   };
//
// Optional: `std::uint32_t size_bytes() const` gives the size on the wire (for
// bandwidth); without it a message counts as sizeof(T) bytes.
// Optional: `static constexpr bool kHashBytes = true;` lets the trace hash the struct's
// bytes instead of describing it — only for plain values: no padding (checked), and no
// pointers or string_views (their bytes are addresses, which differ between runs).
//
// Payload holds any such value, in place when small (no allocation on the hot path),
// on the heap otherwise. Messages are values: a duplicated message is a copy.
#include <concepts>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sim/types.hpp"

namespace faultline::sim {

// A visitor over a message's fields: hashing for the trace hash, JSON for the trace file.
class Fields {
 public:
  virtual ~Fields() = default;
  virtual void add_int(std::string_view name, std::int64_t value) = 0;
  virtual void add_uint(std::string_view name, std::uint64_t value) = 0;
  virtual void add_bool(std::string_view name, bool value) = 0;
  virtual void add_string(std::string_view name, std::string_view value) = 0;
  // Nested structure: a list's items and an object's fields follow until end().
  virtual void begin_list(std::string_view name) = 0;
  virtual void begin_object(std::string_view name) = 0;
  virtual void end() = 0;

  Fields& operator()(std::string_view name, bool value) {
    add_bool(name, value);
    return *this;
  }
  template <std::signed_integral T>
  Fields& operator()(std::string_view name, T value) {
    add_int(name, value);
    return *this;
  }
  template <std::unsigned_integral T>
  Fields& operator()(std::string_view name, T value) {
    add_uint(name, value);
    return *this;
  }
  template <class E>
    requires std::is_enum_v<E>
  Fields& operator()(std::string_view name, E value) {
    add_int(name, static_cast<std::int64_t>(value));
    return *this;
  }
  Fields& operator()(std::string_view name, std::string_view value) {
    add_string(name, value);
    return *this;
  }
  Fields& operator()(std::string_view name, const char* value) {
    add_string(name, value);
    return *this;
  }
  Fields& operator()(std::string_view name, const std::string& value) {
    add_string(name, value);
    return *this;
  }
};

template <class T>
concept Message = std::is_nothrow_move_constructible_v<T> && std::is_copy_constructible_v<T> &&
                  requires(const T& m, Fields& f) {
                    { T::kName } -> std::convertible_to<std::string_view>;
                    m.describe(f);
                  };

// What a type-erased payload can do; one constant table per message type.
struct MessageType {
  std::string_view name;
  bool trivial;  // stored inline and trivially copyable: moved with memcpy, never destroyed
  void (*destroy)(void* storage) noexcept;
  void (*move)(void* from, void* to) noexcept;  // move-construct into `to`, destroy `from`
  void (*copy)(const void* from, void* to);
  const void* (*object)(const void* storage) noexcept;
  void (*describe)(const void* object, Fields& fields);
  std::uint32_t (*size_bytes)(const void* object) noexcept;
  // For types whose bytes are their value (no padding, no pointers to follow): a hash
  // of those bytes, much cheaper than describing. Null otherwise.
  std::uint64_t (*hash_bytes)(const void* object) noexcept;
};

class Payload {
 public:
  // Raft's AppendEntries (72 bytes) and most replies fit: a heap message costs a malloc and
  // a free per send, more than moving 80 inline bytes a few times.
  static constexpr std::size_t kInlineBytes = 80;

  Payload() = default;
  template <Message T>
  explicit Payload(T&& value);
  template <Message T>
  explicit Payload(const T& value) : Payload(T(value)) {}

  Payload(Payload&& other) noexcept : type_(other.type_) {
    take(other);
  }
  Payload& operator=(Payload&& other) noexcept {
    if (this != &other) {
      reset();
      type_ = other.type_;
      take(other);
    }
    return *this;
  }
  Payload(const Payload& other) : type_(other.type_) {
    if (type_ != nullptr) type_->copy(other.storage_, storage_);
  }
  Payload& operator=(const Payload& other) {
    if (this != &other) {
      Payload copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  ~Payload() { reset(); }

  void reset() noexcept {
    if (type_ != nullptr && !type_->trivial) type_->destroy(storage_);
    type_ = nullptr;
  }
  bool empty() const { return type_ == nullptr; }
  const MessageType* type() const { return type_; }
  std::string_view name() const { return type_ ? type_->name : std::string_view{}; }
  std::uint32_t size_bytes() const { return type_ ? type_->size_bytes(object()) : 0; }
  // A hash of the bytes when the type allows it (see MessageType::hash_bytes).
  bool hashes_bytes() const { return type_ != nullptr && type_->hash_bytes != nullptr; }
  std::uint64_t hash_bytes() const { return type_->hash_bytes(object()); }
  void describe(Fields& fields) const {
    if (type_) type_->describe(object(), fields);
  }

  template <Message T>
  bool is() const;
  template <Message T>
  const T* get() const {
    return is<T>() ? static_cast<const T*>(object()) : nullptr;
  }

 private:
  const void* object() const { return type_->object(storage_); }
  [[gnu::always_inline]] void take(Payload& other) noexcept {
    if (type_ == nullptr) return;
    if (type_->trivial) std::memcpy(storage_, other.storage_, kInlineBytes);
    else type_->move(other.storage_, storage_);
    other.type_ = nullptr;
  }

  alignas(16) unsigned char storage_[kInlineBytes];
  const MessageType* type_ = nullptr;
};

namespace detail {

template <class T>
inline constexpr bool kInline = sizeof(T) <= Payload::kInlineBytes && alignof(T) <= 16;

template <class T>
std::uint32_t message_size(const T& m) noexcept {
  if constexpr (requires { m.size_bytes(); }) {
    return static_cast<std::uint32_t>(m.size_bytes());
  } else {
    return static_cast<std::uint32_t>(sizeof(T));
  }
}

template <class T>
struct TypeTable {
  static const void* object(const void* s) noexcept {
    if constexpr (kInline<T>) return s;
    else return *static_cast<T* const*>(s);
  }
  static void destroy(void* s) noexcept {
    if constexpr (kInline<T>) static_cast<T*>(s)->~T();
    else delete *static_cast<T**>(s);
  }
  static void move(void* from, void* to) noexcept {
    if constexpr (kInline<T>) {
      ::new (to) T(std::move(*static_cast<T*>(from)));
      static_cast<T*>(from)->~T();
    } else {
      std::memcpy(to, from, sizeof(T*));
    }
  }
  static void copy(const void* from, void* to) {
    const T& src = *static_cast<const T*>(object(from));
    if constexpr (kInline<T>) ::new (to) T(src);
    else *static_cast<T**>(to) = new T(src);
  }
  static void describe(const void* o, Fields& f) { static_cast<const T*>(o)->describe(f); }
  static std::uint32_t size_bytes(const void* o) noexcept {
    return message_size(*static_cast<const T*>(o));
  }
  static std::uint64_t hash_bytes(const void* o) noexcept {
    std::uint64_t h = 0x84222325cbf29ce4ULL ^ sizeof(T);
    const auto* bytes = static_cast<const unsigned char*>(o);
    for (std::size_t i = 0; i < sizeof(T); i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, bytes + i, sizeof(T) - i < 8 ? sizeof(T) - i : 8);
      h = (h ^ w) * 0x100000001b3ULL;
      h ^= h >> 29;
    }
    return h;
  }
  static constexpr bool kBytesAreValue = [] {
    if constexpr (requires { T::kHashBytes; }) {
      static_assert(std::is_trivially_copyable_v<T> && std::has_unique_object_representations_v<T>,
                    "kHashBytes needs a trivially copyable type without padding");
      return T::kHashBytes;
    } else {
      return false;
    }
  }();
  static constexpr MessageType kType{T::kName,    kInline<T> && std::is_trivially_copyable_v<T>,
                                     &destroy,    &move,
                                     &copy,       &object,
                                     &describe,   &size_bytes,
                                     kBytesAreValue ? &hash_bytes : nullptr};
};

}  // namespace detail

template <Message T>
Payload::Payload(T&& value) : type_(&detail::TypeTable<std::remove_cvref_t<T>>::kType) {
  using V = std::remove_cvref_t<T>;
  if constexpr (detail::kInline<V>) ::new (storage_) V(std::move(value));
  else *reinterpret_cast<V**>(storage_) = new V(std::move(value));
}

template <Message T>
bool Payload::is() const {
  return type_ == &detail::TypeTable<T>::kType;
}

// A received message: who sent it, its identity in the trace, and the value.
struct Envelope {
  NodeId from = kNoNode;
  MessageId id = 0;
  Payload payload;

  template <Message T>
  const T* get() const {
    return payload.get<T>();
  }
  template <Message T>
  bool is() const {
    return payload.is<T>();
  }
  std::string_view name() const { return payload.name(); }
};

}  // namespace faultline::sim
