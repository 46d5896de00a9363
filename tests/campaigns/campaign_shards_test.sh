#!/bin/bash
# --shard I/N splits the seeds from --seed-start into N disjoint sets whose union is the
# campaign, also when N does not divide the count and when a shard gets no seed at all
# (a job array larger than the campaign), which must end at once, not run for ever.
source "$(dirname "$0")/campaign_lib.sh"

for shard in 0 1 2; do
  expect_status "0 1" timeout 60 "$FAULTLINE" fuzz --protocol echo --seeds 7 --seed-start 5 \
    --shard "$shard/3" --results "$work/s$shard.jsonl" >/dev/null
done
check "shard 0/3 of 7 seeds from 5 ran 5, 8, 11" test "$(seeds_of "$work/s0.jsonl" | tr '\n' ' ')" = "5 8 11 "
check "shard 2/3 ran 7, 10" test "$(seeds_of "$work/s2.jsonl" | tr '\n' ' ')" = "7 10 "
check "the three shards ran seeds 5 to 11 once each" \
  test "$(cat "$work"/s?.jsonl > "$work/all.jsonl"; seeds_of "$work/all.jsonl" | tr '\n' ' ')" = "5 6 7 8 9 10 11 "

status=0
timeout 60 "$FAULTLINE" fuzz --protocol echo --seeds 2 --shard 3/4 --results "$work/none.jsonl" --json \
  >"$work/none.out" 2>&1 || status=$?
check "a shard with no seeds ends at once with exit 0 (got $status; 124 is the timeout)" test $status = 0
check "and ran no seed: $(tail -n 1 "$work/none.out")" grep -q '"seeds_run":0' "$work/none.out"
check "and wrote no result" test ! -s "$work/none.jsonl"

status=0
"$FAULTLINE" fuzz --protocol echo --seeds 4 --shard 4/4 >/dev/null 2>"$work/bad.err" || status=$?
check "--shard 4/4 is bad input (exit 2, got $status) naming the option" \
  grep -q -- "--shard 4/4" "$work/bad.err"
test $status = 2 || fail "--shard 4/4 exited $status"
echo "passed: shards split seeds exactly; an empty shard ends at once"
