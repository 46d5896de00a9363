#!/bin/bash
# A campaign stopped by SIGTERM (as Slurm stops a job), then by SIGINT (Ctrl-C), then cut
# off in the middle of writing a line (as SIGKILL or a full disk can leave it), and run
# again each time with the same --results, ends with every seed exactly once — and with
# the same results as a campaign that was never stopped.
source "$(dirname "$0")/campaign_lib.sh"

seeds=${CAMPAIGN_RESUME_SEEDS:-300}
results=$work/results.jsonl
interrupts=0
campaign=(fuzz --protocol paxos --bug ballot-reuse --seeds "$seeds" --jobs 2 --results "$results")

# Starts the campaign, waits until it has written `after` more lines, sends the signal,
# and expects the exit status of a campaign ended by it.
interrupt() {  # interrupt SIGNAL STATUS
  local signal=$1 want=$2 before pid status=0 i
  before=$(lines "$results" 2>/dev/null || echo 0)
  "$FAULTLINE" "${campaign[@]}" >/dev/null 2>>"$work/stderr" &
  pid=$!
  for ((i = 0; i < 600; i++)); do
    [ "$(lines "$results" 2>/dev/null || echo 0)" -ge $((before + 10)) ] && break
    sleep 0.05
  done
  kill -"$signal" "$pid" 2>/dev/null || true
  wait "$pid" || status=$?
  check "SIG$signal ended the campaign with exit $want (got $status)" test $status = "$want"
  check "the campaign said it stopped and kept its seeds (not killed outright)" \
    test "$(grep -c 'fuzz: interrupted; [0-9]* finished seeds were kept' "$work/stderr")" = $((++interrupts))
  check "SIG$signal came before the end: $(lines "$results") of $seeds seeds written" \
    test "$(lines "$results")" -lt "$seeds"
  check "every line written so far is whole" test "$(tail -c 1 "$results" | od -An -c | tr -d ' ')" = '\n'
}

interrupt TERM 143
after_term=$(lines "$results")
interrupt INT 130
check "the second run went on from the first ($after_term, then $(lines "$results") seeds)" \
  test "$(lines "$results")" -gt "$after_term"
check "no seed ran twice so far" test -z "$(seeds_of "$results" | uniq -d)"

# A line cut off in the middle: half of a real line, no newline. Its seed runs again.
torn_seed=$(comm -13 <(seeds_of "$results" | sort) <(seq 1 "$seeds" | sort) | sort -n | head -n 1)
"$FAULTLINE" fuzz --protocol paxos --bug ballot-reuse --seeds 1 --seed-start "$torn_seed" \
  --results "$work/one-line.jsonl" >/dev/null || true
head -c 40 "$work/one-line.jsonl" >>"$results"

expect_status "0 1" "$FAULTLINE" "${campaign[@]}" >/dev/null 2>>"$work/stderr"
check "the cut-off line was reported: $(grep 'cut-off' "$work/stderr" || true)" grep -q "cut-off line (40 bytes)" "$work/stderr"
check "the resumed campaign skipped the seeds it had" grep -q "holds [0-9]* finished seeds; this campaign skips those in its range" "$work/stderr"
check "every one of the $seeds seeds is there exactly once" test "$(seeds_of "$results")" = "$(seq 1 "$seeds")"
found=$(violations "$results")
check "some seeds found the bug and some did not ($found of $seeds failed)" test "$found" -gt 0 -a "$found" -lt "$seeds"

expect_status "0 1" "$FAULTLINE" fuzz --protocol paxos --bug ballot-reuse --seeds "$seeds" --jobs 2 \
  --results "$work/straight.jsonl" >/dev/null 2>&1
check "stopped three times and resumed = never stopped (all lines but wall_ms)" \
  cmp -s <(normalized "$results") <(normalized "$work/straight.jsonl")
echo "passed: $seeds seeds, stopped by SIGTERM, SIGINT and a cut-off line, resumed to the same results"
