# shellcheck shell=bash
# Sourced by the scripts that run the Node.js tests (scripts/test-api.sh, tests/crash/run.sh):
# a temporary directory $TMP and, on request, a throwaway PostgreSQL 15 cluster, both
# removed when the script exits, also when a test fails or the run is interrupted.
#
#   . scripts/test-tmp.sh NAME       # NAME: the prefix of the directory and of messages
#   pg_start_into VAR                # a cluster (scripts/pg-tmp.sh), its URL in VAR, stopped at exit
#
# DJ_KEEP_TMP=1 keeps $TMP. Needs $root (the repository).
# shellcheck disable=SC2154  # root is set by the script that sources this one
test_tmp_name=$1
: "${root:?scripts/test-tmp.sh needs the variable root (the repository)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-$test_tmp_name.XXXXXX")
PGDIR=""
# shellcheck disable=SC2317  # called through the EXIT trap
test_tmp_cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$PGDIR" ]; then
        "$root/scripts/pg-tmp.sh" stop "$PGDIR" || echo "$test_tmp_name: could not stop PostgreSQL in $PGDIR" >&2
    fi
    if [ "${DJ_KEEP_TMP:-}" = 1 ]; then
        echo "$test_tmp_name: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap test_tmp_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Start the cluster and set the variable named $1 to its URL. A directory of its own: as
# root the cluster belongs to the postgres user, which could not enter $TMP (mode 700).
pg_start_into() {
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-$test_tmp_name-pg.XXXXXX")
    local url
    url=$("$root/scripts/pg-tmp.sh" start "$PGDIR")
    printf -v "$1" '%s' "$url"
}
