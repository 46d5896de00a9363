#include "scheduler/sched_job.hpp"

#include <algorithm>
#include <map>

#include "sim/assert.hpp"

namespace faultline::scheduler {

std::string_view shape_name(Shape shape) {
  switch (shape) {
    case Shape::chain2:
      return "chain2";
    case Shape::chain3:
      return "chain3";
    case Shape::join:
      return "join";
  }
  return "?";
}

bool shape_from_name(std::string_view name, Shape& out) {
  for (Shape s : {Shape::chain2, Shape::chain3, Shape::join}) {
    if (shape_name(s) == name) {
      out = s;
      return true;
    }
  }
  return false;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  // splitmix64's finaliser over the running hash: order-sensitive and well spread.
  std::uint64_t z = h ^ (v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t digest(const Records& records) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const Record& r : records) h = mix(mix(h, r.key), static_cast<std::uint64_t>(r.value));
  return h;
}

std::vector<int> JobSpec::children(int stage) const {
  std::vector<int> out;
  for (const StageSpec& s : stages) {
    if (std::find(s.parents.begin(), s.parents.end(), stage) != s.parents.end()) {
      out.push_back(s.index);
    }
  }
  return out;
}

JobSpec make_job(JobId id, Shape shape, int map_partitions, int reduce_partitions, int records,
                 int keys, bool poisoned) {
  FAULTLINE_ASSERT(map_partitions > 0 && reduce_partitions > 0 && keys > 0,
                   "a job has partitions and keys");
  JobSpec job{.id = id,
              .shape = shape,
              .map_partitions = map_partitions,
              .reduce_partitions = reduce_partitions,
              .records = records,
              .keys = keys,
              .poisoned = poisoned};
  const int m = map_partitions;
  const int r = reduce_partitions;
  using K = StageKind;
  switch (shape) {
    case Shape::chain2:
      job.stages = {{0, K::input_map, 0, {}, m, r, false}, {1, K::result, 0, {0}, r, 0, false}};
      break;
    case Shape::chain3:
      job.stages = {{0, K::input_map, 0, {}, m, r, false},
                    {1, K::shuffle_map, 0, {0}, r, r, true},
                    {2, K::result, 0, {1}, r, 0, false}};
      break;
    case Shape::join:
      job.stages = {{0, K::input_map, 0, {}, m, r, false},
                    {1, K::input_map, 1, {}, m, r, false},
                    {2, K::result, 0, {0, 1}, r, 0, false}};
      break;
  }
  return job;
}

Records input_partition(const JobSpec& job, int dataset, int partition) {
  Records out;
  out.reserve(static_cast<std::size_t>(job.records) + 1);
  const std::uint64_t base = mix(mix(mix(0x5eed, job.id), static_cast<std::uint64_t>(dataset)),
                                 static_cast<std::uint64_t>(partition));
  for (int i = 0; i < job.records; ++i) {
    const std::uint64_t h = mix(base, static_cast<std::uint64_t>(i));
    out.push_back({static_cast<Key>(h % static_cast<std::uint64_t>(job.keys)),
                   static_cast<Value>((h >> 32) % 100 + 1)});
  }
  if (job.poisoned && dataset == 0 && partition == 0) out.push_back({kPoisonKey, 1});
  return out;
}

Records combine(const Records& in) {
  std::map<Key, Value> sums;
  for (const Record& r : in) sums[r.key] += r.value;
  Records out;
  out.reserve(sums.size());
  for (const auto& [k, v] : sums) out.push_back({k, v});
  return out;
}

TaskOutput run_task(const StageSpec& stage, const Records& input) {
  TaskOutput out;
  for (const Record& r : input) {
    if (r.key == kPoisonKey) {
      out.poisoned = true;
      return out;
    }
  }
  Records sums = combine(input);
  if (!stage.writes_shuffle()) {
    out.blocks.push_back(std::move(sums));
    return out;
  }
  if (stage.halve_keys) {
    for (Record& r : sums) r.key /= 2;
    sums = combine(sums);
  }
  FAULTLINE_ASSERT(stage.out_partitions > 0, "a shuffle-writing stage has consumers");
  out.blocks.resize(static_cast<std::size_t>(stage.out_partitions));
  for (const Record& r : sums) {
    out.blocks[r.key % static_cast<Key>(stage.out_partitions)].push_back(r);
  }
  return out;
}

Records expected_result(const JobSpec& job) {
  Records all;
  for (const StageSpec& s : job.stages) {
    if (s.kind != StageKind::input_map) continue;
    for (int p = 0; p < s.partitions; ++p) {
      const Records in = input_partition(job, s.dataset, p);
      all.insert(all.end(), in.begin(), in.end());
    }
  }
  Records sums = combine(all);
  for (const StageSpec& s : job.stages) {
    if (!s.halve_keys) continue;
    for (Record& r : sums) r.key /= 2;
    sums = combine(sums);
  }
  return sums;
}

}  // namespace faultline::scheduler
