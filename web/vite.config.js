// Vite builds web/dist, which `dangjian serve` serves (src/http/static.c): hashed files under
// /assets/ get a one-year immutable cache, and every text file gets a gzip twin (file.gz,
// zlib level 9) that the server sends when the browser accepts gzip.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { gzipSync, constants } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OPENAPI = resolve(HERE, '../docs/openapi.json');

// `virtual:dj-access`: the role × operation table the server enforces, read from
// docs/openapi.json (`x-roles` of every operation) when the app is built, so that the pages
// offer only what the roles may call: {"GET /api/v1/dues/bases": ["secretary", ...], ...}.
// Only this small table goes into the bundle, never the document itself.
export function accessTable(doc) {
  const out = {};
  for (const [path, ops] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (op && Array.isArray(op['x-roles'])) out[`${method.toUpperCase()} ${path}`] = op['x-roles'];
    }
  }
  return out;
}

function access() {
  const id = 'virtual:dj-access';
  return {
    name: 'dj-access',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(loaded) {
      if (loaded !== `\0${id}`) return null;
      this.addWatchFile(OPENAPI);
      const table = accessTable(JSON.parse(readFileSync(OPENAPI, 'utf8')));
      return `export default ${JSON.stringify(table)};`;
    },
  };
}

function precompress() {
  let outDir = 'dist';
  return {
    name: 'dj-precompress',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    writeBundle(_options, bundle) {
      const names = Object.keys(bundle).filter((f) => /\.(js|css|html|svg|json|txt)$/.test(f));
      for (const name of names) {
        const file = join(outDir, name);
        const raw = readFileSync(file);
        if (raw.length < 256) continue;
        writeFileSync(`${file}.gz`, gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }));
      }
    },
  };
}

export default defineConfig({
  plugins: [vue(), access(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/api': process.env.DJ_API || 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.js'],
    // Vant's style entries import .css files: let Vite handle them instead of Node
    server: { deps: { inline: ['vant'] } },
  },
});
