#!/usr/bin/env bash
# The README's first command (make run): the whole product on the demo company.
#
#   1. the web app: built into web/dist when it is missing or older than its sources
#      (scripts/test-web.sh build: npm ci from the committed lockfile, then vite build);
#   2. the demo database (DB, default var/dangjian.db): made once by `dangjian demo`, migrated
#      on later runs;
#   3. `dangjian serve` on LISTEN (default 127.0.0.1:8080) with the app at /, and once it
#      answers, a banner with the address and the demo logins.
#
# Needs ./dangjian (make builds it first).  Without Node.js 20.19 or newer the web app cannot
# be built: the script says so and stops instead of serving an empty site.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DB=${DB:-var/dangjian.db}
LISTEN=${LISTEN:-127.0.0.1:8080}
start=${RUN_START:-$(date +%s%N)}

say() { printf '%s\n' "$*" >&2; }

# ---- 1. the web app

# the newest source file the build reads, against the build's index.html
web_stale() {
    [ -f web/dist/index.html ] || return 0
    [ -n "$(find web/src web/public web/index.html web/vite.config.js web/package.json \
        web/package-lock.json -newer web/dist/index.html -print -quit 2>/dev/null)" ]
}

node_ok() {
    command -v node >/dev/null 2>&1 &&
        node -e 'const [a,b]=process.versions.node.split(".").map(Number);
                 process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null
}

node_advice() {
    local have="no Node.js is installed"
    command -v node >/dev/null 2>&1 && have="this machine has Node.js $(node --version)"
    say "make run: the web app needs Node.js 20.19 or newer to build, and $have."
    say "  Debian 12's own nodejs package is version 18, which is too old for Vite."
    say "  Install Node.js 20.19+ (a release from the Node.js project, or a distribution"
    say "  package of version 20.19 or later) so that 'node' is on PATH, then run 'make run' again."
}

if web_stale; then
    if node_ok; then
        [ -f web/dist/index.html ] && say "make run: web/src changed since the last build: rebuilding the web app" ||
            say "make run: building the web app (first time: npm ci, then vite build)"
        if ! scripts/test-web.sh build; then
            say "make run: the web app did not build (see the messages above)."
            say "  npm needs to reach the npm registry for 'npm ci' the first time; after a fix,"
            say "  run 'make run' again."
            exit 1
        fi
    elif [ -f web/dist/index.html ]; then
        node_advice
        say "make run: serving the web app built earlier, which is older than web/src."
    else
        node_advice
        exit 1
    fi
fi

# ---- 2. the demo database, made once

mkdir -p "$(dirname "$DB")"
if [ -f "$DB" ]; then
    ./dangjian init --db "$DB" >/dev/null
else
    say "make run: making the demo company in $DB (once)"
    ./dangjian demo --db "$DB" >/dev/null
fi

# ---- 3. serve, then the banner once it answers

./dangjian serve --db "$DB" --listen "$LISTEN" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"; exit 0' INT TERM
url="http://$LISTEN/"
for _ in $(seq 1 100); do
    if ! kill -0 "$server" 2>/dev/null; then
        wait "$server" || true
        say "make run: the server did not start (is $LISTEN in use? LISTEN=127.0.0.1:8081 make run)"
        exit 1
    fi
    curl -fsS -o /dev/null "$url" 2>/dev/null && break
    sleep 0.1
done
ms=$((($(date +%s%N) - start) / 1000000))
{
    echo
    echo "================================================================================"
    echo "  智慧党建平台 dangjian is ready: open $url"
    printf '  (ready %d.%d s after make run started; Ctrl-C stops the server)\n' $((ms / 1000)) $((ms % 1000 / 100))
    echo "================================================================================"
    ./dangjian demo --db "$DB" --print-accounts
} >&2
wait "$server"
