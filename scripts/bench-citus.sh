#!/usr/bin/env bash
# make bench-citus (issue 17 item 5): the same work on plain PostgreSQL 15 (a scripts/pg-tmp.sh
# cluster) and on Citus with two workers (scripts/citus.sh, a cluster of its own in
# build/citus/state-bench), in one run, on the same data, side by side with the ratio:
#
#   1. scoring a month of BENCH_MEMBERS (200,000) members × 20 events (build/rel/bench
#      score-scale: the scoring engine's full run; the tables are placed on Citus before the
#      rows come), in BENCH_TENANTS (4) tenants: the run of every tenant, then a run of one;
#   2. generating a month of dues for BENCH_MEMBERS members (build/rel/bench dues-scale);
#   3. the demo company (`dangjian demo`, BENCH_CITUS_DEMO: more options), written on each
#      (on Citus into a coordinator database before it is distributed, then `dangjian init`
#      moves the rows into the shards: timed too), and its size per member and month:
#      events, member_scores and dues_bills with their indexes after VACUUM ANALYZE
#      (pg_total_relation_size; citus_total_relation_size sums the shards);
#   4. BENCH_EVENTS (1,000,000) events POSTed to one `dangjian serve` on the demo database
#      (bench/ingest.mjs, batches of 10,000, 2 in flight; every event must be accepted);
#   5. a member portrait's latency through that serve without its reply cache: BENCH_PORTRAITS
#      (500) GETs of different members one after the other, p50 and p95 (bench/latency.mjs);
#   6. the portrait's main query (a member's month with its organization's and the run's rows)
#      by pgbench, one client, prepared, 5 s: without the tenant in its WHERE (on Citus it
#      reaches every shard, as the code sent it before the reads named the tenant) and with
#      `AND ms.tenant_id = 1` (routed to one shard: as the code sends it now).
#
# Every node gets BENCH_PG_SHARED_BUFFERS (1GB) of shared buffers; Citus makes
# BENCH_CITUS_SHARDS (32, its default) shards of each distributed table. The demo has one tenant,
# so on Citus all its rows sit in one shard per table on one worker: what scales with the
# workers is the tenants a deployment has (docs/SCALE.md "Measured on Citus"); the scoring
# set-up of 1. has BENCH_TENANTS of them.
# Figures are printed, never judged. Without Citus: one line, exit 0. Nothing is left running.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/ports.sh
. scripts/ports.sh
export CITUS_STATE=$root/build/citus/state-bench
MEMBERS=${BENCH_MEMBERS:-200000}
EVENTS=${BENCH_EVENTS:-1000000}
TENANTS=${BENCH_TENANTS:-4}
PORTRAITS=${BENCH_PORTRAITS:-500}
export CITUS_SHARD_COUNT=${BENCH_CITUS_SHARDS:-32} # Citus's own default
export PG_TMP_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-1GB} PG_TMP_MAX_WAL=4GB
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench-citus.XXXXXX")
export DANGJIAN_KEY_FILE=$TMP/pii.keys
PGDIR="" SERVER_PID=""
started=$SECONDS

cleanup() {
    local rc=$?
    set +e
    [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; }
    [ -z "$PGDIR" ] || scripts/pg-tmp.sh stop "$PGDIR"
    scripts/citus.sh down
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT

scripts/citus.sh down # a run interrupted before left its nodes
set +e
scripts/citus.sh up >/dev/null 2>"$TMP/up.log"
status=$?
set -e
if [ "$status" = 3 ]; then
    echo "bench-citus: no Citus (neither ../shared/vendor/citus-12.1.12.tar.gz nor an installed one); skipped"
    exit 0
fi
[ "$status" = 0 ] || { cat "$TMP/up.log" >&2; exit "$status"; }
PGDIR=$(mktemp -d /tmp/dj-bench-pg.XXXXXX)
pg=$(scripts/pg-tmp.sh start "$PGDIR")
echo "== bench-citus ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)): PostgreSQL 15 beside Citus 12.1" \
    "(a coordinator and two workers on this machine, $CITUS_SHARD_COUNT shards a table)," \
    "shared_buffers $PG_TMP_SHARED_BUFFERS each"

# A fresh database NAME on backend pg or citus; prints its URL.
fresh_db() {
    if [ "$1" = pg ]; then
        psql -X -q -d "${pg%/*}/postgres" -c "CREATE DATABASE $2"
        echo "${pg%/*}/$2"
    else
        scripts/citus.sh newdb "$2"
    fi
}
drop_db() { # backend URL
    local u=$2
    psql -X -q -d "${u%/*}/postgres" -c "DROP DATABASE ${u##*/} WITH (FORCE)"
    [ "$1" = pg ] || for w in $(scripts/citus.sh env | sed -n "s/^CITUS_WORKERS='\(.*\)'/\1/p"); do
        psql -X -q -d "${w%/*}/postgres" -c "DROP DATABASE IF EXISTS ${u##*/} WITH (FORCE)"
    done
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
put() { echo "$1 $2 $3" >>"$TMP/results"; } # what backend value

# --- 1 and 2: a month at scale
for b in pg citus; do
    u=$(fresh_db "$b" bench_score)
    build/rel/bench score-scale --members "$MEMBERS" --per 20 --tenants "$TENANTS" --db "$u" >"$TMP/score.$b"
    put setup-score "$b" "$(sed -n 's/.* set up in \([0-9.]*\) s.*/\1/p' "$TMP/score.$b")"
    put score "$b" "$(sed -n 's/.*full run: \([0-9.]*\) s.*/\1/p' "$TMP/score.$b")"
    put score-tenant "$b" "$(sed -n "s/.*one tenant's run: \([0-9.]*\) s.*/\1/p" "$TMP/score.$b")"
    drop_db "$b" "$u"
    u=$(fresh_db "$b" bench_dues)
    build/rel/bench dues-scale --members "$MEMBERS" --db "$u" >"$TMP/dues.$b"
    put dues "$b" "$(sed -n "s/.*month's bills: *\([0-9.]*\) s.*/\1/p" "$TMP/dues.$b")"
    put dues-raw "$b" "$(sed -n 's/.*INSERT ... SELECT: \([0-9.]*\) s.*/\1/p' "$TMP/dues.$b")"
    drop_db "$b" "$u"
    echo "  $b: scored and billed $MEMBERS members"
done

# --- 3. the demo on each, its bytes per member and month
# shellcheck disable=SC2086 # BENCH_CITUS_DEMO is a list of options
demo() { ./dangjian demo --db "$1" ${BENCH_CITUS_DEMO:-} >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log"; exit 1; }; }
t=$(date +%s%N)
demo "$pg"
put demo pg "$(secs "$t" "$(date +%s%N)")"
eval "$(scripts/citus.sh env)"
citus=${CITUS_COORDINATOR%/*}/bench
psql -X -q -d "${CITUS_COORDINATOR%/*}/postgres" -c 'CREATE DATABASE bench'
t=$(date +%s%N)
demo "$citus"
put demo citus "$(secs "$t" "$(date +%s%N)")"
scripts/citus.sh newdb bench >/dev/null
t=$(date +%s%N)
./dangjian init --db "$citus" >/dev/null
put distribute citus "$(secs "$t" "$(date +%s%N)")"
echo "  the demo written on both ($(sed -n 's/^timings (s): .* total \([0-9.]*\).*/total \1 s on Citus/p' "$TMP/demo.log"))"

# bytes of events, member_scores and dues_bills (with indexes) per member and month
for b in pg citus; do
    u=$pg size=pg_total_relation_size
    [ "$b" = pg ] || u=$citus size=citus_total_relation_size
    psql -X -q -d "$u" -c 'VACUUM ANALYZE events' -c 'VACUUM ANALYZE member_scores' -c 'VACUUM ANALYZE dues_bills'
    psql -X -At -F ' ' -d "$u" -c "SELECT $size('events'), $size('member_scores'), $size('dues_bills'),
        (SELECT count(*) FROM members), (SELECT count(DISTINCT month) FROM member_scores)" >"$TMP/size.$b"
done

# --- 4 and 5: ingestion and portraits through one serve on the demo database
month=$(date -u +%Y-%m) days=$(date -u +%-d)
for b in pg citus; do
    u=$pg
    [ "$b" = pg ] || u=$citus
    psql -X -At -d "$u" -c "SELECT m.emp_no FROM members m ORDER BY m.id" >"$TMP/members"
    psql -X -At -F ' ' -d "$u" -c "SELECT code, value_min, value_max FROM indicators
        WHERE scope = 'member' ORDER BY id" >"$TMP/indicators"
    key=$(./dangjian source add --code bench-ingest --name 基准导入 --db "$u" |
        sed -n 's/.*X-API-Key): *\([^ ]*\).*/\1/p')
    [ -n "$key" ] || { echo "bench-citus: cannot add a source on $b" >&2; exit 1; }
    port=$(pick_port)
    ./dangjian serve --db "$u" --listen "127.0.0.1:$port" --no-jobs --no-reply-cache \
        --per-ip-connections 0 2>"$TMP/serve.$b.log" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    timeout 1200 node bench/ingest.mjs --servers "http://127.0.0.1:$port" --key "$key" \
        --members "$TMP/members" --indicators "$TMP/indicators" --month "$month" --days "$days" \
        --events "$EVENTS" --concurrency 2 --timeout 1150 >"$TMP/ingest.$b"
    accepted=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).accepted)' "$TMP/ingest.$b")
    [ "$accepted" = "$EVENTS" ] || { echo "bench-citus: $b accepted $accepted of $EVENTS events" >&2; exit 1; }
    put ingest "$b" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).seconds)' "$TMP/ingest.$b")"
    psql -X -At -d "$u" -c "SELECT '/api/v1/portraits/members/' || id FROM members ORDER BY id" >"$TMP/paths"
    node bench/latency.mjs --base "http://127.0.0.1:$port" --login admin --password dangjian2024 \
        --paths "$TMP/paths" --requests "$PORTRAITS" >"$TMP/latency.$b"
    for p in p50 p95; do
        put "portrait-$p" "$b" "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[process.argv[2]])' "$TMP/latency.$b" "${p}_ms")"
    done
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    echo "  $b: $EVENTS events ingested, $PORTRAITS portraits read"
done

# --- 6. the portrait's main query, as sent and routed to the tenant's shard (pgbench)
for routed in "" " AND ms.tenant_id = 1"; do
    cat >"$TMP/q${routed:+-routed}.sql" <<EOF
\\set mid random(1, :members)
SELECT ms.idx, ms.rank_branch, m.name, o.name, os.idx, sr.members FROM member_scores ms
  JOIN members m ON m.id = ms.member_id AND m.tenant_id = ms.tenant_id JOIN orgs o ON o.id = ms.org_id
  JOIN org_scores os ON os.month = ms.month AND os.tenant_id = ms.tenant_id AND os.org_id = ms.org_id
  JOIN score_runs sr ON sr.month = ms.month AND sr.tenant_id = ms.tenant_id
 WHERE ms.month = :month AND ms.member_id = :mid$routed;
EOF
done
for b in pg citus; do
    u=$pg
    [ "$b" = pg ] || u=$citus
    members=$(psql -X -At -d "$u" -c 'SELECT max(id) FROM members')
    month=$(psql -X -At -d "$u" -c 'SELECT max(month) FROM member_scores')
    for f in q q-routed; do
        ms=$(pgbench -n -M prepared -c 1 -T 5 -D members="$members" -D month="$month" -f "$TMP/$f.sql" "$u" 2>&1 |
            sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p')
        put "pgbench-$f" "$b" "$ms"
    done
done

# --- the table
echo
echo "bench-citus: seconds (latency: ms), PostgreSQL 15 vs Citus 12.1 with two workers, same data;" \
    "ratio = Citus / PostgreSQL (above 1: Citus slower)"
awk -v members="$MEMBERS" -v events="$EVENTS" -v portraits="$PORTRAITS" -v tenants="$TENANTS" '
    { v[$1 "," $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
        label["setup-score"] = sprintf("set-up: %d members x 20 events (SQL)", members)
        label["score"] = sprintf("score a month, %d members in %d tenants", members, tenants)
        label["score-tenant"] = sprintf("score one of the tenants (about %d members)", members / tenants)
        label["dues"] = sprintf("generate a month of dues, %d members", members)
        label["dues-raw"] = "  the same bills by one INSERT ... SELECT"
        label["demo"] = "write the demo (dangjian demo)"
        label["distribute"] = "  place its tables, move its rows (init)"
        label["ingest"] = sprintf("ingest %d events (one serve)", events)
        label["portrait-p50"] = sprintf("portrait latency p50, ms (%d GETs)", portraits)
        label["portrait-p95"] = "portrait latency p95, ms"
        label["pgbench-q"] = "its main query, mean ms (pgbench, no tenant)"
        label["pgbench-q-routed"] = "  the same, AND ms.tenant_id = 1 (as sent)"
        printf "  %-44s %12s %12s %8s\n", "operation", "PostgreSQL", "Citus 2w", "ratio"
        for (i = 1; i <= n; i++) {
            k = order[i]; p = v[k ",pg"]; c = v[k ",citus"]
            printf "  %-44s %12s %12s %8s\n", label[k], (p == "" ? "-" : p), (c == "" ? "-" : c),
                (p > 0 && c != "" ? sprintf("%.2f", c / p) : "-")
        }
    }' "$TMP/results"
for b in pg citus; do
    read -r ev sc du members months <"$TMP/size.$b"
    awk -v b="$b" -v ev="$ev" -v sc="$sc" -v du="$du" -v m="$members" -v mo="$months" 'BEGIN {
        mm = m * mo
        printf "  %-10s bytes per member-month (demo, %d members x %d months, with indexes): events %.0f," \
            " member_scores %.0f, dues_bills %.0f; total %.0f\n", (b == "pg" ? "PostgreSQL" : "Citus"),
            m, mo, ev / mm, sc / mm, du / mm, (ev + sc + du) / mm }'
done
echo "  (the whole run: $((SECONDS - started)) s)"
