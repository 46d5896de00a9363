#pragma once
// The vocabulary of the block store (an HDFS-like design: Shvachko et al., "The Hadoop
// Distributed File System", MSST 2010, and the HDFS append/hflush design, HDFS-265).
//
// A *file* is an append-only sequence of *blocks*; a block is stored as *replicas* on
// data nodes. Every block carries a *generation stamp* (GS): the metadata server bumps
// it whenever the set of replicas that may be written changes (pipeline recovery, an
// append that reopens the block, lease recovery), so a replica with an older stamp is
// *stale*: it missed writes and must never be served or counted.
//
// A replica is a list of *chunks*, one per packet the writer sent; each chunk is stored
// with its own checksum and verified on every read.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/message.hpp"
#include "sim/types.hpp"

namespace faultline::blockstore {

using sim::Duration;
using sim::kNoNode;
using sim::NodeId;
using sim::Time;

using BlockId = std::uint64_t;   // 0: no block
using GenStamp = std::uint64_t;  // 0: none; stamps are issued from 1 by the metadata server
inline constexpr BlockId kNoBlock = 0;

// A replica's state on its data node (HDFS's replica states, minus TEMPORARY: a copy
// arrives in one message and is written in one synced round).
enum class ReplicaState : std::uint8_t {
  rbw,        // being written: part of a write pipeline
  finalized,  // complete and immutable: its length is the block's length
  rwr,        // was being written when the node restarted: waits for recovery,
              // neither written nor served (HDFS's "replica waiting to be recovered")
};
std::string_view replica_state_name(ReplicaState s);

// What a data node reports of one replica.
struct ReplicaInfo {
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  ReplicaState state = ReplicaState::rbw;
  friend bool operator==(const ReplicaInfo&, const ReplicaInfo&) = default;
};

// The writer that holds a file's lease: one write session of a client node in one
// incarnation. A restarted client is a new writer, as a new DFSClient is in HDFS; so is
// a client's next session after one it had to leave, whose file the metadata server
// must recover before anyone writes it again (only it knows how long the file really is).
struct Holder {
  NodeId client = kNoNode;
  std::uint64_t incarnation = 0;
  std::uint64_t session = 0;
  bool none() const { return client == kNoNode; }
  friend bool operator==(const Holder&, const Holder&) = default;
  friend auto operator<=>(const Holder&, const Holder&) = default;
};
std::string holder_name(const Holder& h);  // "n5#2.7": node id, incarnation, session

// One replica the metadata server lists for a reader: where, and what that replica
// holds as far as the server knows (its stamp and length; length 0: being written, read
// what the node has acknowledged).
struct Location {
  NodeId node = kNoNode;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  friend bool operator==(const Location&, const Location&) = default;
};

struct LocatedBlock {
  BlockId block = kNoBlock;
  bool complete = false;
  std::vector<Location> locations = {};
  friend bool operator==(const LocatedBlock&, const LocatedBlock&) = default;
};

// The block a writer writes: its stamp, how long it is, and the pipeline.
struct BlockTarget {
  BlockId block = kNoBlock;
  GenStamp gs = 0;
  std::uint64_t length = 0;
  std::vector<NodeId> nodes = {};
  friend bool operator==(const BlockTarget&, const BlockTarget&) = default;
};

void describe_nodes(sim::Fields& f, std::string_view name, const std::vector<NodeId>& nodes);

// A deterministic hash combiner for fingerprints (splitmix64 finaliser).
inline std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t mix_text(std::uint64_t h, std::string_view text);

// Randomness a pure node draws (target choice): from the run's choice source in the
// simulator, fixed in unit tests.
class BsRandom {
 public:
  virtual ~BsRandom() = default;
  virtual std::uint64_t below(std::uint64_t n) = 0;  // uniform in [0, n); 0 is quiet
};

}  // namespace faultline::blockstore
