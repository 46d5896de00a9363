#!/bin/sh
# What a shrink budget buys: for every planted bug of every protocol (but Raft's
# membership-no-term-commit, whose first failure takes 30 s to find and 20,000 events to
# replay), the first failure from seed 1, exactly as
#   faultline fuzz --protocol P --bug B --stop-on-first --no-shrink --jobs 1 --out DIR
# saves it, shrunk with each budget N given:
#   faultline shrink REPRO --max-runs N --json
# timed with /usr/bin/time (user CPU seconds). One line per bug, then per budget the median
# shrunk size, how many bugs end within the issue's bound (<= 3 faults and <= 200 events),
# the sum of the shrunk events and the CPU.
#
#   bench/fuzz/shrink_budgets.sh [--faultline build/faultline] [--jobs 2] N...
set -eu
faultline=build/faultline
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --faultline) faultline=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --*) echo "unknown argument $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--faultline BIN] [--jobs J] BUDGET..." >&2; exit 2; }
faultline=$(realpath "$faultline")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$faultline" list --json | tail -n 1 | python3 -c '
import json, sys
for p in json.load(sys.stdin)["protocols"]:
    for b in p["bugs"]:
        if b["name"] != "membership-no-term-commit":
            print(p["name"], b["name"])' > "$tmp/bugs"
while read -r p b; do
  "$faultline" fuzz --protocol "$p" --bug "$b" --stop-on-first --no-shrink --jobs 1 \
    --out "$tmp/found/$p-$b" > /dev/null 2>&1 || true
done < "$tmp/bugs"
for n in "$@"; do
  mkdir -p "$tmp/n$n"
  # shellcheck disable=SC2016
  ls "$tmp"/found/*/*.json | xargs -P "$jobs" -I{} sh -c '
    name=$(basename "$(dirname "$1")")
    /usr/bin/time -f "%U" -o "$2/$name.time" "$3" shrink "$1" -o "$2/$name.out" --max-runs "$4" \
      --json 2> /dev/null | tail -n 1 > "$2/$name.json"' sh {} "$tmp/n$n" "$faultline" "$n"
done
python3 - "$tmp" "$@" <<'PY'
import glob, json, os, statistics, sys
tmp, budgets = sys.argv[1], sys.argv[2:]
rows = {}
for n in budgets:
    for f in glob.glob(f"{tmp}/n{n}/*.json"):
        name = os.path.basename(f)[:-5]
        d = json.load(open(f))
        cpu = float(open(f[:-5] + ".time").read().split()[-1])
        rows.setdefault(name, {})[n] = (d, cpu)
print("| bug | " + " | ".join(f"{n} runs" for n in budgets) + " |")
print("| --- |" + " ---: |" * len(budgets))
for name in sorted(rows):
    cells = []
    for n in budgets:
        d, cpu = rows[name][n]
        a = d["after"]
        cells.append(f"{a['faults']} f, {a['events']:,} ev, {d['runs']:,} runs, {cpu:.1f} s")
    print(f"| {name} | " + " | ".join(cells) + " |")
for n in budgets:
    after = [rows[name][n][0]["after"] for name in rows]
    within = sum(1 for a in after if a["faults"] <= 3 and a["events"] <= 200)
    cpu = sum(rows[name][n][1] for name in rows)
    print(f"{n} runs: median {statistics.median(a['faults'] for a in after)} faults, "
          f"{statistics.median(a['events'] for a in after)} events; {within} of {len(after)} "
          f"within 3 faults and 200 events; {sum(a['events'] for a in after):,} events in all; "
          f"{cpu:.1f} s of CPU")
PY
