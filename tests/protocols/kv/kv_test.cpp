// The shared key-value service: its state machine with sessions, and its encodings.
#include <doctest/doctest.h>

#include "kv/kv.hpp"

using namespace faultline;
using namespace faultline::kv;

namespace {
Command op(OpKind kind, std::string key, std::uint64_t seq, std::string value = "",
           std::optional<std::string> expected = std::nullopt, NodeId client = 7) {
  return Command{.op = kind,
                 .client = client,
                 .seq = seq,
                 .key = std::move(key),
                 .value = std::move(value),
                 .expected = std::move(expected)};
}
}  // namespace

TEST_CASE("kv store: get, put, append and cas follow the checker's kv model") {
  KvStore kv;
  CHECK(kv.apply(op(OpKind::get, "a", 1)).outcome.value == std::nullopt);  // absent: null
  CHECK(kv.apply(op(OpKind::append, "a", 2, "x ")).outcome.ok);            // absent: from ""
  CHECK(kv.get("a") == "x ");
  kv.apply(op(OpKind::append, "a", 3, "y "));
  CHECK(kv.get("a") == "x y ");
  const ApplyResult miss = kv.apply(op(OpKind::cas, "a", 4, "z", "nope"));
  CHECK_FALSE(miss.outcome.ok);
  CHECK(miss.outcome.value == "x y ");
  CHECK(kv.get("a") == "x y ");
  CHECK(kv.apply(op(OpKind::cas, "a", 5, "z", "x y ")).outcome.ok);
  CHECK(kv.get("a") == "z");
  CHECK(kv.apply(op(OpKind::cas, "b", 6, "new", std::nullopt)).outcome.ok);  // expects absent
  CHECK(kv.get("b") == "new");
  kv.apply(op(OpKind::put, "b", 7, "p"));
  CHECK(kv.get("b") == "p");
}

TEST_CASE("kv store: a session applies each command once") {
  KvStore kv;
  const Command first = op(OpKind::append, "a", 1, "x ");
  CHECK(kv.apply(first).kind == ApplyKind::applied);
  CHECK(kv.apply(first).kind == ApplyKind::duplicate);  // a retry: remembered, not redone
  CHECK(kv.get("a") == "x ");
  CHECK(kv.cached(first).has_value());
  kv.apply(op(OpKind::append, "a", 2, "y "));
  CHECK(kv.apply(first).kind == ApplyKind::stale);  // older than the last: nothing at all
  CHECK(kv.is_stale(first));
  CHECK(kv.get("a") == "x y ");
  // Sessions are per client: another client's seq 1 is new.
  CHECK(kv.apply(op(OpKind::append, "a", 1, "z ", std::nullopt, 8)).kind == ApplyKind::applied);

  KvStore buggy;  // planted bug no-dedup: the retry applies twice
  buggy.apply(first, /*dedup=*/false);
  buggy.apply(first, /*dedup=*/false);
  CHECK(buggy.get("a") == "x x ");
}

TEST_CASE("kv encodings: a command and a state read back as written, a damaged record not at all") {
  const Command c = op(OpKind::cas, "key", 9, "new", "old", 12);
  KvState st;
  st.data = {{"a", "1"}, {"b", ""}};
  st.sessions[7] = Session{.seq = 12, .outcome = {false, "x"}};
  st.sessions[8] = Session{.seq = 3, .outcome = {true, std::nullopt}};
  protocols::RecordWriter w;
  write_command(w, c);
  write_state(w, st);
  const std::string record = w.seal();
  protocols::RecordReader r(record);
  CHECK(read_command(r) == c);
  CHECK(read_state(r) == st);
  CHECK(r.done());
  std::string flipped = record;
  flipped[3] = static_cast<char>(flipped[3] ^ 0x01);
  CHECK_FALSE(protocols::RecordReader(flipped).ok());
  // An operation code out of range is a bad record, not a silent get.
  protocols::RecordWriter bad;
  bad.u64(9).node(1).u64(1).str("k").str("").u64(0);
  const std::string bad_record = bad.seal();  // the reader views it: it must outlive the reader
  protocols::RecordReader rb(bad_record);
  (void)read_command(rb);
  CHECK_FALSE(rb.ok());
}

TEST_CASE("kv command text: every kind, absent and present cas values, the largest numbers") {
  CHECK(describe_command(op(OpKind::get, "k1", 3)) == "get k1 (c7#3)");
  CHECK(describe_command(op(OpKind::put, "k1", 4, "0.5")) == "put k1 0.5 (c7#4)");
  CHECK(describe_command(op(OpKind::append, "k2", 5, "x")) == "append k2 x (c7#5)");
  CHECK(describe_command(op(OpKind::cas, "k3", 6, "new", std::nullopt)) ==
        "cas k3 null->new (c7#6)");
  CHECK(describe_command(op(OpKind::cas, "k3", 6, "new", "old")) == "cas k3 old->new (c7#6)");
  CHECK(describe_command(op(OpKind::get, "", UINT64_MAX, "", std::nullopt, kNoNode)) ==
        "get  (c4294967295#18446744073709551615)");
  // Appending leaves what the buffer held before, and adds the same text.
  std::string out = "slot 9=";
  append_command(out, op(OpKind::put, "k1", 4, "0.5"));
  CHECK(out == "slot 9=put k1 0.5 (c7#4)");
  append_decimal(out, 0);
  CHECK(out.back() == '0');
}
