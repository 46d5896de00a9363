#!/bin/bash
# A campaign run as 4 shards under GNU parallel and merged with fuzz --merge gives the
# same results, seed for seed, as one process running all the seeds.
source "$(dirname "$0")/campaign_lib.sh"
command -v parallel >/dev/null ||
  skip "GNU parallel is not installed (scripts/install-deps --with-campaigns installs it; CI does)"
parallel --version 2>/dev/null | grep -q "GNU parallel" ||
  skip "'parallel' here is not GNU parallel (moreutils has one of that name)"

seeds=300
# A planted bug that some seeds find and others do not: the comparison covers both kinds
# of line. --seed-start other than 1 so that a shard numbering off by the start shows.
campaign=(--protocol paxos --bug forget-promise --seeds "$seeds" --seed-start 1001)

expect_status "0 1" "$FAULTLINE" fuzz "${campaign[@]}" --jobs 1 --results "$work/one.jsonl" >/dev/null
# The command docs/campaigns.md shows, with a job log to read each shard's exit status.
parallel --will-cite --jobs 2 --joblog "$work/joblog" \
  "$FAULTLINE" fuzz "${campaign[@]}" --shard {}/4 --results "$work/shard-{}.jsonl" \
  ::: 0 1 2 3 >/dev/null || true
# shellcheck disable=SC2016  # awk's fields, not the shell's
check "every shard finished (exit 0 or 1, no signal)" \
  awk 'NR > 1 && ($7 > 1 || $8 != 0) { bad = 1 } END { exit bad || NR != 5 }' "$work/joblog"
expect_status "0 1" "$FAULTLINE" fuzz --merge "$work"/shard-{0,1,2,3}.jsonl --results "$work/merged.jsonl" >/dev/null

check "one process ran every seed once" test "$(seeds_of "$work/one.jsonl")" = "$(seq 1001 1300)"
check "the shards split the seeds: $(lines "$work/shard-0.jsonl") + $(lines "$work/shard-1.jsonl") + \
$(lines "$work/shard-2.jsonl") + $(lines "$work/shard-3.jsonl") = $seeds" \
  test $(($(lines "$work/shard-0.jsonl") + $(lines "$work/shard-1.jsonl") + $(lines "$work/shard-2.jsonl") + $(lines "$work/shard-3.jsonl"))) = $seeds
check "shard 2 of 4 ran the seeds 1003, 1007, ..." test "$(seeds_of "$work/shard-2.jsonl")" = "$(seq 1003 4 1300)"
found=$(violations "$work/one.jsonl")
check "some seeds found the bug and some did not ($found of $seeds failed)" test "$found" -gt 0 -a "$found" -lt $seeds
check "merged shards = one process (all lines but wall_ms)" \
  cmp -s <(normalized "$work/merged.jsonl") <(normalized "$work/one.jsonl")
echo "passed: $seeds seeds, $found failing, 4 shards under GNU parallel = one process"
