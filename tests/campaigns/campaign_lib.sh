# shellcheck shell=bash disable=SC2034  # FAULTLINE, SOURCE_DIR, work: for the tests
# Sourced by the campaign tests: bash TEST.sh FAULTLINE SOURCE_DIR.
# Each test works in a temporary directory of its own, removed when it ends.
set -euo pipefail

FAULTLINE=${1:?usage: TEST.sh FAULTLINE SOURCE_DIR}
SOURCE_DIR=${2:?usage: TEST.sh FAULTLINE SOURCE_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/faultline-campaign.XXXXXX")
cleanups=("rm -rf '$work'")
run_cleanups() {
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap run_cleanups EXIT

# ctest's SKIP_RETURN_CODE is 77: a test that cannot run here says why and is skipped.
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
check() {  # check DESCRIPTION COMMAND...: fails the test, naming what did not hold
  local what=$1
  shift
  "$@" || fail "$what"
  echo "ok: $what"
}

# Runs a command whose exit status must be one of the given ones: fuzz exits 0 when
# every seed held and 1 when some seed failed, and both are a finished campaign.
expect_status() {  # expect_status "0 1" COMMAND...
  local allowed=" $1 " status=0
  shift
  "$@" || status=$?
  case "$allowed" in *" $status "*) ;; *) fail "exit $status (expected one of$allowed): $*" ;; esac
}

# A results file as a set of lines to compare: each line without its wall time (which
# differs between runs), sorted. Every line must have had one, or the format changed
# under this test.
normalized() {
  local file=$1
  grep -c '"wall_ms":' "$file" | grep -qx "$(wc -l <"$file")" || fail "$file: a line without wall_ms"
  sed -E 's/,?"wall_ms":[-+0-9.eE]+//' "$file" | LC_ALL=C sort
}

lines() { wc -l <"$1" | tr -d ' '; }
violations() { grep -c '"verdict":"violation"' "$1" || true; }

# The seeds of a results file, one a line, sorted numerically (duplicates kept).
seeds_of() { sed -E 's/.*"seed":([0-9]+).*/\1/' "$1" | sort -n; }
