#!/bin/sh
# How fast the generic fuzz profile finds each planted bug of Raft: exactly
#   faultline fuzz --protocol raft --bug B --seed-start S --stop-on-first --seeds N --jobs 1
# for each bug and each seed range (S = 1, 100001, 200001, ...), timed with /usr/bin/time
# (user + sys CPU seconds: one core, whatever the machine's load). One line per run:
#   bug start seeds_run found property cpu_seconds
# then, per bug, a row of bench/README.md's table (median and worst over the ranges).
#
#   bench/raft/raft_hunts.sh [--ranges 5] [--seeds 20000] [--bug B] [--faultline build/faultline]
set -eu
ranges=5
seeds=20000
only=""
faultline=build/faultline
while [ $# -gt 0 ]; do
  case "$1" in
    --ranges) ranges=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --bug) only=$2; shift 2 ;;
    --faultline) faultline=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
bugs=$("$faultline" list --json | tail -n 1 | python3 -c '
import json, sys
for p in json.load(sys.stdin)["protocols"]:
    if p["name"] == "raft":
        print(" ".join(b["name"] for b in p["bugs"]))')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for bug in $bugs; do
  [ -n "$only" ] && [ "$only" != "$bug" ] && continue
  : > "$tmp/$bug"
  r=0
  while [ "$r" -lt "$ranges" ]; do
    start=$((1 + r * 100000))
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$faultline" fuzz --protocol raft --bug "$bug" \
      --seed-start "$start" --stop-on-first --seeds "$seeds" --jobs 1 --json \
      > "$tmp/out" 2>/dev/null || true
    tail -n 1 "$tmp/out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
c = j["campaigns"][0]
d = c["distinct_failures"]
cpu = sum(float(x) for x in open(sys.argv[4]).read().split("\n")[-2].split())
found = c["failures"] > 0
print(sys.argv[1], sys.argv[2], c["seeds_run"], "found" if found else "missed",
      (d[0]["property"] if d else "-").replace(" ", "_"), "%.2f" % cpu)
' "$bug" "$start" "$seeds" "$tmp/time" | tee -a "$tmp/$bug"
    r=$((r + 1))
  done
  python3 - "$tmp/$bug" <<'PY'
import sys, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def median(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
seeds = [int(r[2]) for r in rows]
cpu = [float(r[5]) for r in rows]
found = sum(r[3] == "found" for r in rows)
props = collections.Counter(r[4].replace("_", " ") for r in rows if r[3] == "found")
print("| `%s` | %d/%d | %g | %.2f s | %d | %.2f s | %s |" % (
    rows[0][0], found, len(rows), median(seeds), median(cpu), max(seeds), max(cpu),
    ", ".join("%s %d" % kv for kv in sorted(props.items()))))
PY
done
