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
scripts/test-node.sh test-crash

# $TMP, and the PostgreSQL cluster started below, are removed at exit
# shellcheck source=scripts/test-tmp.sh
. scripts/test-tmp.sh test-crash

backends=${CRASH_BACKENDS:-sqlite,postgres}
CRASH_PG_URL=""
case ",$backends," in
*,postgres,*) pg_start_into CRASH_PG_URL ;;
esac

echo "== crash trials (${backends}) =="
# one key ring for every copy of the databases (a copy is made without its .keys file)
export DANGJIAN_KEY_FILE="$TMP/personal.keys"
export CRASH_TMP="$TMP" CRASH_PG_URL CRASH_BACKENDS="$backends" DJ_BIN="$root/dangjian"
node tests/crash/crash.mjs
