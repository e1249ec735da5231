#!/usr/bin/env bash
# Run the API tests (tests/api/*.test.mjs, Node's built-in test runner) against ./dangjian
# on one database backend.
#
#   scripts/test-api.sh sqlite|postgres|citus [TEST_FILE...]
#
# Run from anywhere; it works from the repository root.  ./dangjian must be built (make).
# For postgres a throwaway PostgreSQL 15 cluster is started with scripts/pg-tmp.sh and is
# always stopped and removed on exit, also when a test fails or the run is interrupted.
# For citus the tests run on the coordinator of scripts/citus.sh (started by make test-citus,
# or by this script when it is not up, and then stopped at exit); each test database is made
# on every node with the citus extension (tests/api/lib.mjs), and `dangjian init` distributes
# it. Exit status 3 when Citus is neither vendored nor installed (skipped).
# The test files start their own servers (tests/api/lib.mjs); this script only provides:
#   DJ_BIN      absolute path of ./dangjian
#   DJ_DB       database URL: $DJ_TMP/test.db, or postgresql://postgres@127.0.0.1:PORT/dangjian
#   DJ_BACKEND  sqlite | postgres (also for citus)
#   DJ_CITUS_WORKERS  citus only: the workers' URLs, blank-separated
#   DJ_TMP      a temporary directory for this run (removed at the end; DJ_KEEP_TMP=1 keeps it)
# Extra arguments name test files to run instead of all of tests/api/.
set -euo pipefail

usage() {
    echo "usage: $0 sqlite|postgres|citus [TEST_FILE...]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
backend=$1
label=$1 # citus runs with backend=postgres (the tests' view); messages name the mode
shift
case "$backend" in
sqlite | postgres | citus) ;;
*) usage ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# ./dangjian, Node.js 20 or newer, the npm packages the tests use (tests/package.json)
scripts/test-node.sh test-api

# $TMP, and the PostgreSQL cluster started below, are removed at exit
# shellcheck source=scripts/test-tmp.sh
. scripts/test-tmp.sh test-api

echo "== API tests on $backend =="

if [ "$backend" = postgres ]; then
    pg_start_into DJ_DB
    echo "PostgreSQL: $DJ_DB"
    # the key ring of the members' personal data: with the run, not in ~/.config (every
    # throwaway cluster has a new port, so a new default file)
    export DANGJIAN_KEY_FILE=$TMP/pii.keys
elif [ "$backend" = citus ]; then
    if ! scripts/citus.sh env >/dev/null 2>&1; then
        set +e
        scripts/citus.sh up >/dev/null
        status=$?
        set -e
        [ "$status" -eq 0 ] || exit "$status" # 3: no Citus, skipped (citus.sh said so)
        citus_ours=1
        # the nodes go down before $TMP, and the tests' exit status survives it (the
        # subshell hands it to test_tmp_cleanup as $?)
        # shellcheck disable=SC2317  # called through the EXIT trap
        citus_cleanup() {
            local rc=$?
            set +e
            scripts/citus.sh down || echo "test-api: could not stop Citus" >&2
            (exit "$rc")
            test_tmp_cleanup
        }
        trap citus_cleanup EXIT
    fi
    eval "$(scripts/citus.sh env)"
    DJ_DB=$CITUS_COORDINATOR
    export DJ_CITUS_WORKERS=$CITUS_WORKERS
    echo "Citus: coordinator $DJ_DB, workers $CITUS_WORKERS${citus_ours:+ (started here)}"
    export DANGJIAN_KEY_FILE=$TMP/pii.keys
    backend=postgres
else
    DJ_DB=$TMP/test.db
fi

export DJ_BIN="$root/dangjian" DJ_DB DJ_BACKEND="$backend" DJ_TMP="$TMP"

if [ $# -eq 0 ]; then
    set -- tests/api/
fi
set +e
node --test --test-reporter=spec "$@"
status=$?
set -e
if [ "$status" -ne 0 ]; then
    echo "test-api: API tests on $label FAILED (node exit status $status)" >&2
fi
exit "$status"
