#!/usr/bin/env bash
# The cluster shape on one machine, all on loopback (make cluster; docs/OPERATIONS.md "Cluster"):
#
#   etcd                 one member: the consensus store Patroni keeps its leader key in
#   Patroni × 2          each keeps one PostgreSQL 15: a primary and a hot standby streaming
#                        from it (synchronous: a commit waits for the standby's flush)
#   dangjian serve × N   (CLUSTER_SERVES, default 2) on the libpq multi-host URL, which finds
#                        the primary by itself; reads that may lag go to the standby (--db-read)
#   HAProxy              the one entry point: the web app and the API, health-checked serves
#
#   scripts/cluster.sh up        start everything; on a fresh state directory load the demo
#                                company, then print the entry URL and the demo logins
#   scripts/cluster.sh status    who is primary and standby, replication lag, each serve's health
#   scripts/cluster.sh load [ARGS]  drop the database and load the demo again (ARGS: demo's
#                                size options, default CLUSTER_DEMO)
#   scripts/cluster.sh down [--keep]  stop everything, check no process or port is left, remove
#                                the state directory (kept with --keep or CLUSTER_KEEP=1)
#   scripts/cluster.sh add-serve one more serve, named in HAProxy (reloaded without a drop)
#   scripts/cluster.sh env       the shell variables of a running cluster (ports, URLs, pids)
#
# Environment: CLUSTER_DIR (default build/cluster), CLUSTER_SERVES (2), CLUSTER_DEMO (the demo's
# size options, default the whole demo company), CLUSTER_SERVE_ARGS (more options for every
# serve), CLUSTER_TIMEOUT (seconds to wait for each step, 90).  Runs as root (PostgreSQL then runs as the "postgres" system user, since initdb
# refuses root) or as any user that may run PostgreSQL itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DIR=${CLUSTER_DIR:-build/cluster}
case "$DIR" in /*) ;; *) DIR=$root/$DIR ;; esac
DIR=${DIR%/}
SERVES=${CLUSTER_SERVES:-2}
TIMEOUT=${CLUSTER_TIMEOUT:-90}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DEMO=${CLUSTER_DEMO:-}
SCOPE=dangjian

say() { printf 'cluster: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# shellcheck source=scripts/ports.sh
. "$root/scripts/ports.sh"

if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' system user: run scripts/deps.sh cluster"
    PG_USER=postgres
    # setpriv execs the program itself (no forking helper in between), so the pid we record
    # is the program's and a signal to it reaches it
    PG_EXEC=(setpriv --reuid=postgres --regid=postgres --init-groups --)
else
    PG_USER=$(id -un)
    PG_EXEC=()
fi
as_pg() { "${PG_EXEC[@]}" "$@"; }

# ---- state: $DIR/env holds the ports, passwords and URLs; $DIR/run/NAME.pid every process

load_env() {
    [ -f "$DIR/env" ] || die "no cluster in $DIR (scripts/cluster.sh up)"
    # shellcheck disable=SC1091
    . "$DIR/env"
}

pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Start a program in the background in its own session, its output in $DIR/log/NAME.log.
spawn() {
    local name=$1
    shift
    setsid "$@" </dev/null >>"$DIR/log/$name.log" 2>&1 &
    echo $! >"$DIR/run/$name.pid"
}

# Wait until "$@" succeeds, at most TIMEOUT seconds; what names the wait in the error.
wait_for() {
    local what=$1 deadline=$((SECONDS + TIMEOUT))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || die "$what: not within $TIMEOUT s (logs in $DIR/log)"
        sleep 0.3
    done
}

http_ok() { curl -fsS -m 2 -o /dev/null "$1"; }

random_secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# ---- configuration files

# take_port NAME: a free port not handed out yet in this run into $NAME (pick_port only knows
# what listens now, and nothing listens yet)
taken=" "
take_port() {
    local _port _try
    for _try in $(seq 1 20); do
        _port=$(pick_port) || break
        case "$taken" in *" $_port "*) continue ;; esac
        taken="$taken$_port "
        printf -v "$1" '%s' "$_port"
        return 0
    done
    die "no free ports on 127.0.0.1"
}

write_env() {
    local p v
    for v in ETCD_PORT ETCD_PEER PG1 PG2 REST1 REST2 ENTRY; do take_port "$v"; done
    SERVE_PORTS=""
    for _ in $(seq 1 "$SERVES"); do
        take_port p
        SERVE_PORTS="$SERVE_PORTS $p"
    done
    APP_PASSWORD=$(random_secret)
    cat >"$DIR/env" <<EOF
# written by scripts/cluster.sh up: the cluster's ports, passwords and URLs
CLUSTER_DIR=$DIR
ETCD_PORT=$ETCD_PORT
ETCD_PEER=$ETCD_PEER
PG1=$PG1
PG2=$PG2
REST1=$REST1
REST2=$REST2
ENTRY=$ENTRY
SERVE_PORTS="${SERVE_PORTS# }"
SUPER_PASSWORD=$(random_secret)
REPL_PASSWORD=$(random_secret)
APP_PASSWORD=$APP_PASSWORD
# the servers' URLs: the primary wherever it is, and (for reads that may lag) a standby when
# one is up, else the primary
DB_URL="postgresql://dangjian:$APP_PASSWORD@127.0.0.1:$PG1,127.0.0.1:$PG2/dangjian?target_session_attrs=read-write"
DB_READ_URL="postgresql://dangjian:$APP_PASSWORD@127.0.0.1:$PG2,127.0.0.1:$PG1/dangjian?target_session_attrs=prefer-standby"
ENTRY_URL="http://127.0.0.1:$ENTRY"
DANGJIAN_KEY_FILE=$DIR/keys
EOF
    chmod 600 "$DIR/env"
}

# Patroni's configuration of node N (1 or 2): small timeouts so that a failover takes seconds.
write_patroni() {
    local n=$1 port rest
    port=$([ "$n" = 1 ] && echo "$PG1" || echo "$PG2")
    rest=$([ "$n" = 1 ] && echo "$REST1" || echo "$REST2")
    cat >"$DIR/pg$n.yml" <<EOF
scope: $SCOPE
namespace: /dangjian-cluster/
name: pg$n
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    # the leader key lives ttl seconds without renewal; Patroni acts every loop_wait seconds
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    # a crashed primary is not restarted in place: the standby takes over at once
    master_start_timeout: 0
    # a commit returns once the standby has it: an acknowledged write survives a failover
    synchronous_mode: true
    maximum_lag_on_failover: 16777216
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        hot_standby_feedback: "on"
        wal_log_hints: "on"
        max_wal_senders: 8
        max_replication_slots: 8
        wal_keep_size: 256MB
        max_connections: 300
        shared_buffers: 64MB
        wal_receiver_status_interval: 1
  initdb:
    - encoding: UTF8
    - no-locale
    - auth-local: trust
    - auth-host: scram-sha-256
postgresql:
  # the whole file, written by Patroni: passwords over TCP, the socket (in a directory only
  # the postgres user may enter) for the scripts' superuser sessions
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
  listen: 127.0.0.1:$port
  connect_address: 127.0.0.1:$port
  data_dir: $DIR/pg$n/data
  bin_dir: $PG_BIN
  pgpass: $DIR/pg$n/pgpass
  use_unix_socket: true
  authentication:
    superuser:
      username: postgres
      password: $SUPER_PASSWORD
    replication:
      username: replicator
      password: $REPL_PASSWORD
  parameters:
    unix_socket_directories: $DIR/pg$n
    logging_collector: "on"
    log_directory: $DIR/pg$n/log
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
EOF
    chmod 600 "$DIR/pg$n.yml"
    [ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER:" "$DIR/pg$n.yml"
}

write_haproxy() {
    local i=0 p
    cat >"$DIR/haproxy.cfg" <<EOF
# written by scripts/cluster.sh up
global
    maxconn 4096
    stats socket $DIR/run/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    timeout http-request 30s
    # a serve that refuses the connection or drops it without a reply (killed): the request
    # goes to another one (retried writes are idempotent by their keys, events and provider
    # notices; a repeated payment request leaves one more pending payment, never a charge)
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor

frontend entry
    bind 127.0.0.1:$ENTRY
    default_backend serves

backend serves
    balance roundrobin
    # a session stays on the serve that first answered it: its per-thread caches, and its
    # record of who wrote recently (read-your-writes with --db-read)
    stick-table type string len 96 size 200k expire 30m
    stick on req.cook(dj_session)
    stick on req.hdr(authorization)
    # a serve is down when it does not answer; 503 (its database is failing over) still counts
    # as up: it answers with a JSON error and Retry-After, better than HAProxy's own page
    option httpchk GET /api/v1/health
    http-check expect rstatus ^(200|503)$
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
EOF
    for p in $SERVE_PORTS; do
        i=$((i + 1))
        echo "    server s$i 127.0.0.1:$p check" >>"$DIR/haproxy.cfg"
    done
}

# ---- the pieces

start_etcd() {
    spawn etcd etcd --name dj --data-dir "$DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
        --initial-cluster "dj=http://127.0.0.1:$ETCD_PEER" --initial-cluster-state new \
        --logger zap --log-level warn
    wait_for "etcd on 127.0.0.1:$ETCD_PORT" http_ok "http://127.0.0.1:$ETCD_PORT/health"
}

# Patroni's REST API on node N: GET PATH answers 200.
rest_ok() {
    local n=$1 path=$2 rest
    rest=$([ "$n" = 1 ] && echo "$REST1" || echo "$REST2")
    curl -fs -m 2 -o /dev/null "http://127.0.0.1:$rest$path"
}

# The node (1 or 2) whose Patroni says it is the primary, or nothing.
primary_node() {
    local n
    for n in 1 2; do
        if rest_ok "$n" /primary; then
            echo "$n"
            return 0
        fi
    done
    return 1
}

psql_super() {
    local n=$1 port
    shift
    port=$([ "$n" = 1 ] && echo "$PG1" || echo "$PG2")
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/pg$n" -p "$port" -U postgres "$@"
}

# The application's role and database (the servers connect with a password, over TCP).
create_database() {
    local n
    n=$(primary_node) || die "no primary"
    psql_super "$n" -d postgres <<EOF >/dev/null
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dangjian') THEN
    CREATE ROLE dangjian LOGIN PASSWORD '$APP_PASSWORD';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS dangjian WITH (FORCE);
CREATE DATABASE dangjian OWNER dangjian;
EOF
}

# The standby has streamed everything the primary wrote (or the wait timed out).
standby_caught_up() {
    local n s
    n=$(primary_node) || return 1
    s=$(psql_super "$n" -d postgres -At -c \
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND replay_lsn = pg_current_wal_lsn()")
    [ "$s" -ge 1 ]
}

load_demo() {
    local -a size
    # shellcheck disable=SC2206
    size=(${1:-$DEMO})
    say "loading the demo company into the cluster ${size[*]:+(${size[*]})}"
    create_database
    if ! DANGJIAN_KEY_FILE=$DANGJIAN_KEY_FILE ./dangjian demo --db "$DB_URL" "${size[@]}" \
        >"$DIR/demo.log" 2>&1; then
        tail -n 20 "$DIR/demo.log" >&2
        die "the demo did not load (log: $DIR/demo.log)"
    fi
    head -n 1 "$DIR/demo.log" | sed "s/:$APP_PASSWORD@/:***@/" >&2
    wait_for "the standby catching up" standby_caught_up
}

start_serves() {
    start_serves_from 1
}

# Start a serve on each port of SERVE_PORTS, numbered from $1 on.
start_serves_from() {
    local i=$(($1 - 1)) p web=()
    [ -f web/dist/index.html ] && web=(--web web/dist)
    for p in $SERVE_PORTS; do
        i=$((i + 1))
        # shellcheck disable=SC2086 # CLUSTER_SERVE_ARGS is a list of options
        spawn "serve$i" env DANGJIAN_KEY_FILE="$DANGJIAN_KEY_FILE" ./dangjian serve \
            --db "$DB_URL" --db-read "$DB_READ_URL" --listen "127.0.0.1:$p" "${web[@]}" \
            --trusted-proxy 127.0.0.1 --per-ip-connections 0 ${CLUSTER_SERVE_ARGS:-}
    done
    for p in $SERVE_PORTS; do
        wait_for "dangjian serve on 127.0.0.1:$p" http_ok "http://127.0.0.1:$p/api/v1/health"
    done
}

start_haproxy() {
    haproxy -c -q -f "$DIR/haproxy.cfg" || die "HAProxy refuses $DIR/haproxy.cfg"
    spawn haproxy haproxy -W -db -f "$DIR/haproxy.cfg"
    wait_for "HAProxy on 127.0.0.1:$ENTRY" http_ok "$ENTRY_URL/api/v1/health"
}

banner() {
    local t0=$1
    echo
    if [ -f web/dist/index.html ]; then
        echo "dangjian cluster up in $((SECONDS - t0)) s: $ENTRY_URL/  (web app and API through HAProxy)"
    else
        echo "dangjian cluster up in $((SECONDS - t0)) s: $ENTRY_URL/api/v1/  (the API through HAProxy;"
        echo "  the web app is not built: make web, then scripts/cluster.sh down --keep && up)"
    fi
    echo "  serves: $(for p in $SERVE_PORTS; do printf '127.0.0.1:%s ' "$p"; done)"
    echo "  PostgreSQL: 127.0.0.1:$PG1 (pg1), 127.0.0.1:$PG2 (pg2); Patroni REST 127.0.0.1:$REST1, 127.0.0.1:$REST2; etcd 127.0.0.1:$ETCD_PORT"
    echo "  state: $DIR  (scripts/cluster.sh status | down)"
    if [ -f "$DIR/demo.log" ]; then
        echo
        sed -n '/^演示账号/,$p' "$DIR/demo.log"
    fi
}

# ---- commands

# up did not finish: print the logs' last lines and stop what it started (a fresh state
# directory is removed, a kept one stays)
up_failed() {
    local f
    for f in "$DIR"/log/*.log; do
        [ -s "$f" ] || continue
        echo "--- last lines of $f" >&2
        tail -n 8 "$f" >&2
    done
    if [ -f "$DIR/env" ]; then
        if [ "$1" = 1 ]; then cmd_down; else cmd_down --keep; fi
    elif [ "$1" = 1 ]; then
        rm -rf "$DIR"
    fi
}

cmd_up() {
    local t0=$SECONDS fresh=0 n
    "$root/scripts/deps.sh" cluster
    [ -x ./dangjian ] || die "no ./dangjian: run make first"
    command -v patroni >/dev/null || die "no patroni: run scripts/deps.sh cluster"
    if [ -f "$DIR/env" ]; then
        load_env
        alive "$(pid_of haproxy)" && die "a cluster is running in $DIR (scripts/cluster.sh down first)"
        say "starting the cluster kept in $DIR"
    else
        mkdir -p "$DIR"
        [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty and holds no cluster"
        fresh=1
    fi
    mkdir -p "$DIR/run" "$DIR/log"
    # shellcheck disable=SC2064 # fresh is fixed from here on
    trap "up_failed $fresh" EXIT
    if [ "$fresh" = 1 ]; then
        write_env
        load_env
        write_patroni 1
        write_patroni 2
    fi
    write_haproxy
    [ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER:" "$DIR/log"

    start_etcd
    for n in 1 2; do
        mkdir -p "$DIR/pg$n"
        chmod 700 "$DIR/pg$n"
        [ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER:" "$DIR/pg$n"
        : >>"$DIR/log/patroni$n.log"
        [ "$PG_USER" = "$(id -un)" ] || chown "$PG_USER:" "$DIR/log/patroni$n.log"
        spawn "patroni$n" "${PG_EXEC[@]}" env HOME="$DIR/pg$n" patroni "$DIR/pg$n.yml"
        # node 1 bootstraps (or takes the lead again); node 2 then clones it
        [ "$n" = 1 ] && [ "$fresh" = 1 ] && wait_for "pg1 primary" rest_ok 1 /primary
    done
    wait_for "a primary" primary_node
    wait_for "the standby streaming" rest_ok "$( [ "$(primary_node)" = 1 ] && echo 2 || echo 1)" /replica
    if [ "$fresh" = 1 ]; then
        load_demo ""
    fi
    start_serves
    start_haproxy
    trap - EXIT
    banner "$t0"
}

cmd_load() {
    load_env
    load_demo "${1:-}"
}

cmd_status() {
    local p i=0 code
    load_env
    echo "== Patroni (patronictl list): role, state, timeline, lag"
    patronictl -c "$DIR/pg1.yml" list 2>/dev/null ||
        echo "  (patronictl failed: is etcd up? scripts/cluster.sh up)"
    n=$(primary_node || true)
    if [ -n "$n" ]; then
        echo "== replication seen from the primary (pg$n)"
        psql_super "$n" -d postgres -c "SELECT application_name AS standby, state, sync_state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes,
            COALESCE(EXTRACT(epoch FROM replay_lag), 0)::numeric(10,3) AS lag_seconds
            FROM pg_stat_replication" 2>/dev/null || true
    fi
    echo "== serves (GET /api/v1/health)"
    for p in $SERVE_PORTS; do
        i=$((i + 1))
        code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/api/v1/health" || true)
        printf '  s%d 127.0.0.1:%s pid %s: %s\n' "$i" "$p" "$(pid_of "serve$i")" \
            "$([ "$code" = 200 ] && echo ok || echo "HTTP ${code:-none}")"
    done
    code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$ENTRY_URL/api/v1/health" || true)
    echo "== entry $ENTRY_URL (HAProxy): $([ "$code" = 200 ] && echo ok || echo "HTTP ${code:-none}")"
}

# Stop the process recorded as NAME: SIGTERM, then SIGKILL after grace seconds.
stop_one() {
    local name=$1 grace=${2:-15} pid i
    pid=$(pid_of "$name")
    [ -n "$pid" ] || return 0
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 10; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            say "$name (pid $pid) did not stop within $grace s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.2
        fi
    fi
    rm -f "$DIR/run/$name.pid"
}

# A postmaster left running by a Patroni that died: stop it by the pid it recorded.
stop_postmaster() {
    local n=$1 pid
    pid=$(head -n 1 "$DIR/pg$n/data/postmaster.pid" 2>/dev/null || true)
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    alive "$pid" || return 0
    say "stopping the postmaster of pg$n (pid $pid) that outlived Patroni"
    as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg$n/data" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
        kill -KILL "$pid" 2>/dev/null || true
}

cmd_down() {
    local keep=${CLUSTER_KEEP:-0} i p left=""
    [ "${1:-}" = --keep ] && keep=1
    if [ ! -f "$DIR/env" ]; then
        say "no cluster in $DIR: nothing to stop"
        return 0
    fi
    load_env
    stop_one haproxy 5
    for i in $(seq 1 "$(echo "$SERVE_PORTS" | wc -w)"); do stop_one "serve$i" 15; done
    # the standby's Patroni first, so that the primary's does not fail over to it meanwhile
    p=$(primary_node || true)
    for i in 2 1; do [ "$i" = "$p" ] || stop_one "patroni$i" 30; done
    [ -z "$p" ] || stop_one "patroni$p" 30
    stop_postmaster 1
    stop_postmaster 2
    stop_one etcd 10
    for p in $ETCD_PORT $ETCD_PEER $PG1 $PG2 $REST1 $REST2 $ENTRY $SERVE_PORTS; do
        ! port_busy "$p" || left="$left $p"
    done
    [ -z "$left" ] || die "ports still in use after down:$left"
    if [ "$keep" = 1 ]; then
        say "stopped; state kept in $DIR"
    else
        rm -rf "$DIR"
        say "stopped; $DIR removed"
    fi
}

# One more serve on a free port, named in HAProxy, which reloads (master-worker: SIGUSR2)
# without dropping connections.
cmd_add_serve() {
    local p i
    load_env
    alive "$(pid_of haproxy)" || die "the cluster in $DIR is not running"
    p=$(pick_port) || die "no free ports on 127.0.0.1"
    SERVE_PORTS="$SERVE_PORTS $p"
    sed -i "s/^SERVE_PORTS=.*/SERVE_PORTS=\"$SERVE_PORTS\"/" "$DIR/env"
    i=$(echo "$SERVE_PORTS" | wc -w)
    SERVE_PORTS=$p start_serves_from "$i"
    write_haproxy
    haproxy -c -q -f "$DIR/haproxy.cfg" || die "HAProxy refuses $DIR/haproxy.cfg"
    kill -USR2 "$(pid_of haproxy)"
    say "serve s$i on 127.0.0.1:$p added to HAProxy"
}

cmd_env() {
    load_env
    cat "$DIR/env"
    for f in "$DIR"/run/*.pid; do
        [ -f "$f" ] && printf 'PID_%s=%s\n' "$(basename "$f" .pid)" "$(cat "$f")"
    done
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down "${2:-}" ;;
status) cmd_status ;;
load) cmd_load "${2:-}" ;;
add-serve) cmd_add_serve ;;
env) cmd_env ;;
*)
    echo "usage: $0 up|down [--keep]|status|load [DEMO SIZE OPTIONS]|add-serve|env" >&2
    exit 2
    ;;
esac
