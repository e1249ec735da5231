#!/usr/bin/env bash
# make test-cluster: the cluster (scripts/cluster.sh) with a small demo company in its own state
# directory, then tests/cluster/failover.mjs against it (start-up failures, reads from the
# standby, a serve killed, the primary killed), then down: no process, port or directory
# left behind, also when the test fails (the logs' last lines are printed first).
#
# Environment: CLUSTER_DIR (default build/cluster-test), CLUSTER_DEMO (the demo's size,
# default --orgs 60 --members 500 --months 2), CLUSTER_TEST_TIMEOUT (seconds for the test
# itself, default 240).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CLUSTER_DIR=${CLUSTER_DIR:-build/cluster-test}
export CLUSTER_DEMO=${CLUSTER_DEMO:---orgs 60 --members 500 --months 2}
start=$SECONDS

# a run interrupted before left its cluster: stop it first
[ ! -f "$CLUSTER_DIR/env" ] || scripts/cluster.sh down

show_logs() {
    local f
    for f in "$CLUSTER_DIR"/log/*.log; do
        [ -f "$f" ] || continue
        echo "--- last lines of $f"
        tail -n 15 "$f"
    done
}

finish() {
    local rc=$?
    [ "$rc" = 0 ] || show_logs
    scripts/cluster.sh down || rc=1
    echo "test-cluster: $([ "$rc" = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
    exit "$rc"
}
trap finish EXIT

echo "== test-cluster: the cluster with the demo company ($CLUSTER_DEMO)"
up_log=$(mktemp)
scripts/cluster.sh up >"$up_log"
sed -n '2,5p' "$up_log"
rm -f "$up_log"
echo "== test-cluster: failover under load"
timeout "${CLUSTER_TEST_TIMEOUT:-240}" node tests/cluster/failover.mjs --env "$CLUSTER_DIR/env"
