#pragma once
// The durable logs of two-phase commit, on the kit's codec (protocols/codec.hpp): every
// record carries a CRC-32C, so a record torn by a crash is recognised and cut, never
// believed.
//
// Participant (disk keys):
//   epoch.0, epoch.1  the participant's epoch, a DurableSlot; incremented at each boot so
//                     that grants are never reused across restarts
//   txlog             a RecordLog of
//                       prepared  txn, coordinator, grant, participants, locks, writes —
//                                 synced before the yes vote (the participant's promise)
//                       decided   txn, commit or abort — synced before it is acknowledged
//                     A decided record follows its prepared record; replaying the log
//                     from the initial balances rebuilds the store, the decisions taken
//                     and the transactions still in doubt.
// Coordinator:
//   epoch.0, epoch.1  the coordinator's epoch: transaction ids are (index, epoch, seq)
//   decisions         a RecordLog of
//                       commit  txn, client, participants — synced before any participant
//                               or the client hears the decision (presumed abort: aborts
//                               are never logged)
//                       done    txn — every participant and the client acknowledged; the
//                               coordinator may forget it
//
// Only the last unsynced write can be torn (sim/disk.hpp), so the valid records form a
// prefix: load() keeps it and cuts the rest.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/codec.hpp"
#include "twopc/twopc_types.hpp"

namespace faultline::twopc {

struct ParticipantRecord {
  enum class Kind : std::uint8_t { prepared = 1, decided = 2 };
  Kind kind = Kind::prepared;
  TxnId txn;
  bool commit = false;  // decided
  // prepared
  NodeId coordinator = kNoNode;
  Grant grant = 0;
  std::vector<NodeId> participants = {};
  std::vector<LockItem> locks = {};
  std::vector<Write> writes = {};
  friend bool operator==(const ParticipantRecord&, const ParticipantRecord&) = default;
};
std::string encode_record(const ParticipantRecord& r);
std::optional<ParticipantRecord> decode_participant_record(std::string_view record);

struct CoordinatorRecord {
  enum class Kind : std::uint8_t { commit = 1, done = 2 };
  Kind kind = Kind::commit;
  TxnId txn;
  NodeId client = kNoNode;                // commit
  std::vector<NodeId> participants = {};  // commit
  friend bool operator==(const CoordinatorRecord&, const CoordinatorRecord&) = default;
};
std::string encode_record(const CoordinatorRecord& r);
std::optional<CoordinatorRecord> decode_coordinator_record(std::string_view record);

// What a node's disk held at boot.
template <class Record>
struct Stored {
  std::uint32_t epoch = 0;  // the last epoch stored (0: a fresh disk)
  std::vector<Record> records = {};
};

// One node's epoch slot and record log on its simulated disk. Writes only; the node's
// driver syncs (protocols/node_driver.hpp).
template <class Record>
class TwopcStorage {
 public:
  TwopcStorage(sim::DiskHandle& disk, std::string log_name)
      : disk_(disk), log_(std::move(log_name)) {}

  Stored<Record> load();
  void store_epoch(std::uint32_t epoch);
  void append(const Record& record) { log_.append(disk_, encode_record(record)); }
  std::size_t records() const { return log_.size(); }

 private:
  sim::DiskHandle& disk_;
  protocols::DurableSlot epoch_{"epoch"};
  protocols::RecordLog log_;
};

using ParticipantStorage = TwopcStorage<ParticipantRecord>;
using CoordinatorStorage = TwopcStorage<CoordinatorRecord>;

}  // namespace faultline::twopc
