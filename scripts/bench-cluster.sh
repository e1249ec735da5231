#!/usr/bin/env bash
# make bench-cluster: the cluster (scripts/cluster.sh) in its own state directory, then
#   1. GET /api/v1/portraits/members/{id} through HAProxy under wrk (BENCH_SECONDS, default 10;
#      BENCH_CONNECTIONS, default 32), 16 members' sessions in turn, with one serve enabled in
#      HAProxy and then with two; portraits are reads that may lag, so they run on the standby;
#   2. the failover window: one event batch POSTed through HAProxy every 50 ms while the
#      primary's postmaster is killed with SIGKILL, from the kill to the first accepted batch
#      after the failures, and the failed requests in between.
# Then down. Figures are printed, never judged. CLUSTER_DEMO: the demo's size (default
# --orgs 150 --members 2000 --months 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CLUSTER_DIR=${CLUSTER_DIR:-build/cluster-bench}
export CLUSTER_DEMO=${CLUSTER_DEMO:---orgs 150 --members 2000 --months 3}
DURATION=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench-cluster.XXXXXX")

[ ! -f "$CLUSTER_DIR/env" ] || scripts/cluster.sh down
finish() {
    local rc=$?
    scripts/cluster.sh down || rc=1
    rm -rf "$TMP"
    exit "$rc"
}
trap finish EXIT

scripts/cluster.sh up >"$TMP/up.log"
sed -n '2,3p' "$TMP/up.log"
# shellcheck disable=SC1091
. "$CLUSTER_DIR/env"

# HAProxy's runtime API on its admin socket: "disable server serves/s2" and the like
haproxy_cmd() {
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((sys.argv[2] + "\n").encode())
print(s.recv(65536).decode().strip())' "$CLUSTER_DIR/run/haproxy.sock" "$1"
}

# 16 members' sessions: the Lua script gives each wrk request the next one
psql -X -At -d "$DB_URL" -c "SELECT a.login FROM accounts a JOIN members m ON m.id = a.member_id
    JOIN account_roles r ON r.account_id = a.id AND r.role = 'member'
    WHERE a.login = m.emp_no ORDER BY a.id LIMIT 16" >"$TMP/logins"
python3 - "$ENTRY_URL" "$TMP/logins" >"$TMP/portraits.lua" <<'EOF'
import json, sys, urllib.request
base, logins = sys.argv[1], open(sys.argv[2]).read().split()
pairs = []
for login in logins:
    req = urllib.request.Request(base + "/api/v1/auth/login", method="POST",
                                 data=json.dumps({"login": login, "password": "dangjian2024"}).encode(),
                                 headers={"Content-Type": "application/json"})
    d = json.load(urllib.request.urlopen(req, timeout=30))
    pairs.append((d["token"], d["account"]["member"]["id"]))
print("local s = {" + ",".join('{"%s",%d}' % p for p in pairs) + "}")
print("local i = 0")
print("request = function()")
print("  i = i + 1; local x = s[i % #s + 1]")
print('  return wrk.format("GET", "/api/v1/portraits/members/" .. x[2], {["Authorization"] = "Bearer " .. x[1]})')
print("end")
EOF

# wrk → "requests/s p99"
measure() {
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$TMP/portraits.lua" "$ENTRY_URL" 2>&1)
    echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')"
}

nserves=$(echo "$SERVE_PORTS" | wc -w)
for i in $(seq 2 "$nserves"); do haproxy_cmd "disable server serves/s$i" >/dev/null; done
read -r one_rps one_p99 < <(measure)
for i in $(seq 2 "$nserves"); do haproxy_cmd "enable server serves/s$i" >/dev/null; done
sleep 1.5 # the health checks mark them up again
read -r all_rps all_p99 < <(measure)
echo "cluster: GET /api/v1/portraits/members/{id} through HAProxy, wrk ${DURATION}s, $CONNS connections, 16 sessions (demo $CLUSTER_DEMO)"
printf '  %-16s %10s req/s  p99 %s\n' "1 serve" "$one_rps" "$one_p99"
printf '  %-16s %10s req/s  p99 %s\n' "$nserves serves" "$all_rps" "$all_p99"

# the failover window, seen by a client writing through HAProxy
node=""
for n in 1 2; do
    port=$([ "$n" = 1 ] && echo "$REST1" || echo "$REST2")
    curl -fs -m 2 -o /dev/null "http://127.0.0.1:$port/primary" && node=$n
done
[ -n "$node" ] || { echo "bench-cluster: no primary" >&2; exit 1; }
probe() { # $1: sequence number → HTTP status of one event batch
    curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'X-API-Key: demo-api-key-0123456789' \
        -H 'Content-Type: application/json' \
        -d "[{\"key\":\"bench-failover-$$-$1\",\"emp_no\":\"$(head -n 1 "$TMP/logins")\",\"indicator\":\"study.hours\",\"date\":\"2026-11-20\",\"value\":1}]" \
        "$ENTRY_URL/api/v1/events" || true
}
for i in $(seq 1 20); do probe "w$i" >/dev/null; done
pm=$(head -n 1 "$CLUSTER_DIR/pg$node/data/postmaster.pid")
killed=$(date +%s%N)
kill -KILL "$pm"
failed=0 back="" i=0 codes=""
while [ $(($(date +%s%N) - killed)) -lt 90000000000 ]; do
    i=$((i + 1))
    code=$(probe "$i")
    if [ "$code" = 200 ] || [ "$code" = 201 ]; then
        if [ "$failed" -gt 0 ]; then
            back=$(date +%s%N)
            break
        fi
    else
        failed=$((failed + 1))
        codes="$codes $code"
    fi
    sleep 0.05
done
if [ -n "$back" ]; then
    echo "cluster: failover (kill -9 of the primary's postmaster, pg$node): writes accepted again after" \
        "$(awk -v a="$killed" -v b="$back" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s;" \
        "$failed of $i requests (one every 50 ms) failed meanwhile (HTTP status × count:" \
        "$(echo "$codes" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf " %s×%s", $2, $1}'))"
else
    echo "cluster: failover: writes were not accepted again within 90 s ($failed failed)"
    exit 1
fi
