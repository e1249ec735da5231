#!/bin/sh
# Install the Debian packages a step needs, only when missing (idempotent, quiet when all
# is there).  Usage: scripts/deps.sh build|run|test|bench|fuzz|crash|cluster|citus
set -e
build="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
       libsodium-dev libcsv-dev libxlsxwriter-dev libcurl4-openssl-dev
       libzip-dev libexpat1-dev libssl-dev"
# clang and its libFuzzer/sanitizer runtimes build the fuzz targets (tests/fuzz/); the
# runtimes are only a Recommends of clang-14, so they are named
fuzzers="clang-14 libclang-rt-14-dev"
# chromium runs the web app's end-to-end tests; a CJK font lets it draw Chinese; make test
# replays the fuzzers' seeds and crash inputs, so it builds them too
# the API tests and the crash trials read databases with the sqlite3 shell
# python3-openpyxl writes the .xlsx files the import tests read
test="$build libcmocka-dev python3-openpyxl postgresql sqlite3 curl chromium fonts-wqy-microhei $fuzzers"
# make test-crash: the trials copy databases on a PostgreSQL cluster and read SQLite files
crash="$build postgresql sqlite3"
# make fuzz: llvm-symbolizer names the functions in a crash's stack
fuzz="$build $fuzzers llvm-14"
bench="$build sqlite3 nginx-light wrk"
# make run: curl waits for the server before the banner
run="$build curl"
# make cluster / test-cluster / bench-cluster (scripts/cluster.sh): etcd, Patroni (with its
# etcd client), PostgreSQL 15 and HAProxy; curl asks the Patroni REST API and the serves'
# health; wrk measures through HAProxy
cluster="$build postgresql-15 etcd-server patroni python3-etcd python3-psycopg2 haproxy curl wrk"
# scripts/citus.sh / make test-citus: Citus is built from its source (../shared/vendor) against
# PostgreSQL 15's server headers and the libraries its configure asks for
citus="$build postgresql-15 postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev
       libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev"

case "${1:-build}" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
crash) want=$crash ;;
cluster) want=$cluster ;;
citus) want=$citus ;;
*) echo "usage: $0 build|run|test|bench|fuzz|crash|cluster|citus" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
# Node.js runs the API tests; the machine image ships it, Debian's package otherwise.
if { [ "$1" = test ] || [ "$1" = bench ] || [ "$1" = crash ] || [ "$1" = cluster ] || [ "$1" = citus ]; } && ! command -v node >/dev/null 2>&1; then
    missing="$missing nodejs"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing (run as root or: sudo apt-get install$missing)" >&2
    exit 1
fi
echo "installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
