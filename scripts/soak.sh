#!/usr/bin/env bash
# make soak: the demo company on a fresh database, `dangjian serve` on 127.0.0.1, and
# bench/soak.mjs driving peak-shaped traffic at it for SOAK_SECONDS; then the server must stop
# cleanly (exit status 0).  Everything is removed afterwards (SOAK_KEEP=1 keeps the directory
# with the database and the server's log).
#
#   SOAK_DB        sqlite (default) | postgres (a throwaway cluster, scripts/pg-tmp.sh)
#   SOAK_SECONDS   600      SOAK_INTERVAL  60 (seconds per printed line)
#   SOAK_WARMUP    the first line's seconds (default SOAK_INTERVAL): the memory baseline
#   SOAK_VUS       32 virtual users           SOAK_EVENTS_EVERY  2 (seconds between batches)
#   SOAK_ORGS, SOAK_MEMBERS, SOAK_MONTHS      the demo company's size (default: the demo's,
#                  about 700 organizations, 10,000 members, 12 months)
#   SOAK_LOGIN_QUEUE  serve's --login-queue (default: serve's own, 512)
#   SOAK_SERVER    the binary that serves (default ./dangjian; make soak-asan: the build with
#                  AddressSanitizer, whose leak report at exit fails the run; RSS not judged)
#   SOAK_RSS_TRACE a file to append "seconds RSS_kB sign-ins_in_flight" to every second
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/ports.sh
. scripts/ports.sh

backend=${SOAK_DB:-sqlite}
case "$backend" in
sqlite | postgres) ;;
*)
    echo "soak: SOAK_DB must be sqlite or postgres, not '$backend'" >&2
    exit 2
    ;;
esac
[ -x ./dangjian ] || { echo "soak: ./dangjian is missing: build it first (make)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "soak: node (20 or newer) is needed" >&2; exit 1; }
if [ "$backend" = sqlite ]; then
    command -v sqlite3 >/dev/null 2>&1 || { echo "soak: the sqlite3 program is needed (apt-get install sqlite3)" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dj-soak.XXXXXX")
PGDIR="" SERVER_PID=""
# shellcheck disable=SC2317  # called through the traps
finish() { # $1: the exit status
    trap - EXIT INT TERM HUP
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [ -z "$PGDIR" ] || scripts/pg-tmp.sh stop "$PGDIR" || echo "soak: could not stop PostgreSQL in $PGDIR" >&2
    if [ "${SOAK_KEEP:-}" = 1 ]; then echo "soak: kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$1"
}
trap 'finish $?' EXIT
for sig in INT:130 TERM:143 HUP:129; do
    # shellcheck disable=SC2064  # the status is fixed now, per signal
    trap "finish ${sig#*:}" "${sig%:*}"
done

if [ "$backend" = postgres ]; then
    PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/dj-pg.XXXXXX")
    db=$(scripts/pg-tmp.sh start "$PGDIR")
else
    db=$TMP/soak.db
fi

size=()
[ -z "${SOAK_ORGS:-}" ] || size+=(--orgs "$SOAK_ORGS")
[ -z "${SOAK_MEMBERS:-}" ] || size+=(--members "$SOAK_MEMBERS")
[ -z "${SOAK_MONTHS:-}" ] || size+=(--months "$SOAK_MONTHS")
echo "== soak on $backend: the demo company ${size[*]} =="
start=$SECONDS
./dangjian demo --db "$db" "${size[@]}" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; exit 1; }
head -n 1 "$TMP/demo.log"
echo "(made in $((SECONDS - start)) s)"

# the payment provider's HMAC key and the business system's API key, both this run's own
callback_key=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
./dangjian dues setting callback_key "$callback_key" --db "$db" >/dev/null
api_key=$(./dangjian source add --code soak --name 压测业务系统 --db "$db" | sed -n 's/^API key.*: //p')
[ -n "$api_key" ] || { echo "soak: no API key from 'dangjian source add'" >&2; exit 1; }

serve_opts=()
[ -z "${SOAK_LOGIN_QUEUE:-}" ] || serve_opts+=(--login-queue "$SOAK_LOGIN_QUEUE")
server=${SOAK_SERVER:-./dangjian}
rss_check=1
[ "$server" = ./dangjian ] || rss_check=0
port=$(pick_port)
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$server" serve --db "$db" --listen "127.0.0.1:$port" "${serve_opts[@]}" 2>"$TMP/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$TMP/serve.log" >&2; exit 1; }
    sleep 0.1
done

status=0
node bench/soak.mjs --url "http://127.0.0.1:$port" --pid "$SERVER_PID" --db "$db" --bin "$root/dangjian" \
    --callback-key "$callback_key" --api-key "$api_key" --seconds "${SOAK_SECONDS:-600}" \
    --rss-check "$rss_check" --interval "${SOAK_INTERVAL:-60}" --warmup "${SOAK_WARMUP:-${SOAK_INTERVAL:-60}}" --vus "${SOAK_VUS:-32}" --events-every "${SOAK_EVENTS_EVERY:-2}" ||
    status=$?

# a clean stop is part of the verdict
server_rc=0
kill -TERM "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" || server_rc=$?
SERVER_PID=""
if [ "$server_rc" -ne 0 ]; then
    echo "soak: the server exited with status $server_rc on SIGTERM; its last lines:" >&2
    if grep -q 'ERROR: LeakSanitizer' "$TMP/serve.log"; then
        sed -n '/ERROR: LeakSanitizer/,$p' "$TMP/serve.log" | head -n 80 >&2
    else
        tail -n 20 "$TMP/serve.log" >&2
    fi
    status=1
elif [ "$status" -ne 0 ]; then
    echo "soak: FAILED on $backend; the server's last lines:" >&2
    grep -v ' 20[01] \| 503 ' "$TMP/serve.log" | tail -n 20 >&2 || true
else
    echo "soak: the server stopped cleanly"
fi
exit "$status"
