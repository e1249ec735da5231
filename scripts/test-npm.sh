#!/usr/bin/env bash
# The npm packages the Node.js tests use (tests/package.json: the OpenAPI validator for the
# API tests, node-postgres for the crash trials), installed into tests/node_modules from the
# committed lockfile; skipped when node_modules already matches it.
set -euo pipefail
cd "$(dirname "$0")/../tests"
stamp=node_modules/.dj-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    echo "== npm ci (tests) =="
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
fi
