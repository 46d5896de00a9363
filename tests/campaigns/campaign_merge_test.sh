#!/bin/bash
# fuzz --merge keeps each seed once, takes a seed's line again only when it agrees (wall
# time aside), and refuses (exit 2) results that disagree, naming both files.
source "$(dirname "$0")/campaign_lib.sh"

expect_status "0 1" "$FAULTLINE" fuzz --protocol paxos --bug forget-promise --seeds 40 \
  --results "$work/a.jsonl" >/dev/null
found=$(violations "$work/a.jsonl")
check "the campaign has failing seeds ($found of 40)" test "$found" -gt 0 -a "$found" -lt 40

# The same results again, with other wall times: one seed each, exit 1 for the failures.
sed -E 's/"wall_ms":[-+0-9.eE]+/"wall_ms":12345.5/' "$work/a.jsonl" >"$work/again.jsonl"
status=0
"$FAULTLINE" fuzz --merge "$work/a.jsonl" "$work/again.jsonl" --results "$work/m.jsonl" --json \
  >"$work/summary.json" || status=$?
check "merging agreeing copies exits 1 for the failures found (got $status)" test $status = 1
check "the merge has each of the 40 seeds once" test "$(seeds_of "$work/m.jsonl")" = "$(seq 1 40)"
check "the summary counts 40 seeds, $found failing" \
  grep -q "\"failures\":$found,.*\"seeds_run\":40" "$work/summary.json"

# Disagreements: a verdict, an event count, a simulated time. Each line of seed 7 is
# changed in one field, copied into a file of its own with seed 9's untouched line.
conflict() {  # conflict NAME SED-EXPRESSION
  local name=$1 expr=$2 b="$work/$1.jsonl" status=0
  { grep '"seed":9,' "$work/a.jsonl"; grep '"seed":7,' "$work/a.jsonl" | sed -E "$expr"; } >"$b"
  cmp -s <(grep '"seed":7,' "$b") <(grep '"seed":7,' "$work/a.jsonl") && fail "$name: the edit changed nothing"
  "$FAULTLINE" fuzz --merge "$work/a.jsonl" "$b" --results "$work/$name-out.jsonl" \
    >/dev/null 2>"$work/$name.err" || status=$?
  check "a differing $name is refused with exit 2 (got $status)" test $status = 2
  check "the message names both files: $(cat "$work/$name.err")" \
    grep -q "$b:2: seed 7 of paxos differs from the same seed in $work/a.jsonl:7" "$work/$name.err"
  check "nothing is written when the merge is refused" test ! -e "$work/$name-out.jsonl"
}
conflict verdict 's/"verdict":"(ok|violation)"/"verdict":"unknown"/'
conflict events 's/"events":([0-9]+)/"events":1\1/'
conflict sim-time 's/"sim_time_ns":([0-9]+)/"sim_time_ns":1\1/'
echo "passed: agreeing copies merge, three kinds of disagreement are refused"
