#!/usr/bin/env bash
# Citus on one machine, for tests and benchmarks (make test-citus; docs/SCALE.md "Running it"):
# a coordinator and two workers, PostgreSQL 15 with the citus extension, all on 127.0.0.1.
#
#   url=$(scripts/citus.sh up)   # build/install Citus if needed, start the three nodes, register
#                                # the workers; prints the coordinator's URL (database dangjian)
#   scripts/citus.sh status [DB] # the nodes and how many shards each holds (in database DB,
#                                # default dangjian)
#   scripts/citus.sh env         # shell variables: CITUS_COORDINATOR, CITUS_WORKERS (URLs)
#   scripts/citus.sh add-worker  # start one more worker and register it (citus_add_node); it
#                                # holds no shards until `rebalance`; prints its URL
#   scripts/citus.sh rebalance   # move shards so every worker holds its share (the background
#                                # rebalancer: citus_rebalance_start, then citus_rebalance_wait),
#                                # writes going on meanwhile (logical replication of each shard)
#   scripts/citus.sh stop-worker N   # stop worker N (1, 2, 3) at once (pg_ctl -m immediate: as
#                                    # if its machine had died), keeping its directory
#   scripts/citus.sh start-worker N  # start it again on the same port
#   scripts/citus.sh down        # stop every node and remove their directories
#   scripts/citus.sh newdb DB    # database DB on every node with the extension and the nodes
#                                # registered, ready for `dangjian init`; a DB the coordinator
#                                # has already (rows loaded on plain PostgreSQL) is kept, and
#                                # init then moves its rows into the shards
#   scripts/citus.sh install     # only make sure Citus is built and installed
#
# Citus is not in Debian. Its source is taken from $CITUS_TARBALL, else from
# ../shared/vendor/citus-12.1.12.tar.gz beside the repository; it is built once under
# build/citus/ (again only when the tarball's sha256 changes) and installed into the system's
# PostgreSQL 15. Without a tarball a Citus already installed (citus.so in `pg_config
# --pkglibdir`) is used. With neither, every command says so and exits with status 3 (skipped).
#
# Each node is a scripts/pg-tmp.sh cluster (a directory under /tmp, fsync off, trust on
# loopback) with synchronous_commit on (see start_node), shared_preload_libraries = 'citus'
# and wal_level = logical (a shard moves
# to a new worker by logical replication while it takes writes; every distributed table has a
# primary key, its replica identity). The state (the nodes' directories) is kept in
# build/citus/state, or in $CITUS_STATE (a second cluster beside it: tests/citus/run.sh).
# Environment: CITUS_TARBALL, CITUS_SHARD_COUNT (citus.shard_count of
# the coordinator, default 4: the API tests create a database per server), CITUS_TIMEOUT
# (seconds for the build, default 900), PG_BIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
BUILD=$root/build/citus
STATE=${CITUS_STATE:-$BUILD/state}
TARBALL=${CITUS_TARBALL:-$root/../shared/vendor/citus-12.1.12.tar.gz}
SHARDS=${CITUS_SHARD_COUNT:-4}
SKIPPED=3

say() { printf 'citus: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

installed() {
    [ -x "$PG_CONFIG" ] && [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]
}

# Build Citus from the tarball when its sha256 differs from the last build's, and install it
# when the installed one is not that build. Without a tarball, an installed Citus will do.
ensure_citus() {
    if [ ! -f "$TARBALL" ]; then
        if installed; then
            say "no tarball at $TARBALL; using the installed Citus ($("$PG_CONFIG" --pkglibdir)/citus.so)"
            return 0
        fi
        echo "Citus: neither ../shared/vendor/citus-12.1.12.tar.gz nor an installed Citus; skipped" >&2
        exit "$SKIPPED"
    fi
    "$root/scripts/deps.sh" citus
    local sum
    sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
    if [ "$(cat "$BUILD/built.sha256" 2>/dev/null || true)" != "$sum" ]; then
        say "building Citus from $TARBALL (about 2 minutes on 2 cores; log in $BUILD/build.log)"
        rm -rf "$BUILD/src" "$BUILD/built.sha256" "$BUILD/installed.sha256"
        mkdir -p "$BUILD/src"
        tar -xzf "$TARBALL" -C "$BUILD/src" --strip-components=1
        if ! (cd "$BUILD/src" &&
            timeout "${CITUS_TIMEOUT:-900}" sh -c "./configure PG_CONFIG=$PG_CONFIG && make -j2") \
            >"$BUILD/build.log" 2>&1; then
            tail -n 30 "$BUILD/build.log" >&2
            die "building Citus failed (log in $BUILD/build.log)"
        fi
        echo "$sum" >"$BUILD/built.sha256"
    fi
    if ! installed || [ "$(cat "$BUILD/installed.sha256" 2>/dev/null || true)" != "$sum" ]; then
        say "installing Citus into $("$PG_CONFIG" --pkglibdir)"
        (cd "$BUILD/src" && make install) >"$BUILD/install.log" 2>&1 ||
            die "make install of Citus failed (log in $BUILD/install.log)"
        echo "$sum" >"$BUILD/installed.sha256"
    fi
}

# psql as the superuser on a node's URL; the SQL comes as one argument
q() {
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" </dev/null
}

node_url() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/dangjian"; }

load_state() {
    [ -f "$STATE" ] || return 1
    # shellcheck source=/dev/null
    . "$STATE"
}

# Start a node in the fresh directory $1, with the citus extension in database dangjian.
# synchronous_commit stays on (pg-tmp.sh turns it off for speed): a shard move decides that
# its copy has caught up by the source's WAL write position (pg_current_wal_lsn()), which a
# commit made without waiting for its WAL to be written may not have reached yet; the move
# then switches to the copy without that commit, and an acknowledged write stays behind in the
# old placement (seen in tests/citus/run.sh: payments and sessions, until this line).
start_node() {
    local conf="shared_preload_libraries = 'citus'
wal_level = logical
synchronous_commit = on"
    [ "$1" != "$COORD" ] || conf="$conf
citus.shard_count = $SHARDS"
    PG_TMP_CONF=$conf "$root/scripts/pg-tmp.sh" start "$1" >/dev/null
    q "$(node_url "$1")" 'CREATE EXTENSION citus'
}

# the workers' directories, from the state (two, and a third after add-worker)
workers() {
    local d
    for d in "$WORKER1" "$WORKER2" "${WORKER3:-}"; do
        [ -z "$d" ] || echo "$d"
    done
}

cmd_up() {
    ensure_citus
    if load_state && [ -f "$COORD/port" ] &&
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$COORD/port")" -t 1; then
        say "already up"
        node_url "$COORD"
        return 0
    fi
    "$root/scripts/deps.sh" citus
    mkdir -p "$BUILD"
    local d conf
    COORD=$(mktemp -d /tmp/dj-citus-c.XXXXXX)
    WORKER1=$(mktemp -d /tmp/dj-citus-w1.XXXXXX)
    WORKER2=$(mktemp -d /tmp/dj-citus-w2.XXXXXX)
    printf 'COORD=%s\nWORKER1=%s\nWORKER2=%s\n' "$COORD" "$WORKER1" "$WORKER2" >"$STATE"
    trap 'say "up failed; stopping what started"; cmd_down; exit 1' ERR
    for d in "$COORD" "$WORKER1" "$WORKER2"; do
        start_node "$d"
    done
    local c
    c=$(node_url "$COORD")
    q "$c" "SELECT citus_set_coordinator_host('127.0.0.1', $(cat "$COORD/port"))" >/dev/null
    for d in "$WORKER1" "$WORKER2"; do
        q "$c" "SELECT citus_add_node('127.0.0.1', $(cat "$d/port"))" >/dev/null
    done
    trap - ERR
    say "coordinator on 127.0.0.1:$(cat "$COORD/port"), workers on $(cat "$WORKER1/port") and $(cat "$WORKER2/port")"
    echo "$c"
}

# the coordinator's URL for database $1 (default dangjian), the state loaded
coord_db() {
    load_state || die "not up (no $STATE)"
    local c
    c=$(node_url "$COORD")
    echo "${c%/*}/${1:-dangjian}"
}

cmd_status() {
    local c
    c=$(coord_db "${1:-}")
    load_state
    q "$c" "SELECT n.nodename || ':' || n.nodeport || '  ' || CASE WHEN n.groupid = 0 THEN 'coordinator' ELSE 'worker' END
              || '  active=' || n.isactive || '  shards=' || count(p.shardid)
            FROM pg_dist_node n LEFT JOIN pg_dist_placement p ON p.groupid = n.groupid
           GROUP BY n.nodename, n.nodeport, n.groupid, n.isactive ORDER BY n.groupid"
    echo "distributed tables: $(q "$c" "SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'h'")," \
        "reference tables: $(q "$c" "SELECT count(*) FROM pg_dist_partition WHERE repmodel = 't'")" \
        "(database ${1:-dangjian})"
}

# pg_ctl as the owner of the clusters (pg-tmp.sh runs them as "postgres" when we are root)
pg_ctl_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" "$@"
    else
        "$PG_BIN/pg_ctl" "$@"
    fi
}

worker_dir() {
    load_state || die "not up (no $STATE)"
    local d
    case "${1:-}" in
    1) d=$WORKER1 ;;
    2) d=$WORKER2 ;;
    3) d=${WORKER3:-} ;;
    *) die "which worker? 1, 2 or 3" ;;
    esac
    if [ -z "$d" ] || [ ! -d "$d/data" ]; then die "there is no worker $1"; fi
    echo "$d"
}

cmd_stop_worker() {
    local d
    d=$(worker_dir "${1:-}")
    pg_ctl_as -D "$d/data" -m immediate -w -t 30 stop </dev/null >/dev/null
    say "worker $1 (127.0.0.1:$(cat "$d/port")) stopped"
}

cmd_start_worker() {
    local d
    d=$(worker_dir "${1:-}")
    pg_ctl_as -D "$d/data" -l "$d/server.log" -o "-p $(cat "$d/port")" -w -t 30 start \
        </dev/null >/dev/null
    say "worker $1 (127.0.0.1:$(cat "$d/port")) started"
}

cmd_env() {
    load_state || die "not up (no $STATE)"
    local d urls=""
    for d in $(workers); do
        urls="$urls${urls:+ }$(node_url "$d")"
    done
    echo "CITUS_COORDINATOR=$(node_url "$COORD")"
    echo "CITUS_WORKERS='$urls'"
}

# A third worker: started like the others and registered in every database of the coordinator
# that has the extension (Citus's metadata is per database; each gets the database and the
# extension on the new node first). It holds reference tables' copies at once and shards only
# after `rebalance`.
cmd_add_worker() {
    load_state || die "not up (no $STATE)"
    [ -z "${WORKER3:-}" ] || die "a third worker is there already ($(node_url "$WORKER3"))"
    WORKER3=$(mktemp -d /tmp/dj-citus-w3.XXXXXX)
    echo "WORKER3=$WORKER3" >>"$STATE"
    start_node "$WORKER3"
    local c w db
    c=$(node_url "$COORD")
    w=$(node_url "$WORKER3")
    for db in $(q "$c" "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"); do
        [ "$(q "${c%/*}/$db" "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")" = 1 ] ||
            continue
        [ "$db" = dangjian ] || q "${w%/*}/postgres" "CREATE DATABASE \"$db\""
        [ "$db" = dangjian ] || q "${w%/*}/$db" 'CREATE EXTENSION citus'
        q "${c%/*}/$db" "SELECT citus_add_node('127.0.0.1', $(cat "$WORKER3/port"))" >/dev/null
    done
    say "third worker on 127.0.0.1:$(cat "$WORKER3/port")"
    node_url "$WORKER3"
}

# Rebalance the shards of database $1 (default dangjian) over the workers, waiting for the moves.
cmd_rebalance() {
    local c
    c=$(coord_db "${1:-}")
    PGOPTIONS='-c client_min_messages=warning' \
        q "$c" "SELECT citus_rebalance_start(shard_transfer_mode => 'force_logical')" >/dev/null
    timeout "${CITUS_TIMEOUT:-900}" "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$c" \
        -c 'SELECT citus_rebalance_wait()' </dev/null >/dev/null ||
        die "the rebalance of ${1:-dangjian} failed or did not end in ${CITUS_TIMEOUT:-900} s"
    say "rebalanced ${1:-dangjian}: $(q "$c" "SELECT string_agg(n.nodeport || '=' || cnt, ' ' ORDER BY n.nodeport)
        FROM (SELECT groupid, count(*) AS cnt FROM pg_dist_placement GROUP BY groupid) p
        JOIN pg_dist_node n USING (groupid)") shards per port"
}

cmd_newdb() {
    load_state || die "not up (no $STATE)"
    local db=${1:-} c d u
    case "$db" in
    '' | *[!a-z0-9_]*) die "newdb: a database name of a-z, 0-9 and _" ;;
    esac
    c=$(node_url "$COORD")
    for d in "$COORD" $(workers); do
        u=$(node_url "$d")
        [ -n "$(q "${u%/*}/postgres" "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] ||
            q "${u%/*}/postgres" "CREATE DATABASE $db"
        q "${u%/*}/$db" 'CREATE EXTENSION IF NOT EXISTS citus'
    done
    q "${c%/*}/$db" "SELECT citus_set_coordinator_host('127.0.0.1', $(cat "$COORD/port"))" >/dev/null
    for d in $(workers); do
        q "${c%/*}/$db" "SELECT citus_add_node('127.0.0.1', $(cat "$d/port"))" >/dev/null
    done
    echo "${c%/*}/$db"
}

cmd_down() {
    load_state || return 0
    local d
    for d in "$COORD" $(workers); do
        [ -z "$d" ] || "$root/scripts/pg-tmp.sh" stop "$d" || say "could not stop the node in $d"
    done
    rm -f "$STATE"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status "${2:-}" ;;
stop-worker) cmd_stop_worker "${2:-}" ;;
start-worker) cmd_start_worker "${2:-}" ;;
env) cmd_env ;;
add-worker) cmd_add_worker ;;
rebalance) cmd_rebalance "${2:-}" ;;
newdb) cmd_newdb "${2:-}" ;;
install) ensure_citus ;;
*)
    echo "usage: $0 up|down|status [DB]|env|add-worker|rebalance [DB]|newdb DB|stop-worker N|start-worker N|install" >&2
    exit 2
    ;;
esac
