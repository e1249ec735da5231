#!/usr/bin/env bash
# The crash trials (make test-crash): tests/crash/crash.mjs on SQLite and on a throwaway
# PostgreSQL 15 cluster (scripts/pg-tmp.sh), always stopped and removed on exit.
#
#   tests/crash/run.sh                       # CRASH_TRIALS (30) per operation per backend
#   CRASH_TRIALS=3 CRASH_MEMBERS=1000 CRASH_EVENTS=20000 tests/crash/run.sh   # make test's run
#   CRASH_BACKENDS=sqlite CRASH_OPS=dues-confirm CRASH_VERBOSE=1 tests/crash/run.sh
#
# The other CRASH_* variables are read by crash.mjs (see its head). ./dangjian must be built.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ ! -x "$root/dangjian" ]; then
    echo "test-crash: $root/dangjian is missing: build it first (make)" >&2
    exit 1
fi
scripts/test-npm.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-crash.XXXXXX")
PGDIR=""
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$PGDIR" ]; then
        "$root/scripts/pg-tmp.sh" stop "$PGDIR" || echo "test-crash: could not stop PostgreSQL in $PGDIR" >&2
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

backends=${CRASH_BACKENDS:-sqlite,postgres}
CRASH_PG_URL=""
case ",$backends," in
*,postgres,*)
    # as root the cluster belongs to the postgres user, which could not enter $TMP
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-crash-pg.XXXXXX")
    CRASH_PG_URL=$("$root/scripts/pg-tmp.sh" start "$PGDIR")
    ;;
esac

echo "== crash trials (${backends}) =="
export CRASH_TMP="$TMP" CRASH_PG_URL CRASH_BACKENDS="$backends" DJ_BIN="$root/dangjian"
node tests/crash/crash.mjs
