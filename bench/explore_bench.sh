#!/bin/sh
# The explorer's numbers for bench/README.md: reductions on the default Paxos preset, the
# issue's lossy preset, 2PC, the Stateright-equivalent presets, and every Paxos planted bug.
# Usage: bench/explore_bench.sh [build/faultline] [twopc|symmetry|stateright]   (single-
# threaded; one run at a time; with "twopc", only the rows of 2PC's stateright preset; with
# "symmetry", only the table of 2PC's stateright preset with and without --symmetry; with
# "stateright", only the table of Stateright's two models: paxos register, 2PC twophase)
F=${1:-build/faultline}
# One row of the symmetry table: label, then explore's arguments. Every run gets 600 s and
# 12 GiB (a shared machine); the load average before it is in the last column.
row_symmetry() {
  label=$1; shift
  load=$(uptime | sed 's/.*load average: //; s/,.*//')
  /usr/bin/time -f "%M" -o /tmp/explore_bench_rss "$F" explore "$@" --time-budget 600 --max-memory 12288 --json > /tmp/explore_bench_out 2>/dev/null
  rss=$(tail -n 1 /tmp/explore_bench_rss)
  tail -n 1 /tmp/explore_bench_out | python3 -c "
import json, sys
j = json.loads(sys.stdin.read())
print('| %s | %s | %s | %s | %d | %d | %d | %.2f | %d | %s | %s |' % ('$label', j['strategy'] + ('+' + j['reduction'] if j['strategy'] == 'dfs' else ''),
      'yes' if j['symmetry'] else 'no', j['verdict'], j['states'], j['transitions'], j['terminal_states'], j['elapsed_s'], $rss // 1024,
      'yes' if j['exhaustive'] else 'no: ' + j.get('stop_reason', ''), '$load'))"
}
if [ "$2" = stateright ]; then
  # Stateright's two examples, the same models: paxos's register preset (its Paxos
  # example) and 2PC's twophase preset (TLA+'s TwoPhase, its 2PC example).
  echo "| configuration | search | symmetry | verdict | states | transitions | terminal | seconds | peak MB | exhaustive | load |"
  echo "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
  for n in 2 3; do
    for s in "--strategy dfs --por sleep" "--strategy dfs --por none" "--strategy bfs" "--strategy dfs --por dpor"; do
      row_symmetry "paxos register clients=$n" --protocol paxos --preset register --set clients=$n $s
    done
  done
  for n in 3 5 7 8 9; do
    for s in "--strategy dfs --por sleep" "--strategy dfs --por none" "--strategy bfs"; do
      row_symmetry "twopc twophase N=$n" --protocol twopc --preset twophase --set participants=$n $s
    done
    # DPOR re-executes: within 600 s up to 8 RMs.
    [ "$n" -le 8 ] && row_symmetry "twopc twophase N=$n" --protocol twopc --preset twophase --set participants=$n --strategy dfs --por dpor
  done
  exit 0
fi
if [ "$2" = symmetry ]; then
  echo "| configuration | search | symmetry | verdict | states | transitions | terminal | seconds | peak MB | exhaustive | load |"
  echo "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
  for n in 2 3 4 5; do
    for s in "--strategy bfs" "--strategy dfs --por none" "--strategy dfs --por sleep"; do
      row_symmetry "twopc stateright N=$n" --protocol twopc --preset stateright --set participants=$n $s
    done
    for s in "--strategy bfs" "--strategy dfs --por none"; do
      row_symmetry "twopc stateright N=$n" --protocol twopc --preset stateright --set participants=$n $s --symmetry
    done
  done
  for n in 6 7 8 9; do
    for s in "--strategy dfs --por none" "--strategy bfs"; do
      row_symmetry "twopc stateright N=$n" --protocol twopc --preset stateright --set participants=$n $s --symmetry
    done
  done
  exit 0
fi
row() {  # label, then explore's arguments
  label=$1; shift
  /usr/bin/time -f "%M" -o /tmp/explore_bench_rss "$F" explore "$@" --json > /tmp/explore_bench_out 2>/dev/null
  rss=$(tail -n 1 /tmp/explore_bench_rss)  # time(1) writes "exited with status" first
  tail -n 1 /tmp/explore_bench_out >> /tmp/explore_bench_all.jsonl
  tail -n 1 /tmp/explore_bench_out | python3 -c "
import json, sys
j = json.loads(sys.stdin.read())
c = j.get('counterexample') or j.get('liveness')
found = '%s %d steps%s' % (c['finding'], c['length'], '' if c['replay']['reproduced'] else ' NOT REPRODUCED') if c else '-'
print('| %s | %s | %s | %d | %d | %d | %.2f | %d | %s | %s |' % ('$label', j['strategy'] + ('+' + j['reduction'] if j['strategy'] == 'dfs' else ''),
      j['verdict'], j['states'], j['transitions'], j.get('executions', 0), j['elapsed_s'], $rss // 1024,
      'yes' if j['exhaustive'] else 'no', found))"
}
echo "| configuration | search | verdict | states | transitions | executions | seconds | peak MB | exhaustive | found |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
# 2PC against Stateright's 2PC example: N participants; a search that does not finish
# within 60 s says so (not exhaustive).
for n in 2 3; do
  for s in "--strategy dfs --por sleep" "--strategy dfs --por none" "--strategy bfs" "--strategy dfs --por dpor"; do
    row "twopc stateright N=$n" --protocol twopc --preset stateright --set participants=$n $s --time-budget 60
  done
done
row "twopc stateright N=4" --protocol twopc --preset stateright --set participants=4 --strategy dfs --por sleep
row "twopc stateright N=5" --protocol twopc --preset stateright --set participants=5 --strategy dfs --por sleep --time-budget 900
for n in 8 9; do
  for s in "--strategy dfs --por sleep" "--strategy dfs --por none" "--strategy bfs" "--strategy dfs --por dpor"; do
    row "twopc stateright N=$n" --protocol twopc --preset stateright --set participants=$n $s --time-budget 60
  done
done
[ "$2" = twopc ] && exit 0
for s in "--strategy bfs" "--strategy dfs --por none" "--strategy dfs --por sleep" "--strategy dfs --por dpor"; do
  row "paxos small" --protocol paxos $s
done
row "paxos lossy" --protocol paxos --preset lossy
row "twopc blocking" --protocol twopc
row "twopc blocking, simulator" --protocol twopc --engine simulator --strategy dfs --por sleep --time-budget 120
for s in "--strategy dfs --por dpor" "--strategy dfs --por sleep" "--strategy bfs"; do
  row "paxos stateright" --protocol paxos --preset stateright $s --time-budget 120
done
for b in ignore-accepted-value quorum-off-by-one accept-lower-ballot; do
  row "paxos small, $b" --protocol paxos --bug $b
done
for b in forget-promise forget-accepted ballot-reuse; do
  row "paxos restart, $b" --protocol paxos --preset restart --strategy bfs --bug $b
done
row "paxos small 3 proposers, any-accepted-value" --protocol paxos --set proposers=3 --bug any-accepted-value --strategy dfs --por dpor --time-budget 120
row "paxos small 3 proposers, any-accepted-value, shortest" --protocol paxos --set proposers=3 --bug any-accepted-value --shortest
for seed in 1 2 3 4 5; do
  row "paxos small 3 proposers, any-accepted-value, pct seed $seed" --protocol paxos --set proposers=3 --bug any-accepted-value --strategy pct --walks 1000000 --seed $seed --time-budget 120
done
