#include "paxos/multipaxos_messages.hpp"

#include "paxos/multipaxos_node.hpp"
#include "protocols/codec.hpp"

namespace faultline::paxos {

Value noop_value() {
  return Value{};
}

Value command_value(kv::Command command) {
  return Value{false, std::move(command)};
}

std::string value_text(const Value& v) {
  return v.noop ? std::string("noop") : kv::describe_command(v.command);
}

void append_value_text(std::string& out, const Value& v) {
  if (v.noop) {
    out.append("noop");
  } else {
    kv::append_command(out, v.command);
  }
}

void describe_value(sim::Fields& f, const Value& v) {
  if (v.noop) {
    f("noop", true);
    return;
  }
  f("client", v.command.client);
  kv::describe_command(f, v.command);
}

namespace {

std::uint32_t value_bytes(const Value& v) {
  if (v.noop) return 1;
  const kv::Command& c = v.command;
  return static_cast<std::uint32_t>(16 + c.key.size() + c.value.size() +
                                    (c.expected ? c.expected->size() : 0));
}

}  // namespace

void MultiPromise::describe(sim::Fields& f) const {
  f("ballot", BallotText(ballot).view())("from_slot", from);
  f.begin_list("accepted");
  for (const AcceptedEntry& e : accepted) {
    f.begin_object("");
    f("slot", e.slot)("ballot", BallotText(e.ballot).view());
    describe_value(f, e.value);
    f.end();
  }
  f.end();
}

std::uint32_t MultiPromise::size_bytes() const {
  std::uint32_t bytes = 32;
  for (const AcceptedEntry& e : accepted) bytes += 24 + value_bytes(e.value);
  return bytes;
}

void MultiAccept::describe(sim::Fields& f) const {
  f("ballot", BallotText(ballot).view())("commit", commit);
  f.begin_list("entries");
  for (const SlotValue& e : entries) {
    f.begin_object("");
    f("slot", e.slot);
    describe_value(f, e.value);
    f.end();
  }
  f.end();
}

std::uint32_t MultiAccept::size_bytes() const {
  std::uint32_t bytes = 32;
  for (const SlotValue& e : entries) bytes += 8 + value_bytes(e.value);
  return bytes;
}

void MultiAccepted::describe(sim::Fields& f) const {
  f("ballot", BallotText(ballot).view());
  f.begin_list("slots");
  for (Slot s : slots) f("", s);
  f.end();
}

void Commit::describe(sim::Fields& f) const {
  f("ballot", BallotText(ballot).view())("commit", commit);
  if (values.empty()) return;
  f("first", first);
  f.begin_list("values");
  for (const Value& v : values) {
    f.begin_object("");
    describe_value(f, v);
    f.end();
  }
  f.end();
}

std::uint32_t Commit::size_bytes() const {
  std::uint32_t bytes = 32;
  for (const Value& v : values) bytes += value_bytes(v);
  return bytes;
}

// ---------------------------------------------------------------- storage

namespace {

void write_value(protocols::RecordWriter& w, const Value& v) {
  w.boolean(v.noop);
  if (!v.noop) kv::write_command(w, v.command);
}

Value read_value(protocols::RecordReader& r) {
  Value v;
  v.noop = r.boolean();
  if (!v.noop) v.command = kv::read_command(r);
  return v;
}

}  // namespace

std::string value_key(const Value& v) {
  protocols::RecordWriter w;
  write_value(w, v);
  return w.seal();
}

std::string value_key_text(std::string_view key) {
  protocols::RecordReader r(key);
  const Value v = read_value(r);
  FAULTLINE_ASSERT(r.done(), "a value key decodes");
  return value_text(v);
}

std::string write_multi_promise(Ballot promised, std::uint64_t round) {
  return protocols::RecordWriter().u64(promised.round).u64(promised.proposer).u64(round).seal();
}

std::optional<std::pair<Ballot, std::uint64_t>> read_multi_promise(std::string_view record) {
  protocols::RecordReader r(record);
  Ballot b;
  b.round = r.u64();
  b.proposer = static_cast<std::uint32_t>(r.u64());
  const std::uint64_t round = r.u64();
  if (!r.done()) return std::nullopt;
  return std::make_pair(b, round);
}

std::string write_accepted_entry(Slot slot, Ballot ballot, const Value& value) {
  protocols::RecordWriter w;
  w.u64(slot).u64(ballot.round).u64(ballot.proposer);
  write_value(w, value);
  return w.seal();
}

std::string write_accepted_entry(const AcceptedEntry& e) {
  return write_accepted_entry(e.slot, e.ballot, e.value);
}

std::optional<AcceptedEntry> read_accepted_entry(std::string_view record) {
  protocols::RecordReader r(record);
  AcceptedEntry e;
  e.slot = r.u64();
  e.ballot.round = r.u64();
  e.ballot.proposer = static_cast<std::uint32_t>(r.u64());
  e.value = read_value(r);
  if (!r.done() || e.slot == 0 || e.ballot.none()) return std::nullopt;
  return e;
}

}  // namespace faultline::paxos
