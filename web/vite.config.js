// Vite builds web/dist, which `dangjian serve` serves (src/http/static.c): hashed files under
// /assets/ get a one-year immutable cache, and every text file gets a gzip twin (file.gz,
// zlib level 9) that the server sends when the browser accepts gzip.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { gzipSync, constants } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  plugins: [vue(), precompress()],
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
