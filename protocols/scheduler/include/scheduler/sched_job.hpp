#pragma once
// The computation a scheduler run performs: group-by-sum jobs over generated input, split
// into a DAG of stages joined by shuffles, and the same job computed sequentially for the
// checker.
//
// A job's input is generated, never stored: record i of partition p of dataset d of job j
// is a pure function of (j, d, p, i), so an executor computes any input partition on any
// node and the checker recomputes the whole job alone. A task is a pure function too:
// map-side combine (sum by key), then either partition the sums by key into shuffle
// blocks, one per partition of the consuming stage, or (the result stage) emit them.
//
// Shapes (the DAG of a job's stages, Spark's ShuffleMapStage / ResultStage):
//   chain2  s0 map(input) --shuffle--> s1 result
//   chain3  s0 map(input) --shuffle--> s1 sum, key/2 --shuffle--> s2 result
//   join    s0 map(input A), s1 map(input B) --shuffle--> s2 result (sums both)
//
// Invariants: stage indexes are topologically ordered (parents have smaller indexes);
// the last stage is the only result stage; every shuffle block holds keys of its own
// partition only (key % partitions == block index), sorted, each key once.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/types.hpp"

namespace faultline::scheduler {

using JobId = std::uint32_t;
using AttemptId = std::uint64_t;  // unique over a run; 0 is "none"
using Key = std::uint32_t;
using Value = std::int64_t;

struct Record {
  Key key = 0;
  Value value = 0;
  friend bool operator==(const Record&, const Record&) = default;
};
using Records = std::vector<Record>;

// A key no generated record uses: a record with it makes the task that reads it throw
// (a poisoned input, the deterministic failure that exhausts max_task_failures).
inline constexpr Key kPoisonKey = 0xFFFFFFFFu;

enum class Shape : std::uint8_t { chain2, chain3, join };
std::string_view shape_name(Shape shape);
bool shape_from_name(std::string_view name, Shape& out);

enum class StageKind : std::uint8_t {
  input_map,    // reads a generated input partition, writes shuffle blocks
  shuffle_map,  // reads its parents' shuffle blocks, writes shuffle blocks
  result,       // reads its parents' shuffle blocks, commits an output partition
};

struct StageSpec {
  int index = 0;
  StageKind kind = StageKind::input_map;
  int dataset = 0;                // input_map: which generated dataset
  std::vector<int> parents = {};  // stages whose shuffle output this one reads
  int partitions = 0;             // tasks of this stage
  int out_partitions = 0;         // shuffle blocks per task (the consumer's partitions)
  bool halve_keys = false;        // emits key/2 (chain3's middle stage: a second group-by)
  bool writes_shuffle() const { return kind != StageKind::result; }
};

struct JobSpec {
  JobId id = 0;
  Shape shape = Shape::chain2;
  int map_partitions = 4;
  int reduce_partitions = 2;
  int records = 20;       // per input partition
  int keys = 16;          // distinct keys of the input
  bool poisoned = false;  // input partition 0 of dataset 0 holds a poison record
  std::vector<StageSpec> stages = {};
  const StageSpec& result_stage() const { return stages.back(); }
  // Stages that read `stage`'s shuffle output.
  std::vector<int> children(int stage) const;
};

JobSpec make_job(JobId id, Shape shape, int map_partitions, int reduce_partitions, int records,
                 int keys, bool poisoned);

// The generated input partition (unsorted, keys repeat).
Records input_partition(const JobSpec& job, int dataset, int partition);
// Sums values by key; the result is sorted by key, each key once.
Records combine(const Records& in);
// A task's output: for a shuffle-writing stage, one block per consumer partition; for
// the result stage, one element: the output partition. Throws nothing: a poison record
// is reported by `poisoned`.
struct TaskOutput {
  std::vector<Records> blocks;
  bool poisoned = false;
};
TaskOutput run_task(const StageSpec& stage, const Records& input);
// The whole job's result, sequentially: what the committed output must equal.
Records expected_result(const JobSpec& job);

// A short digest of records, for traces and messages (FNV-1a over keys and values).
std::uint64_t digest(const Records& records);
std::uint64_t mix(std::uint64_t h, std::uint64_t v);

}  // namespace faultline::scheduler
