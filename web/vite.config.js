// Vite builds web/dist, which `dangjian serve` serves (src/http/static.c): hashed files under
// /assets/ get a one-year immutable cache, and every text file gets a brotli and a gzip twin
// (file.br, file.gz, best compression) that the server sends to browsers that accept them.
// Vant's components are imported where a template uses them, each with its own style
// (unplugin-vue-components with vantComponent below), so a page's chunk carries only its own.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { brotliCompressSync, constants } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// <van-cell-group> -> CellGroup from vant/es/cell-group, with vant/es/cell-group/style: each
// component from its own folder (not the package's index, which names them all)
export function vantComponent(name) {
  if (!/^Van[A-Z]/.test(name)) return undefined;
  const dir = name.slice(3).replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase());
  return { name: name.slice(3), from: `vant/es/${dir}/index.mjs`, sideEffects: `vant/es/${dir}/style/index.mjs` };
}

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

// The operations that act for the whole installation (`x-top`): the role must be held on the
// root organization (a provincial company's administrator may not call them).
export function topOperations(doc) {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(ops)) if (op && op['x-top']) out.push(`${method.toUpperCase()} ${path}`);
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
      const doc = JSON.parse(readFileSync(OPENAPI, 'utf8'));
      return `export default ${JSON.stringify(accessTable(doc))};\nexport const TOP = ${JSON.stringify(topOperations(doc))};`;
    },
  };
}

// Vant's icon font comes inside its stylesheet as 34 KB of base64, which every page's CSS
// would carry and the first paint would wait for. Taken out into a file of its own
// (assets/vant-icon-*.woff2), the browser fetches it only when an icon is drawn, beside the
// page instead of before it. The remote fallback URL goes too (an intranet cannot reach it).
function iconFont() {
  const cache = resolve(HERE, 'node_modules/.dj/vant-icon.woff2');
  return {
    name: 'dj-icon-font',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant\/es\/icon\/index\.css$/.test(id.split('?')[0])) return null;
      const m = code.match(/url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\)(,url\([^)]*\) format\("woff"\))?/);
      if (!m) return null;
      mkdirSync(dirname(cache), { recursive: true });
      writeFileSync(cache, Buffer.from(m[1], 'base64'));
      return { code: code.replace(m[0], `url(${relative(dirname(id), cache)}) format("woff2")`), map: null };
    },
  };
}

// index.html starts the first screen's API calls and page code itself (src/early.js, inlined
// in place of <!--dj-early-->): EARLY gets the x-roles of the operations early.js names and,
// in a build, each page's files: its chunk and the chunks and styles it imports that the entry
// does not already load. Served by the dev server too (without the page files).
const EARLY_SRC = resolve(HERE, 'src/early.js');

export function earlyData(src, table, chunkFiles) {
  const ops = [...new Set([...src.matchAll(/'((?:GET|POST|PUT|PATCH|DELETE) \/api\/[^']+)'/g)].map((m) => m[1]))];
  const pagesSrc = src.match(/pages: (\{[^}]*\})/)[1].replace(/'/g, '"').replace(/,\s*\}/, '}');
  const pages = {};
  for (const [path, mod] of Object.entries(JSON.parse(pagesSrc))) pages[path] = chunkFiles ? chunkFiles(mod) : [];
  return { access: Object.fromEntries(ops.filter((op) => table[op]).map((op) => [op, table[op]])), pages };
}

function earlyScript() {
  return {
    name: 'dj-early',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const src = readFileSync(EARLY_SRC, 'utf8');
        const table = accessTable(JSON.parse(readFileSync(OPENAPI, 'utf8')));
        let chunkFiles = null;
        if (ctx.bundle) {
          const chunks = Object.values(ctx.bundle).filter((c) => c.type === 'chunk');
          const entry = chunks.find((c) => c.isEntry);
          const loaded = new Set([entry.fileName, ...entry.imports]);
          chunkFiles = (mod) => {
            const id = resolve(HERE, mod);
            const top = chunks.find((c) => (c.moduleIds || Object.keys(c.modules)).includes(id));
            if (!top) throw new Error(`src/early.js names ${mod}, which is in no chunk`);
            const out = [];
            const walk = (c) => {
              if (!c || loaded.has(c.fileName) || out.includes(`/${c.fileName}`)) return;
              out.push(`/${c.fileName}`);
              for (const css of c.viteMetadata?.importedCss || []) if (!out.includes(`/${css}`)) out.push(`/${css}`);
              for (const f of c.imports) walk(ctx.bundle[f]);
            };
            walk(top);
            return out;
          };
        }
        const data = earlyData(src, table, chunkFiles);
        const code = src
          .replace(/^\/\/.*\n/gm, '')
          .replace(/^export /gm, '')
          .replace(/(const EARLY = )\{[\s\S]*?\n\};/, `$1${JSON.stringify(data)};`);
        // after the app's script and preloads (found first), before the stylesheets (a script
        // after a stylesheet would wait for it)
        const script = `<script>\n${code}boot();\n</script>\n`;
        const at = html.indexOf('<link rel="stylesheet"');
        html = html.replace(/ *<!--dj-early-->\n?/, '');
        return at < 0 ? html.replace('</head>', `${script}</head>`) : html.replace('<link rel="stylesheet"', `${script}    <link rel="stylesheet"`);
      },
    },
  };
}

// The entry's stylesheet goes into index.html itself (<style>): on a phone's network a
// separate file costs a round trip and one of the six requests a browser sends at once, and
// it would hold back the app's script until it came. index.html is revalidated by its ETag
// (src/http/static.c), so a second visit does not fetch these bytes again. URLs inside stay
// right from any page's address: they are made absolute (/assets/...).
export function inlineStyles(html, readCss) {
  return html.replace(/<link rel="stylesheet" crossorigin href="\/(assets\/index-[^"]+\.css)">/g, (tag, file) => {
    const css = readCss(file);
    if (css === null || /<\/style/i.test(css)) return tag;
    return `<style>${css.replace(/url\(\.\//g, 'url(/assets/')}</style>`;
  });
}

function inlineEntryCss() {
  return {
    name: 'dj-inline-css',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        return inlineStyles(html, (file) => {
          const asset = ctx.bundle[file];
          if (!asset || asset.type !== 'asset') return null;
          return typeof asset.source === 'string' ? asset.source : Buffer.from(asset.source).toString('utf8');
        });
      },
    },
  };
}

// Chunks for a phone on a slow network, where every request costs a round trip (half a second)
// and only six go out at once, and every 6 KB more is 40 ms more:
// - "app": all that main.js imports, and what the member home shares with another phone page;
// - "home": the member home and what only it (or it and the console) uses: its charts; the
//   to-dos page, which a notice in the messenger opens, does not wait for them;
// - "phone": what the to-dos page (Inbox) imports besides, shared with the other phone pages;
// - "phone-more": what the other phone pages (my dues, me, rules, login) import besides: form
//   fields, radios, the language switch, which the to-dos page never draws;
// - each phone page's own code in a small chunk of its own; the console as Vite splits it.
const PHONE_PAGES = /[\\/]src[\\/]pages[\\/](member[\\/]|Login\.vue)/;
const HOME = /[\\/]src[\\/]pages[\\/]member[\\/]Home\.vue$/;
const INBOX = /[\\/]src[\\/]pages[\\/]member[\\/]Inbox\.vue$/;

// the phone pages that import `id`, through static imports only
export function phonePagesOf(id, ctx, pages = new Set(), seen = new Set()) {
  if (seen.has(id)) return pages;
  seen.add(id);
  for (const by of ctx.getModuleInfo(id)?.importers || []) {
    if (PHONE_PAGES.test(by)) pages.add(by);
    else phonePagesOf(by, ctx, pages, seen);
  }
  return pages;
}

// whether the entry (main.js) imports `id`, through static imports only
function fromEntry(id, ctx, seen = new Set()) {
  if (seen.has(id)) return false;
  seen.add(id);
  const info = ctx.getModuleInfo(id);
  return !!info && (info.isEntry || info.importers.some((by) => fromEntry(by, ctx, seen)));
}

// the chunk of a module (above), or null for a page's own code and the console's
export function chunkOf(id, ctx) {
  if (fromEntry(id, ctx)) return 'app';
  if (HOME.test(id)) return 'home';
  if (PHONE_PAGES.test(id)) return null;
  const pages = [...phonePagesOf(id, ctx)];
  if (!pages.length) return null;
  if (pages.some((p) => HOME.test(p))) return pages.length > 1 ? 'app' : 'home';
  return pages.some((p) => INBOX.test(p)) ? 'phone' : 'phone-more';
}

const CHUNKS = { groups: [{ name: chunkOf, debugName: 'app/phone' }] };

// gzip as zopfli writes it: the same format every browser reads, 3-6 % smaller than zlib's best
// (the entry 66.8 -> 63.0 KB), paid once at build time (about 10 s for the whole app). Over
// plain HTTP, as inside the intranet, browsers ask for gzip only (brotli they accept over HTTPS).
function precompress() {
  let outDir = 'dist';
  return {
    name: 'dj-precompress',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    async writeBundle(_options, bundle) {
      const names = Object.keys(bundle).filter((f) => /\.(js|css|html|svg|json|txt)$/.test(f));
      for (const name of names) {
        const file = join(outDir, name);
        const raw = readFileSync(file);
        if (raw.length < 256) continue;
        writeFileSync(`${file}.gz`, await gzipAsync(raw, { numiterations: 15 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
        );
      }
    },
  };
}

export default defineConfig({
  // every component is <script setup> (Vant's are setup() too): Vue's Options API stays out
  define: { __VUE_OPTIONS_API__: false },
  plugins: [
    vue(),
    Components({ resolvers: [vantComponent], dirs: [], dts: false }),
    iconFont(),
    access(),
    earlyScript(),
    inlineEntryCss(),
    precompress(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // brotli at its best quality takes two seconds of the build on purpose: no timing report
      checks: { bundlerTimings: false },
      output: {
        codeSplitting: CHUNKS,
      },
    },
  },
  server: {
    proxy: { '/api': process.env.DJ_API || 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.js'],
    // console pages are mounted without AdminLayout, which brings their words in the app
    setupFiles: ['tests/unit/setup.js'],
    // Vant's style entries import .css files: let Vite handle them instead of Node
    server: { deps: { inline: ['vant'] } },
  },
});
