#pragma once
// The kernel's private per-node and per-message state.
#include <boost/context/fiber.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace faultline::sim {

enum class Wait : std::uint8_t {
  none,   // running, or not started
  recv,   // blocked in recv until a message or the local deadline
  sleep,  // blocked until the local deadline
  sync,   // blocked until the disk sync completes (true time)
};

struct Simulation::Node {
  Node(Simulation& sim, NodeId node_id) : ctx(sim, node_id), id(node_id) {}

  // Hot: read on every delivery, wake and kernel call; kept together in the first lines.
  Context ctx;                   // what the actor sees; first, as the actor reads it most
  boost::context::fiber fiber;   // the actor, while suspended
  boost::context::fiber kernel;  // inside the fiber: where to switch back to
  std::optional<Envelope>* recv_slot = nullptr;  // while blocked in recv: where a message goes
  const MessageFilter* recv_filter = nullptr;    // while blocked in a filtered recv
  Time wait_deadline = kTimeNever;  // local time (recv, sleep) or true time (sync)
  std::uint64_t calls_this_step = 0;
  std::uint32_t wait_gen = 0;       // wake events carry it; a mismatch means stale
  NodeId id = 0;
  Wait wait = Wait::none;
  bool up = true;
  bool paused = false;
  bool fiber_live = false;   // a fiber exists (started and not finished)
  bool fiber_done = false;   // the fiber's function has returned
  bool kill = false;         // unwinding: the next suspension point throws ActorKilled
  bool wake_deferred = false;   // a deadline passed while paused
  bool start_deferred = false;  // the start came while paused
  NodeClock clock;
  std::deque<Envelope> mailbox;

  // Cold.
  std::string_view wait_label;  // what the deadline of the current wait is for (a timer)
  // The label of the node's last timer that fired and its interned id: a node's timers
  // fire again and again under a few names, so most need no hash lookup.
  std::string last_label;
  std::uint32_t last_label_id = 0;
  std::uint64_t incarnation = 0;
  Time explore_time = 0;        // explore mode: the local clock, moved only by its timers
  NodeId parent = kNoNode;      // the node that spawned this one
  std::string name;
  std::string role;
  ActorFactory factory;
  DiskProfile base_disk;     // the node's disk profile without faults
  DiskProfile disk_profile;  // with its active disk faults applied
  std::vector<std::pair<std::uint32_t, DiskFault>> disk_faults;  // active, in start order
  bool disk_refused = false;  // a full disk refused a write since the last sync
  bool disk_full = false;     // a disk_full fault is active
  std::unique_ptr<Actor> actor;
  Disk disk;
  std::map<std::string, Annotation, std::less<>> annotations;
  // do_annotate's index of `annotations`: each key with its map entry and its interned
  // trace kind, searched linearly (a node publishes a handful of keys), so an annotation
  // costs neither a walk of the map nor a hash of its key. Cleared with the map.
  struct AnnotationKey {
    std::string key;
    std::uint16_t kind = 0;
    Annotation* value = nullptr;
  };
  std::vector<AnnotationKey> annotation_keys;

  bool has_process = false;
  std::uint32_t process = 0;
  std::optional<OpHandle> open_op;
};

struct Simulation::InFlight {
  Payload payload;
  NodeId from = 0;
  NodeId to = 0;
  MessageId id = 0;
  std::uint32_t size = 0;
  std::uint16_t kind = 0;
  std::uint64_t content = 0;  // explore mode: the content hash (sim/explore.hpp)
};

// Whether a filtered receive (or an unfiltered one, filter == nullptr) takes `m`.
inline bool accepts(const MessageFilter* filter, const Envelope& m) {
  return filter == nullptr || (*filter)(m);
}

// Whether the node's mailbox holds a message its current receive would take.
inline bool has_accepted(const Simulation::Node& n) {
  if (n.recv_filter == nullptr) return !n.mailbox.empty();
  for (const Envelope& m : n.mailbox) {
    if ((*n.recv_filter)(m)) return true;
  }
  return false;
}

// Stops an actor that keeps calling the kernel without ever blocking. Not a
// std::exception, so actor code cannot swallow it by accident.
struct LivelockStop {};

}  // namespace faultline::sim
