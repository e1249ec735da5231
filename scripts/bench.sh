#!/usr/bin/env bash
# make bench: every figure beside a baseline measured in the same run, on this machine.
#   1. event ingestion (build/rel/bench ingest): ingest_batch vs a raw prepared INSERT
#   1b. scoring a month of 1,000,000 events vs one SQL GROUP BY; 1,000,000 members at scale
#   1c. dues: generating a month and one-click confirmation vs raw SQL; 1,000,000 members' bills
#   1d. feeds: pulling 1,000,000 rows of a PostgreSQL table through the SQL feed into events
#       (SQLite and PostgreSQL) vs COPY ... TO STDOUT of the same rows (goal: ratio >= 0.5)
#   1e. payment notifications verified per second: WeChat Pay v3 and Alipay beside our
#       generic HMAC callback (build/rel/bench-notify)
#   1f. an .xlsx roster of 10,000 members imported, beside the same rows as CSV (goal < 2 s)
#   2. HTTP: GET /api/v1/me and a member list page under wrk (10 s, 64 connections) vs
#      nginx serving a static file of the same size; the server's resident memory after it
#   3. logins: logins/s through the real handler vs raw argon2id checks/s, and a storm of
#      10,000 members signing in over 5 minutes with the portraits' latency beside it
#   4. the demo on SQLite and on PostgreSQL 15 (a throwaway cluster, scripts/pg-tmp.sh), side
#      by side per step with the ratio (target: PostgreSQL at most 2x SQLite)
# `scripts/bench.sh demo` runs only 4 (BENCH_DEMO_ARGS: more `dangjian demo` options);
# `scripts/bench.sh feed` only 1d.
# Load goes to 127.0.0.1 only and every run is bounded in time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/ports.sh
. scripts/ports.sh

EVENTS=${BENCH_EVENTS:-1000000}
DURATION=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench.XXXXXX")
SERVER_PID="" NGINX_PID="" NOCACHE_PID="" PGDIR=""
cleanup() {
    if [ -n "$PGDIR" ]; then scripts/pg-tmp.sh stop "$PGDIR" || true; fi
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -n "$NOCACHE_PID" ] && kill "$NOCACHE_PID" 2>/dev/null && wait "$NOCACHE_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# The demo on both backends, its "timings (s):" lines side by side. $1: the SQLite run's
# output when there is one already (else the demo runs here on SQLite too).
# shellcheck disable=SC2086 # BENCH_DEMO_ARGS is a list of options
bench_demo() {
    local slog=${1:-} plog=$TMP/demo-pg.log url
    if [ -z "$slog" ]; then
        slog=$TMP/demo-sqlite.log
        ./dangjian demo --db "$TMP/demo-cmp.db" ${BENCH_DEMO_ARGS:-} >"$slog" 2>&1 || { cat "$slog"; exit 1; }
        rm -f "$TMP/demo-cmp.db"*
    fi
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench-pg.XXXXXX")
    # a server tuned as one would be (the tests' clusters keep 32MB: several run at once)
    url=$(PG_TMP_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-1GB} PG_TMP_MAX_WAL=4GB scripts/pg-tmp.sh start "$PGDIR")
    ./dangjian demo --db "$url" ${BENCH_DEMO_ARGS:-} >"$plog" 2>&1 || { cat "$plog"; exit 1; }
    scripts/pg-tmp.sh stop "$PGDIR"
    PGDIR=""
    echo "demo (dangjian demo ${BENCH_DEMO_ARGS:-}): seconds per step, SQLite vs PostgreSQL 15 (target: ratio <= 2)"
    awk 'FNR == 1 { f++ } /^timings \(s\):/ { for (i = 3; i < NF; i += 2) { if (f == 1) { n++; name[n] = $i; s[$i] = $(i + 1) } else p[$i] = $(i + 1) } }
        END { printf "  %-10s %10s %12s %8s\n", "step", "SQLite", "PostgreSQL", "ratio"
              for (k = 1; k <= n; k++) { x = name[k]; printf "  %-10s %10.2f %12.2f %8s\n", x, s[x], p[x], (s[x] > 0 ? sprintf("%.1f", p[x] / s[x]) : "-") } }' \
        "$slog" "$plog"
}

# The SQL feed's pull vs COPY (build/rel/bench-feed) from a throwaway cluster, into a SQLite
# file and into a second database of the same cluster. BENCH_FEED_ROWS: the rows (CI: fewer).
bench_feed() {
    local url feed
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-bench-pg.XXXXXX")
    url=$(PG_TMP_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-1GB} PG_TMP_MAX_WAL=4GB scripts/pg-tmp.sh start "$PGDIR")
    build/rel/bench-feed --source "$url" --rows "${BENCH_FEED_ROWS:-1000000}" --dir "$TMP"
    rm -f "$TMP/feed.db"*
    psql -q -d "$url" -c "CREATE DATABASE dj_feed_target"
    feed=${url%/*}/dj_feed_target
    build/rel/bench-feed --source "$url" --db "$feed" --rows "${BENCH_FEED_ROWS:-1000000}" --dir "$TMP"
    scripts/pg-tmp.sh stop "$PGDIR"
    PGDIR=""
}

if [ "${1:-}" = demo ]; then
    bench_demo ""
    exit 0
fi
if [ "${1:-}" = feed ]; then
    bench_feed
    exit 0
fi

echo "== dangjian bench ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)) =="
echo
build/rel/bench ingest --events "$EVENTS" --dir "$TMP"
echo
# the month the ingest bench filled: 10,000 members × ~100 events
build/rel/bench score --dir "$TMP"
echo
if [ "${BENCH_SCALE:-1}" = 1 ]; then
    build/rel/bench score-scale --members "${BENCH_SCALE_MEMBERS:-1000000}" --per 20 --dir "$TMP"
    rm -f "$TMP/scale.db"*
    echo
fi
bench_feed && echo
build/rel/bench-notify --seconds 3 && echo
build/rel/bench xlsx --dir "$TMP" && echo # a roster of 10,000 members as .xlsx and as CSV
build/rel/bench plan --dir "$TMP" && rm -f "$TMP/plan.db"* && echo # plans: progress, check, bulletin
# dues: a month's bills for 10,000 members and one confirmation of 10,000 payments beside raw
# SQL writing the same rows; then generation for 1,000,000 members
build/rel/bench dues --members 10000 --dir "$TMP" && rm -f "$TMP/dues.db"* && echo
if [ "${BENCH_SCALE:-1}" = 1 ]; then
    build/rel/bench dues-scale --members "${BENCH_SCALE_MEMBERS:-1000000}" --dir "$TMP"
    rm -f "$TMP/dues.db"*
    echo
fi

# --- HTTP -------------------------------------------------------------------------------
./dangjian demo --db "$TMP/demo.db" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log"; exit 1; }
BENCH_DEMO_ARGS="" bench_demo "$TMP/demo.log"
echo
port=$(pick_port)
./dangjian serve --db "$TMP/demo.db" --listen "127.0.0.1:$port" --threads "$(nproc)" --per-ip-connections 0 \
    2>"$TMP/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
token=$(curl -fs -X POST -H 'Content-Type: application/json' \
    -d '{"login":"admin","password":"dangjian2024"}' \
    "http://127.0.0.1:$port/api/v1/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "bench: cannot log in as admin"; exit 1; }
auth="Authorization: Bearer $token"
me_size=$(curl -fs -H "$auth" "http://127.0.0.1:$port/api/v1/me" | wc -c)
list_url="http://127.0.0.1:$port/api/v1/members?page=1&page_size=20"
list_size=$(curl -fs -H "$auth" "$list_url" | wc -c)

# the member portrait: a member reading their own, from the reply cache and without it
# (a second server on the same database with --no-reply-cache)
mtoken=$(curl -fs -X POST -H 'Content-Type: application/json' \
    -d '{"login":"dangyuan","password":"dangjian2024"}' \
    "http://127.0.0.1:$port/api/v1/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
mauth="Authorization: Bearer $mtoken"
member_id=$(curl -fs -H "$mauth" "http://127.0.0.1:$port/api/v1/me" |
    sed -n 's/.*"member":{"id":\([0-9]*\).*/\1/p')
portrait_path="/api/v1/portraits/members/$member_id"
portrait_size=$(curl -fs -H "$mauth" "http://127.0.0.1:$port$portrait_path" | wc -c)
nport2=$(pick_port)
./dangjian serve --db "$TMP/demo.db" --listen "127.0.0.1:$nport2" --threads "$(nproc)" --per-ip-connections 0 \
    --no-jobs --no-reply-cache 2>/dev/null &
NOCACHE_PID=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$nport2/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done

# nginx: the same sizes as static files, same machine, same wrk settings
nport=$(pick_port)
mkdir -p "$TMP/www" "$TMP/nginx"
head -c "$me_size" /dev/zero | tr '\0' 'x' >"$TMP/www/me.json"
head -c "$list_size" /dev/zero | tr '\0' 'x' >"$TMP/www/list.json"
head -c "$portrait_size" /dev/zero | tr '\0' 'x' >"$TMP/www/portrait.json"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx;
    fastcgi_temp_path $TMP/nginx; uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
    server { listen 127.0.0.1:$nport; root $TMP/www; }
}
CONF
/usr/sbin/nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
NGINX_PID=$!
sleep 0.5

# wrk → "requests/s p99_ms"
measure() {
    local out rps p99
    out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" 2>&1)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    echo "$rps $p99"
}
ms() { # wrk latency (e.g. 1.23ms, 850.00us, 1.02s) → ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'
}

read -r me_rps me_p99 < <(measure -H "$auth" "http://127.0.0.1:$port/api/v1/me")
read -r list_rps list_p99 < <(measure -H "$auth" "$list_url")
read -r ng_me_rps ng_me_p99 < <(measure "http://127.0.0.1:$nport/me.json")
read -r ng_list_rps ng_list_p99 < <(measure "http://127.0.0.1:$nport/list.json")
read -r pc_rps pc_p99 < <(measure -H "$mauth" "http://127.0.0.1:$port$portrait_path")
read -r pu_rps pu_p99 < <(measure -H "$mauth" "http://127.0.0.1:$nport2$portrait_path")
read -r ng_p_rps ng_p_p99 < <(measure "http://127.0.0.1:$nport/portrait.json")
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")

echo "http: wrk ${DURATION}s, $CONNS connections, 127.0.0.1; demo data (SQLite)"
printf '  %-34s %10s req/s  p99 %8s ms\n' "GET /api/v1/me ($me_size B)" "$me_rps" "$(ms "$me_p99")"
printf '  %-34s %10s req/s  p99 %8s ms\n' "nginx static file, same size" "$ng_me_rps" "$(ms "$ng_me_p99")"
printf '  %-34s %10s        (target >= 0.25, and >= 10000 req/s, p99 < 20 ms)\n' "ratio /me / nginx" \
    "$(awk -v a="$me_rps" -v b="$ng_me_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '  %-34s %10s req/s  p99 %8s ms\n' "GET /api/v1/members page ($list_size B)" "$list_rps" "$(ms "$list_p99")"
printf '  %-34s %10s req/s  p99 %8s ms\n' "nginx static file, same size" "$ng_list_rps" "$(ms "$ng_list_p99")"
printf '  %-34s %10s\n' "ratio list / nginx" \
    "$(awk -v a="$list_rps" -v b="$ng_list_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '  %-34s %10s req/s  p99 %8s ms\n' "portrait, cached ($portrait_size B)" "$pc_rps" "$(ms "$pc_p99")"
printf '  %-34s %10s req/s  p99 %8s ms\n' "portrait, uncached" "$pu_rps" "$(ms "$pu_p99")"
printf '  %-34s %10s req/s  p99 %8s ms\n' "nginx static file, same size" "$ng_p_rps" "$(ms "$ng_p_p99")"
printf '  %-34s %10s / %s   (targets: cached >= 1.0, uncached >= 0.25, p99 < 10 ms)\n' \
    "ratio cached / uncached vs nginx" \
    "$(awk -v a="$pc_rps" -v b="$ng_p_rps" 'BEGIN { printf "%.2f", a / b }')" \
    "$(awk -v a="$pu_rps" -v b="$ng_p_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '  %-34s %10s MB (peak %s MB; target <= 64 MB)\n' "server resident memory after load" \
    "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')"

# --- the login storm: logins/s beside raw argon2id checks/s, then 10,000 members signing in
# over 5 minutes (BENCH_STORM_MEMBERS, BENCH_STORM_SECONDS) with portraits read beside
echo
raw=$(build/rel/bench-pwhash --seconds 5 | awk '{print $1}')
sqlite3 "$TMP/demo.db" "SELECT login FROM accounts WHERE member_id IS NOT NULL ORDER BY random()" \
    >"$TMP/logins.txt"
node bench/logins.mjs --url "http://127.0.0.1:$port" --logins "$TMP/logins.txt" --raw "$raw" \
    --seconds "$DURATION" --members "${BENCH_STORM_MEMBERS:-10000}" \
    --window "${BENCH_STORM_SECONDS:-300}"
