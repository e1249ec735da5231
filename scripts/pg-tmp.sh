#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests.
#
#   url=$(scripts/pg-tmp.sh start DIR)   # prints postgresql://postgres@127.0.0.1:PORT/dangjian
#   scripts/pg-tmp.sh stop DIR           # stops the cluster and removes DIR
#
# DIR should be a fresh, empty directory (mktemp -d) or not exist yet.  It holds the cluster
# (DIR/data), the unix socket (DIR/sock) and the logs (DIR/*.log).  The server listens on
# 127.0.0.1 only, on a free port, with trust authentication and fsync off: it is for tests
# and nothing else.  A database "dangjian" is created; the superuser is "postgres".
#
# initdb refuses to run as root, so as root every PostgreSQL command runs as the "postgres"
# system user (created by the Debian package) and DIR is handed to that user; the user
# must be able to reach DIR (a mktemp -d under /tmp is fine).  As any other user the
# commands run directly.
#
# Only the URL goes to stdout; progress and errors go to stderr.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_TMP_TIMEOUT (seconds,
# default 30), PG_TMP_SHARED_BUFFERS (default 32MB: tests run several clusters at once; the
# benchmarks give theirs what a tuned server has, a quarter of the machine's memory at most),
# PG_TMP_MAX_WAL (max_wal_size, default 1GB), PG_TMP_CONF (more postgresql.conf lines, e.g.
# shared_preload_libraries = 'citus' for scripts/citus.sh).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
TIMEOUT=${PG_TMP_TIMEOUT:-30}
MARK=.pg-tmp # marks a directory this script made its own; stop removes only those

die() {
    echo "pg-tmp: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
DIR=$2
[ -n "$DIR" ] || usage
case "$DIR" in
/*) ;;
*) DIR=$PWD/$DIR ;;
esac
DIR=${DIR%/}
[ -n "$DIR" ] || die "refusing to use / as the cluster directory"

if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 ||
        die "running as root but there is no 'postgres' system user (install the postgresql package)"
    as_pg() {
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            # su takes one command string: quote every word
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    }
else
    as_pg() { "$@"; }
fi

# the port the server should listen on: random free candidates (scripts/ports.sh)
# shellcheck source=scripts/ports.sh
. "$(dirname "$0")/ports.sh"

pg_ctl_running() {
    [ -f "$DIR/data/postmaster.pid" ] &&
        as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

show_log() {
    if [ -s "$1" ]; then
        echo "pg-tmp: --- last lines of $1:" >&2
        tail -n 25 "$1" >&2
    fi
}

start() {
    [ -x "$PG_BIN/initdb" ] || die "no $PG_BIN/initdb: install PostgreSQL 15 (Debian package postgresql) or set PG_BIN"
    case "$DIR" in
    *[\'\ \	]*) die "cluster directory must not contain quotes or spaces: $DIR" ;;
    esac
    # the unix socket path DIR/sock/.s.PGSQL.NNNNN must fit in sun_path (107 bytes)
    [ $((${#DIR} + 23)) -le 107 ] || die "cluster directory path too long for a unix socket: $DIR"

    if [ -e "$DIR" ]; then
        [ -d "$DIR" ] || die "$DIR exists and is not a directory"
        [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty (use a fresh mktemp -d)"
    else
        mkdir -p "$DIR"
    fi
    touch "$DIR/$MARK"
    chmod 700 "$DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$DIR" "$DIR/$MARK"
        as_pg test -w "$DIR" ||
            die "user postgres cannot write to $DIR (a parent directory is not searchable by it); use a directory under /tmp"
    fi
    # the PostgreSQL tools complain when they cannot enter the current directory
    cd "$DIR"

    if ! as_pg "$PG_BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-locale \
        --no-sync </dev/null >"$DIR/initdb.log" 2>&1; then
        show_log "$DIR/initdb.log"
        die "initdb failed"
    fi
    as_pg mkdir -p "$DIR/sock"
    # trust everything: the server is only reachable from 127.0.0.1 and the socket in DIR
    # (the files belong to the postgres user, so they are written as that user)
    # shellcheck disable=SC2016
    as_pg sh -c 'cat >"$1"' sh "$DIR/data/pg_hba.conf" <<'EOF'
local   all all              trust
host    all all 127.0.0.1/32 trust
EOF
    # shellcheck disable=SC2016
    as_pg sh -c 'cat >>"$1"' sh "$DIR/data/postgresql.conf" <<EOF

# --- pg-tmp.sh: throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = ${PG_TMP_SHARED_BUFFERS:-32MB}
max_wal_size = ${PG_TMP_MAX_WAL:-1GB}
logging_collector = off
${PG_TMP_CONF:-}
EOF

    local deadline=$((SECONDS + TIMEOUT)) port="" attempt
    for attempt in 1 2 3 4 5; do
        port=$(pick_port) || die "no free TCP port found on 127.0.0.1"
        : >"$DIR/server.log"
        [ "$(id -u)" != 0 ] || chown postgres: "$DIR/server.log"
        if as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -o "-p $port" \
            -w -t "$TIMEOUT" start </dev/null >"$DIR/pg_ctl.log" 2>&1; then
            break
        fi
        if grep -qi "could not bind\|address already in use\|could not create any TCP/IP sockets" \
            "$DIR/server.log" && [ "$attempt" -lt 5 ]; then
            # someone took the port between our check and the bind: try another one
            echo "pg-tmp: port $port taken, trying another" >&2
            as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
            continue
        fi
        show_log "$DIR/pg_ctl.log"
        show_log "$DIR/server.log"
        as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "PostgreSQL did not start within $TIMEOUT s (logs in $DIR)"
        fi
        die "PostgreSQL failed to start (logs in $DIR)"
    done
    echo "$port" >"$DIR/port"

    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres -t 1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log "$DIR/server.log"
            as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
            die "PostgreSQL on 127.0.0.1:$port not ready within $TIMEOUT s (logs in $DIR)"
        fi
        sleep 0.2
    done

    if ! "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c 'CREATE DATABASE dangjian' </dev/null >&2; then
        die "could not create database dangjian on 127.0.0.1:$port"
    fi
    echo "postgresql://postgres@127.0.0.1:$port/dangjian"
}

stop() {
    [ -e "$DIR" ] || return 0 # nothing to do: stop is safe to call twice
    [ -d "$DIR" ] || die "$DIR is not a directory"
    if [ ! -e "$DIR/$MARK" ] && [ -n "$(ls -A "$DIR")" ]; then
        die "$DIR was not made by pg-tmp.sh start; not touching it"
    fi
    cd /
    if pg_ctl_running; then
        if ! as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w -t "$TIMEOUT" stop </dev/null >/dev/null; then
            # last resort: the postmaster we started, by the pid it recorded
            local pid
            pid=$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null || true)
            echo "pg-tmp: fast shutdown timed out; killing postmaster $pid" >&2
            case "$pid" in
            '' | *[!0-9]*) ;;
            *) kill -KILL "$pid" 2>/dev/null || true ;;
            esac
        fi
    fi
    rm -rf "$DIR"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
