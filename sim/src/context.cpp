// The actor's API: every method builds one kernel call.
#include <stdexcept>

#include "kernel_node.hpp"
#include "sim/simulation.hpp"

namespace faultline::sim {

void Context::perform(Call& call) { sim_.perform(self_, call); }

const std::string& Context::name() const { return sim_.node_name(self_); }
std::size_t Context::node_count() const { return sim_.node_count(); }
std::uint64_t Context::incarnation() const { return sim_.incarnation(self_); }

Time Context::now() {
  Call call{.op = CallOp::now};
  perform(call);
  return static_cast<Time>(call.result);
}

Time Context::deadline_after(Duration d) {
  if (d == kTimeNever) return kTimeNever;
  const Time t = now();
  // Local time is negative early on under a clock set back (a negative starting offset):
  // kTimeNever - t would overflow there, and every timer became never.
  return t > 0 && d >= kTimeNever - t ? kTimeNever : t + d;
}

void Context::send_payload(NodeId to, Payload payload) {
  Call call{.op = CallOp::send, .peer = to, .args = {.payload = &payload}};
  perform(call);
}

std::optional<Envelope> Context::recv_until(Time local_deadline, std::string_view label) {
  std::optional<Envelope> received;
  Call call{.op = CallOp::recv, .deadline = local_deadline, .name = label,
            .args = {.recv = {.filter = nullptr, .received = &received}}};
  perform(call);
  return received;
}

std::optional<Envelope> Context::recv_until(Time local_deadline, const MessageFilter& filter,
                                            std::string_view label) {
  std::optional<Envelope> received;
  Call call{.op = CallOp::recv, .deadline = local_deadline, .name = label,
            .args = {.recv = {.filter = &filter, .received = &received}}};
  perform(call);
  return received;
}

Wakeup Context::wait(Timers& timers) {
  const Timers::Timer* next = timers.next();
  Wakeup w;
  w.message = next == nullptr ? recv_until(kTimeNever) : recv_until(next->deadline, next->name);
  if (!w.message) {
    FAULTLINE_ASSERT(next != nullptr, "a wait without timers ends only with a message");
    w.timer = timers.pop();
  }
  return w;
}

NodeId Context::spawn(NodeOptions options, ActorFactory factory) {
  Call call{.op = CallOp::spawn, .args = {.spawn = {.options = &options, .factory = &factory}}};
  perform(call);
  return static_cast<NodeId>(call.result);
}

void Context::halt(std::string_view reason, Duration restart_after) {
  FAULTLINE_ASSERT(restart_after >= 0, "a restart delay is not negative");
  Call call{.op = CallOp::halt, .n = static_cast<std::uint64_t>(restart_after), .text = reason};
  perform(call);
  throw ActorKilled{};  // perform does not return; this keeps [[noreturn]] honest
}

// ---------------------------------------------------------------- timers

void Timers::set(std::string_view name, Time local_deadline) {
  for (Timer& t : timers_) {
    if (t.name == name) {
      t.deadline = local_deadline;
      t.order = next_order_++;
      return;
    }
  }
  timers_.push_back(Timer{std::string(name), local_deadline, next_order_++});
}

void Timers::cancel(std::string_view name) {
  std::erase_if(timers_, [&](const Timer& t) { return t.name == name; });
}

bool Timers::armed(std::string_view name) const {
  return deadline(name) != kTimeNever;
}

Time Timers::deadline(std::string_view name) const {
  for (const Timer& t : timers_) {
    if (t.name == name) return t.deadline;
  }
  return kTimeNever;
}

const Timers::Timer* Timers::next() const {
  const Timer* best = nullptr;
  for (const Timer& t : timers_) {
    if (t.deadline == kTimeNever) continue;
    if (best == nullptr || t.deadline < best->deadline ||
        (t.deadline == best->deadline && t.order < best->order)) {
      best = &t;
    }
  }
  return best;
}

std::string Timers::pop() {
  const Timer* t = next();
  FAULTLINE_ASSERT(t != nullptr, "pop needs an armed timer");
  std::string name = t->name;
  cancel(name);
  return name;
}

void Context::sleep(Duration d) {
  Call call{.op = CallOp::sleep, .deadline = deadline_after(d)};
  perform(call);
}

std::uint64_t Context::random(std::uint64_t n) {
  Call call{.op = CallOp::random, .n = n};
  perform(call);
  return call.result;
}

Duration Context::random_between(Duration lo, Duration hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi - lo);
  if (span < 0xffffffffULL) return lo + static_cast<Duration>(random(span + 1));
  // Wide ranges: 2^20 evenly spaced steps keep a choice small enough to enumerate.
  constexpr std::uint64_t kSteps = 1u << 20;
  return lo + static_cast<Duration>(static_cast<UInt128>(span) * random(kSteps) /
                                    (kSteps - 1));
}

void Context::annotate(std::string_view key, std::int64_t value) {
  Call call{.op = CallOp::annotate, .is_text = false, .name = key, .args = {.number = value}};
  perform(call);
}

void Context::annotate(std::string_view key, std::string_view value) {
  Call call{.op = CallOp::annotate, .is_text = true, .name = key, .text = value};
  perform(call);
}

void Context::ignore(const Envelope& message, std::string_view reason) {
  Call call{.op = CallOp::ignore, .peer = message.from, .text = reason};
  call.result = message.id;
  // The kernel reads it only to put the message back (Simulation::set_explore_keep_ignored).
  call.args.payload = const_cast<Payload*>(&message.payload);
  perform(call);
}

void Context::log(std::string_view text) {
  Call call{.op = CallOp::log, .text = text};
  perform(call);
}

OpHandle Context::invoke(std::string_view f, const std::optional<std::string>& key,
                         nlohmann::json value) {
  Call call{.op = CallOp::invoke, .name = f,
            .args = {.history = {.key = &key, .value = &value}}};
  perform(call);
  const auto& event = sim_.history().events()[call.result];
  return OpHandle{event.process, static_cast<std::size_t>(call.result)};
}

void Context::complete(const OpHandle& op, OpType outcome, nlohmann::json value) {
  Call call{.op = CallOp::complete, .outcome = outcome, .n = op.index,
            .args = {.history = {.key = nullptr, .value = &value}}};
  perform(call);
}

void Context::fail(std::string_view what) {
  Call call{.op = CallOp::fail, .text = what};
  perform(call);
  throw ActorAssertion{std::string(what)};  // reached only while the node is being killed
}

// ---------------------------------------------------------------- disk

void DiskHandle::perform(Call& call) { sim_->perform(self_, call); }
const Disk& DiskHandle::state() const { return sim_->disk(self_); }

void DiskHandle::put(std::string_view key, std::string_view value) {
  Call call{.op = CallOp::disk_put, .name = key, .text = value};
  perform(call);
}

void DiskHandle::erase(std::string_view key) {
  Call call{.op = CallOp::disk_erase, .name = key};
  perform(call);
}

void DiskHandle::append(std::string_view log, std::string_view record) {
  Call call{.op = CallOp::disk_append, .name = log, .text = record};
  perform(call);
}

void DiskHandle::truncate(std::string_view log, std::size_t records) {
  Call call{.op = CallOp::disk_truncate, .n = records, .name = log};
  perform(call);
}

std::optional<std::string> DiskHandle::get(std::string_view key) {
  std::optional<std::string> value = state().get(key);
  if (value) {
    Call call{.op = CallOp::disk_read, .name = key, .args = {.bytes = &*value}};
    perform(call);
  }
  return value;
}

std::size_t DiskHandle::log_size(std::string_view log) const {
  return state().log_size(log);
}

std::string DiskHandle::read(std::string_view log, std::size_t index) {
  const std::vector<std::string>* records = state().log(log);
  if (records == nullptr || index >= records->size()) {
    throw std::out_of_range("disk log '" + std::string(log) + "' has no record " +
                            std::to_string(index));
  }
  std::string bytes = (*records)[index];
  Call call{.op = CallOp::disk_read, .name = log, .args = {.bytes = &bytes}};
  perform(call);
  return bytes;
}

std::vector<std::string> DiskHandle::read_log(std::string_view log) {
  std::vector<std::string> out;
  const std::size_t size = log_size(log);
  out.reserve(size);
  for (std::size_t i = 0; i < size; ++i) out.push_back(read(log, i));
  return out;
}

bool DiskHandle::sync() {
  Call call{.op = CallOp::disk_sync};
  perform(call);
  return call.ok;
}

}  // namespace faultline::sim
