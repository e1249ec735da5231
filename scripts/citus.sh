#!/usr/bin/env bash
# Citus on one machine, for tests and benchmarks (make test-citus; docs/SCALE.md "Running it"):
# a coordinator and two workers, PostgreSQL 15 with the citus extension, all on 127.0.0.1.
#
#   url=$(scripts/citus.sh up)   # build/install Citus if needed, start the three nodes, register
#                                # the workers; prints the coordinator's URL (database dangjian)
#   scripts/citus.sh status      # the nodes and how many shards each holds
#   scripts/citus.sh env         # shell variables: CITUS_COORDINATOR, CITUS_WORKERS (URLs)
#   scripts/citus.sh down        # stop the three nodes and remove their directories
#   scripts/citus.sh install     # only make sure Citus is built and installed
#
# Citus is not in Debian. Its source is taken from $CITUS_TARBALL, else from
# ../shared/vendor/citus-12.1.12.tar.gz beside the repository; it is built once under
# build/citus/ (again only when the tarball's sha256 changes) and installed into the system's
# PostgreSQL 15. Without a tarball a Citus already installed (citus.so in `pg_config
# --pkglibdir`) is used. With neither, every command says so and exits with status 3 (skipped).
#
# Each node is a scripts/pg-tmp.sh cluster (a directory under /tmp, fsync off, trust on
# loopback) with shared_preload_libraries = 'citus'. The state (the three directories) is kept
# in build/citus/state. Environment: CITUS_TARBALL, CITUS_SHARD_COUNT (citus.shard_count of
# the coordinator, default 4: the API tests create a database per server), CITUS_TIMEOUT
# (seconds for the build, default 900), PG_BIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
BUILD=$root/build/citus
STATE=$BUILD/state
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
        conf="shared_preload_libraries = 'citus'"
        [ "$d" != "$COORD" ] || conf="$conf
citus.shard_count = $SHARDS"
        PG_TMP_CONF=$conf "$root/scripts/pg-tmp.sh" start "$d" >/dev/null
        q "$(node_url "$d")" 'CREATE EXTENSION citus'
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

cmd_status() {
    load_state || die "not up (no $STATE)"
    local c
    c=$(node_url "$COORD")
    q "$c" "SELECT n.nodename || ':' || n.nodeport || '  ' || CASE WHEN n.groupid = 0 THEN 'coordinator' ELSE 'worker' END
              || '  active=' || n.isactive || '  shards=' || count(p.shardid)
            FROM pg_dist_node n LEFT JOIN pg_dist_placement p ON p.groupid = n.groupid
           GROUP BY n.nodename, n.nodeport, n.groupid, n.isactive ORDER BY n.groupid"
    echo "distributed tables: $(q "$c" "SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'h'")," \
        "reference tables: $(q "$c" "SELECT count(*) FROM pg_dist_partition WHERE repmodel = 't'")" \
        "(database dangjian)"
}

cmd_env() {
    load_state || die "not up (no $STATE)"
    echo "CITUS_COORDINATOR=$(node_url "$COORD")"
    echo "CITUS_WORKERS='$(node_url "$WORKER1") $(node_url "$WORKER2")'"
}

cmd_down() {
    load_state || return 0
    local d
    for d in "$COORD" "$WORKER1" "$WORKER2"; do
        [ -z "$d" ] || "$root/scripts/pg-tmp.sh" stop "$d" || say "could not stop the node in $d"
    done
    rm -f "$STATE"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
install) ensure_citus ;;
*)
    echo "usage: $0 up|down|status|env|install" >&2
    exit 2
    ;;
esac
