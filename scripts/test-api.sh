#!/usr/bin/env bash
# Run the API tests (tests/api/*.test.mjs, Node's built-in test runner) against ./dangjian
# on one database backend.
#
#   scripts/test-api.sh sqlite|postgres [TEST_FILE...]
#
# Run from anywhere; it works from the repository root.  ./dangjian must be built (make).
# For postgres a throwaway PostgreSQL 15 cluster is started with scripts/pg-tmp.sh and is
# always stopped and removed on exit, also when a test fails or the run is interrupted.
# The test files start their own servers (tests/api/lib.mjs); this script only provides:
#   DJ_BIN      absolute path of ./dangjian
#   DJ_DB       database URL: $DJ_TMP/test.db, or postgresql://postgres@127.0.0.1:PORT/dangjian
#   DJ_BACKEND  sqlite | postgres
#   DJ_TMP      a temporary directory for this run (removed at the end; DJ_KEEP_TMP=1 keeps it)
# Extra arguments name test files to run instead of all of tests/api/.
set -euo pipefail

usage() {
    echo "usage: $0 sqlite|postgres [TEST_FILE...]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
backend=$1
shift
case "$backend" in
sqlite | postgres) ;;
*) usage ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x "$root/dangjian" ]; then
    echo "test-api: $root/dangjian is missing: build it first (make)" >&2
    exit 1
fi
command -v node >/dev/null 2>&1 || {
    echo "test-api: node not found (Node.js 20 or newer runs the API tests)" >&2
    exit 1
}
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "test-api: Node.js $(node --version) is too old; version 20 or newer is needed" >&2
    exit 1
fi

# the npm packages the tests use (tests/package.json), from the committed lockfile
scripts/test-npm.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-api.XXXXXX")
PGDIR=""
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$PGDIR" ]; then
        "$root/scripts/pg-tmp.sh" stop "$PGDIR" || echo "test-api: could not stop PostgreSQL in $PGDIR" >&2
    fi
    if [ "${DJ_KEEP_TMP:-}" = 1 ]; then
        echo "test-api: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "== API tests on $backend =="

if [ "$backend" = postgres ]; then
    # a directory of its own: as root the cluster belongs to the postgres user, which could
    # not enter $TMP (mode 700, owned by root)
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-pg.XXXXXX")
    DJ_DB=$("$root/scripts/pg-tmp.sh" start "$PGDIR")
    echo "PostgreSQL: $DJ_DB"
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
    echo "test-api: API tests on $backend FAILED (node exit status $status)" >&2
fi
exit "$status"
