#!/usr/bin/env bash
# Operations on Citus (make test-citus, after the API suite; issue 17 item 6): a Citus cluster
# of its own (scripts/citus.sh with CITUS_STATE=build/citus/state-ops: a coordinator and two
# workers on 127.0.0.1), a small demo company loaded on the coordinator and distributed by
# `dangjian init`, two `dangjian serve` on it, then tests/citus/ops.mjs:
#
#   a. a third worker added and the shards rebalanced while the servers answer a light load
#      (sign-ins, portraits, dues payments with the provider's notices, event batches): no
#      request fails, the shards sit on three workers, everything acknowledged is stored;
#   b. one worker stopped (pg_ctl -m immediate): requests that need it answer 503
#      node_unavailable with Retry-After at once, requests that need only the coordinator keep
#      answering, and after the worker is back everything answers again without a restart.
#
# Nothing is left running: the servers and the nodes stop at exit, also when the test fails
# (the last lines of the servers' logs are printed first). Exit 0 with a line saying so when
# there is no Citus (as scripts/test-api.sh citus). Environment: CITUS_OPS_DEMO (the demo's
# size, default --orgs 60 --members 600 --months 2), CITUS_OPS_TIMEOUT (seconds for
# ops.mjs, default 150).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CITUS_STATE=$root/build/citus/state-ops
start=$SECONDS
# shellcheck source=scripts/ports.sh
. scripts/ports.sh

# a run interrupted before left its nodes: stop them first
scripts/citus.sh down

TMP=$(mktemp -d /tmp/dj-citus-ops.XXXXXX)
PIDS=()
finish() {
    local rc=$? pid f
    set +e
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
        for f in "$TMP"/serve*.log; do
            [ -f "$f" ] || continue
            echo "--- errors and warnings in $f"
            grep -a -E " (error|warn) " "$f" | tail -n 30
            echo "--- last lines of $f"
            tail -n 15 "$f"
        done
    fi
    scripts/citus.sh down || rc=1
    rm -rf "$TMP"
    [ "$rc" = 3 ] || echo "citus ops: $([ "$rc" = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
    [ "$rc" != 3 ] || rc=0 # no Citus: skipped (citus.sh said so)
    exit "$rc"
}
trap finish EXIT

echo "== citus ops: a coordinator and two workers of its own"
set +e
scripts/citus.sh up >/dev/null
status=$?
set -e
[ "$status" = 0 ] || exit "$status"
eval "$(scripts/citus.sh env)"
base=${CITUS_COORDINATOR%/*}

# The demo is written on the coordinator before the database is distributed (it runs as on
# plain PostgreSQL), then `init` places the tables and moves the rows into the shards: the
# way an installation moves from PostgreSQL to Citus.
demo=${CITUS_OPS_DEMO:---orgs 60 --members 600 --months 2}
echo "== citus ops: the demo company ($demo) in database dj_ops, then distributed"
psql -X -q -d "$base/postgres" -c 'CREATE DATABASE dj_ops'
export DANGJIAN_KEY_FILE=$TMP/pii.keys
# shellcheck disable=SC2086 # the demo's options
./dangjian demo --db "$base/dj_ops" $demo >"$TMP/demo.log" 2>&1 || {
    cat "$TMP/demo.log"
    exit 1
}
url=$(scripts/citus.sh newdb dj_ops)
./dangjian init --db "$url" | sed 's/^/  /'

# two servers on the coordinator, the web app's place a directory with one file
mkdir -p "$TMP/www"
echo '<!doctype html><title>dangjian</title>' >"$TMP/www/index.html"
ports=()
for i in 1 2; do
    port=$(pick_port)
    ./dangjian serve --db "$url" --listen "127.0.0.1:$port" --no-jobs --web "$TMP/www" \
        --per-ip-connections 0 2>"$TMP/serve$i.log" &
    PIDS+=("$!")
    ports+=("$port")
done
for port in "${ports[@]}"; do
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null ||
        { echo "citus ops: serve on port $port did not come up"; exit 1; }
done

echo "== citus ops: tests/citus/ops.mjs"
timeout "${CITUS_OPS_TIMEOUT:-150}" node tests/citus/ops.mjs --db "$url" \
    --bases "http://127.0.0.1:${ports[0]},http://127.0.0.1:${ports[1]}" \
    --pids "${PIDS[0]},${PIDS[1]}" --logs "$TMP/serve1.log,$TMP/serve2.log"
