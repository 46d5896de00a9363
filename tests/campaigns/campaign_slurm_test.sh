#!/bin/bash
# A campaign run as a Slurm job array (scripts/slurm-fuzz: 4 array tasks, then a merge
# job that depends on them) on a one-node Slurm started here by scripts/slurm-local gives
# the same results, seed for seed, as one process running all the seeds.
source "$(dirname "$0")/campaign_lib.sh"
for tool in sbatch slurmctld slurmd munged; do
  command -v $tool >/dev/null || skip "$tool is not installed (scripts/install-deps --with-campaigns)"
done
[ "$(id -u)" = 0 ] || skip "the local Slurm's slurmd needs root"

# A cluster of its own (its own state directory and free ports), stopped when the test ends.
chmod 711 "$work"  # munged needs every directory above its socket searchable
export FAULTLINE_SLURM_DIR=$work/slurm
eval "$("$SOURCE_DIR/scripts/slurm-local" start)"
cleanups+=("'$SOURCE_DIR/scripts/slurm-local' stop")
check "the local cluster answers" "$SOURCE_DIR/scripts/slurm-local" status

seeds=120
campaign=(--protocol paxos --bug forget-promise --seeds "$seeds" --seed-start 501)
expect_status "0 1" "$FAULTLINE" fuzz "${campaign[@]}" --results "$work/one.jsonl" >/dev/null

status=0
FAULTLINE=$FAULTLINE "$SOURCE_DIR/scripts/slurm-fuzz" --shards 4 --wait "$work/camp" -- "${campaign[@]}" \
  >"$work/submit.out" 2>&1 || status=$?
cat "$work/submit.out"
found=$(violations "$work/one.jsonl")
check "the merge job exited 1: the campaign found failures (got $status)" test $status = 1
check "four shard files, from array tasks 0-3" \
  test "$(find "$work/camp" -name 'shard-[0-3]-of-4.jsonl' | wc -l)" = 4
check "each array task logged its shard" test "$(cat "$work"/camp/slurm-*_*.out | grep -c 'fuzz-array: task [0-3] .*shard [0-3]/4')" = 4
check "the summary counts $seeds seeds, $found failing: $(cat "$work/camp/summary.json")" \
  grep -q "\"failures\":$found,.*\"seeds_run\":$seeds" "$work/camp/summary.json"
check "some seeds found the bug and some did not ($found of $seeds failed)" test "$found" -gt 0 -a "$found" -lt $seeds
check "Slurm's merged results = one process (all lines but wall_ms)" \
  cmp -s <(normalized "$work/camp/merged.jsonl") <(normalized "$work/one.jsonl")

# Submitted again, the array resumes: every shard skips all its seeds, the merge is the same.
cp "$work/camp/merged.jsonl" "$work/first-merge.jsonl"
status=0
FAULTLINE=$FAULTLINE "$SOURCE_DIR/scripts/slurm-fuzz" --shards 4 --wait "$work/camp" -- "${campaign[@]}" \
  >"$work/again.out" 2>&1 || status=$?
check "the resubmitted campaign exits 1 again (got $status)" test $status = 1
check "every resubmitted shard skipped the seeds it had" \
  test "$(cat "$work"/camp/slurm-*_*.out | grep -c 'holds [0-9]* finished seeds; this campaign skips those in its range')" = 4
check "and ran none again: the shards still hold $seeds lines" \
  test "$(cat "$work"/camp/shard-*.jsonl | wc -l)" = $seeds
check "the merge is unchanged" cmp -s "$work/first-merge.jsonl" "$work/camp/merged.jsonl"
echo "passed: $seeds seeds as a 4-task Slurm job array + merge job = one process; resubmitted, it resumes"
