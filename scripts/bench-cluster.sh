#!/usr/bin/env bash
# make bench-cluster: the cluster (scripts/cluster.sh) in its own state directory, then
#   1. GET /api/v1/portraits/members/{id} through HAProxy under wrk (BENCH_SECONDS, default 10;
#      BENCH_CONNECTIONS, default 32), 16 members' sessions in turn, with one serve enabled in
#      HAProxy and then with two; portraits are reads that may lag, so they run on the standby;
#   2. event ingestion straight to the serves (bench/ingest.mjs): BENCH_EVENTS (1,000,000)
#      events of a new source POSTed in batches of 10,000 to one serve with
#      BENCH_INGEST_CONCURRENCY (2) requests in flight, to one serve with twice as many, and to
#      two serves at once with as many each, half each and 10 % to both (duplicates across
#      the servers), the source's events deleted before each run. Every run must store the
#      same rows (count, no duplicate under the unique index, the same sums per member and
#      indicator), else the bench fails; the wait events of the serves' database sessions
#      are sampled meanwhile and printed beside the times;
#   3. scoring a month of BENCH_MEMBERS (1,000,000) members × 20 events and generating a month
#      of dues for BENCH_MEMBERS members (build/rel/bench score-scale, dues-scale) on SQLite
#      and on the cluster's primary (a database of its own, dropped after), same data set,
#      same run; BENCH_SCALE=0 skips it;
#   4. the failover window: one event batch POSTed through HAProxy every 50 ms while the
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
EVENTS=${BENCH_EVENTS:-1000000}
INGEST_CONC=${BENCH_INGEST_CONCURRENCY:-2}
MEMBERS=${BENCH_MEMBERS:-1000000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench-cluster.XXXXXX")

[ ! -f "$CLUSTER_DIR/env" ] || scripts/cluster.sh down
SAMPLER_PID=""
finish() {
    local rc=$?
    [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null || true
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

# --- 2. ingestion from one serve and from two at once, straight to the serves' ports
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_URL" "$@"; }
month=$(date -u +%Y-%m) days=$(date -u +%-d)
q -c "SELECT m.emp_no FROM members m WHERE (SELECT MAX(from_month) FROM member_orgs mo
    WHERE mo.member_id = m.id) <= ${month/-/} ORDER BY m.id" >"$TMP/members"
q -F ' ' -c "SELECT code, value_min, value_max FROM indicators WHERE scope = 'member' ORDER BY id" \
    >"$TMP/indicators"
key=$(DANGJIAN_KEY_FILE=$DANGJIAN_KEY_FILE ./dangjian source add --code bench-ingest --name 基准导入 \
    --db "$DB_URL" | sed -n 's/.*X-API-Key): *\([^ ]*\).*/\1/p')
source_id=$(q -c "SELECT id FROM sources WHERE code = 'bench-ingest'")
if [ -z "$key" ] || [ -z "$source_id" ]; then
    echo "bench-cluster: cannot add a source" >&2
    exit 1
fi
# the columns of the unique index that makes an event a duplicate (the one holding "key")
ukey=$(q -c "SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = 'events'::regclass AND i.indisunique AND NOT i.indisprimary
    GROUP BY i.indexrelid HAVING bool_or(a.attname = 'key') LIMIT 1")
[ -n "$ukey" ] || { echo "bench-cluster: no unique index on events holding key" >&2; exit 1; }

# What the source stored: "rows duplicates fingerprint total", the fingerprint an md5 of every
# member × indicator's count and sum, total the sum of the values.
stored() {
    q -F ' ' -c "SELECT (SELECT count(*) FROM events WHERE source_id = $source_id),
        (SELECT count(*) FROM (SELECT 1 FROM events WHERE source_id = $source_id
            GROUP BY $ukey HAVING count(*) > 1) d),
        (SELECT md5(string_agg(concat_ws(':', member_id, indicator_id, n, s), ','
            ORDER BY member_id, indicator_id)) FROM (SELECT member_id, indicator_id,
            count(*) AS n, round(sum(value)::numeric, 6) AS s FROM events
            WHERE source_id = $source_id GROUP BY member_id, indicator_id) g),
        (SELECT sum(value)::bigint FROM events WHERE source_id = $source_id)"
}

# Sample the wait events of the active sessions on the database every 0.2 s (one psql
# session; CPU when a session waits for nothing) into $1 until stopped.
sample_waits() {
    for _ in $(seq 1 9000); do
        echo "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend'
            AND state = 'active' AND pid <> pg_backend_pid(); SELECT pg_sleep(0.2);"
    done | psql -X -q -At -d "$DB_URL" >"$1" 2>/dev/null &
    SAMPLER_PID=$!
}
stop_waits() {
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
}
waits() { # the tally: "CPU 61%, Lock:transactionid 20%, ..." (shares of the samples)
    grep -v '^$' "$1" | sort | uniq -c | sort -rn | head -n 5 |
        awk '{ n[NR] = $1; w[NR] = $2; t += $1 } END { for (i = 1; i <= NR; i++)
            printf "%s%s %.0f%%", (i > 1 ? ", " : ""), w[i], 100 * n[i] / t; if (!t) printf "none" }'
}

# ingest_run NAME CONCURRENCY URL[,URL]: one run from a clean slate (the source's events
# deleted, the table vacuumed); "seconds sent accepted duplicate value-sum" into $TMP/NAME.run, what
# the source stored into $TMP/NAME.stored
ingest_run() {
    q -c "DELETE FROM events WHERE source_id = $source_id" -c "VACUUM (ANALYZE) events"
    sample_waits "$TMP/$1.waits"
    timeout 1800 node bench/ingest.mjs --servers "$3" --key "$key" --members "$TMP/members" \
        --indicators "$TMP/indicators" --month "$month" --days "$days" --events "$EVENTS" \
        --concurrency "$2" --timeout 1700 >"$TMP/$1.json"
    stop_waits
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(r.seconds, r.sent, r.accepted, r.duplicate, r.value_sum)' "$TMP/$1.json" >"$TMP/$1.run"
    stored >"$TMP/$1.stored"
}
read -r sp1 sp2 _ <<<"$SERVE_PORTS"
ingest_run one "$INGEST_CONC" "http://127.0.0.1:$sp1"
ingest_run one-wide $((2 * INGEST_CONC)) "http://127.0.0.1:$sp1"
ingest_run two "$INGEST_CONC" "http://127.0.0.1:$sp1,http://127.0.0.1:$sp2"
echo "cluster: POST /api/v1/events straight to the serves, $EVENTS events of one source in batches" \
    "of 10,000; two serves: half each, 10 % sent to both; waits: the serves' database sessions"
shared=$(node -e 'let n = 0; for (let i = 0; i < +process.argv[1]; i++) n += i % 20 < 2; console.log(n)' "$EVENTS")
read -r _ _ ref _ <"$TMP/one.stored"
for run in one one-wide two; do
    read -r secs sent acc dup want_total <"$TMP/$run.run"
    read -r rows dkeys sums total <"$TMP/$run.stored"
    case $run in
    one) label="1 serve, $INGEST_CONC in flight" want_dup=0 ;;
    one-wide) label="1 serve, $((2 * INGEST_CONC)) in flight" want_dup=0 ;;
    two) label="2 serves, $INGEST_CONC in flight each" want_dup=$shared ;;
    esac
    printf '  %-28s %7.1f s  %8.0f events/s stored  %8.0f sent/s  (%s accepted, %s duplicate)\n' \
        "$label" "$secs" "$(awk -v n="$EVENTS" -v s="$secs" 'BEGIN { print n / s }')" \
        "$(awk -v n="$sent" -v s="$secs" 'BEGIN { print n / s }')" "$acc" "$dup"
    printf '  %-28s waits: %s\n' "" "$(waits "$TMP/$run.waits")"
    # the same rows every time: all of them, once each under the unique index, the same sums
    if [ "$rows" != "$EVENTS" ] || [ "$dkeys" != 0 ] || [ "$sums" != "$ref" ] ||
        [ "$total" != "$want_total" ] || [ "$acc" != "$EVENTS" ] || [ "$dup" != "$want_dup" ]; then
        echo "bench-cluster: $label stored other rows: $rows rows (expected $EVENTS), $dkeys keys" \
            "($ukey) twice, sums $sums (1 serve: $ref), values $total (sent: $want_total)," \
            "$acc accepted, $dup duplicates (expected $want_dup)" >&2
        exit 1
    fi
done
echo "  same rows every time: $EVENTS stored, no duplicate ($ukey), the same sums per member and" \
    "indicator, the values' total as sent"
q -c "DELETE FROM events WHERE source_id = $source_id" -c "VACUUM events"

# --- 3. a month at scale on SQLite and on the primary, the same data set
if [ "${BENCH_SCALE:-1}" = 1 ]; then
    super="postgresql://postgres:$SUPER_PASSWORD@127.0.0.1:$PG1,127.0.0.1:$PG2/postgres?target_session_attrs=read-write"
    scale_url=${DB_URL/\/dangjian\?//dangjian_scale?}
    fresh_scale_db() {
        PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$super" \
            -c "DROP DATABASE IF EXISTS dangjian_scale WITH (FORCE)" \
            -c "CREATE DATABASE dangjian_scale OWNER dangjian"
    }
    for what in score-scale dues-scale; do
        build/rel/bench "$what" --members "$MEMBERS" --per 20 --dir "$TMP" >"$TMP/$what.sqlite"
        rm -f "$TMP"/*.db "$TMP"/*.db-*
        fresh_scale_db
        build/rel/bench "$what" --members "$MEMBERS" --per 20 --db "$scale_url" >"$TMP/$what.pg"
    done
    psql -X -q -d "$super" -c "DROP DATABASE dangjian_scale WITH (FORCE)"
    echo "cluster: a month at scale, $MEMBERS members, the same data set on SQLite (a file, synchronous=OFF)" \
        "and on the primary (synchronous standby); seconds"
    printf '  %-44s %10s %12s %8s\n' "" SQLite PostgreSQL ratio
    row() { # label, SQLite seconds, PostgreSQL seconds
        printf '  %-44s %10.1f %12.1f %8s\n' "$1" "$2" "$3" \
            "$(awk -v a="$2" -v b="$3" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "-" }')"
    }
    field() { sed -n "$2" "$1" | head -n 1; }
    row "set-up, $((MEMBERS * 20)) events (PG: + VACUUM)" \
        "$(field "$TMP/score-scale.sqlite" 's/.* set up in \([0-9.]*\) s.*/\1/p')" \
        "$(field "$TMP/score-scale.pg" 's/.* set up in \([0-9.]*\) s.*/\1/p')"
    row "score the month (full run)" \
        "$(field "$TMP/score-scale.sqlite" 's/.*full run: \([0-9.]*\) s.*/\1/p')" \
        "$(field "$TMP/score-scale.pg" 's/.*full run: \([0-9.]*\) s.*/\1/p')"
    row "generate the month's dues bills" \
        "$(field "$TMP/dues-scale.sqlite" "s/.*month's bills: *\([0-9.]*\) s.*/\1/p")" \
        "$(field "$TMP/dues-scale.pg" "s/.*month's bills: *\([0-9.]*\) s.*/\1/p")"
    row "  the same bills by one INSERT ... SELECT" \
        "$(field "$TMP/dues-scale.sqlite" 's/.*INSERT ... SELECT: \([0-9.]*\) s.*/\1/p')" \
        "$(field "$TMP/dues-scale.pg" 's/.*INSERT ... SELECT: \([0-9.]*\) s.*/\1/p')"
    echo "  scoring: SQLite $(field "$TMP/score-scale.sqlite" 's/.*s for \(.*\); peak memory of the process \([0-9]*\) MB.*/\1, peak \2 MB/p');" \
        "PostgreSQL $(field "$TMP/score-scale.pg" 's/.*s for \(.*\); peak memory of the process \([0-9]*\) MB.*/\1, peak \2 MB/p')"
fi

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
