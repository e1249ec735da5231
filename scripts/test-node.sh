#!/usr/bin/env bash
# What the Node.js tests (tests/api, tests/crash) need before they run: ./dangjian built,
# Node.js 20 or newer, and the npm packages of tests/package.json (the OpenAPI validator,
# node-postgres) installed into tests/node_modules from the committed lockfile (skipped when
# node_modules already matches it).
#
#   scripts/test-node.sh NAME      # NAME prefixes the error messages (test-api, test-crash)
set -euo pipefail
name=${1:-tests}
root=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$root/dangjian" ]; then
    echo "$name: $root/dangjian is missing: build it first (make)" >&2
    exit 1
fi
command -v node >/dev/null 2>&1 || {
    echo "$name: node not found (Node.js 20 or newer runs the tests)" >&2
    exit 1
}
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "$name: Node.js $(node --version) is too old; version 20 or newer is needed" >&2
    exit 1
fi

cd "$root/tests"
stamp=node_modules/.dj-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    echo "== npm ci (tests) =="
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
fi
