#!/usr/bin/env bash
# Build the web app and test it: Vitest component tests, then end-to-end tests in Debian's
# chromium (playwright-core) against a real `dangjian serve` on the demo company.
#
#   scripts/test-web.sh            npm ci, vite build, unit tests, e2e tests (make web-test)
#   scripts/test-web.sh build      npm ci when needed, vite build (make web)
#   scripts/test-web.sh e2e        build, then the e2e tests only (make screenshots)
#
# Screenshots of the main pages (phone and desktop) go to build/screenshots/.
# Needs ./dangjian (make), Node.js >= 20.19 with npm, and /usr/bin/chromium
# (scripts/deps.sh test installs it).  npm only talks to the npm registry (package-lock.json).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/web"
what=${1:-all}

command -v node >/dev/null 2>&1 || { echo "test-web: node not found (Node.js 20.19 or newer builds the web app)" >&2; exit 1; }
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "test-web: Node.js $(node --version) is too old; Vite needs 20.19 or newer" >&2
    exit 1
fi

# npm ci from the committed lockfile; skipped when node_modules already matches it
stamp=node_modules/.dj-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    echo "== npm ci (web) =="
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
fi

echo "== vite build (web/dist) =="
npx --no-install vite build --logLevel warn
node -e '
const fs = require("fs"), path = require("path");
const m = JSON.parse(fs.readFileSync("dist/.vite/manifest.json", "utf8"));
let js = 0, n = 0;
for (const f of fs.readdirSync("dist/assets")) if (f.endsWith(".js.gz")) { js += fs.statSync(path.join("dist/assets", f)).size; n++; }
console.log(`built ${Object.keys(m).length} modules; all JavaScript gzipped: ${(js / 1024).toFixed(1)} KB in ${n} files`);'
[ "$what" = build ] && exit 0

if [ "$what" = all ]; then
    echo "== web unit tests (Vitest) =="
    npx --no-install vitest run
fi

[ -x "$root/dangjian" ] || { echo "test-web: $root/dangjian is missing: build it first (make)" >&2; exit 1; }
# the single sign-on test runs the npm oidc-provider from tests/node_modules
"$root/scripts/test-node.sh" test-web
echo "== web end-to-end tests (chromium) =="
export DJ_BIN="$root/dangjian" DJ_SHOTS="$root/build/screenshots"
rm -rf "$DJ_SHOTS"
node --test --test-reporter=spec --test-concurrency=1 tests/e2e/
echo "screenshots: $DJ_SHOTS"
