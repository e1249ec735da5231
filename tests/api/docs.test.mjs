// The documentation stands alone: every link in the repository's Markdown (README.md, docs/,
// web/README.md, any README.md under src/) points at a file or folder that exists inside the
// repository. A relative path that is missing, or that climbs out of the repository, fails;
// so does a link to the outside world (http, https, or any other scheme) that is not in
// ALLOWED below. No server: it only reads files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Links to the outside world that the documentation may keep, each with its reason.
// Empty: the repository explains itself; the regulations it follows are named by title and
// document number (docs/DUES.md, docs/PLANS.md), not by a web address.
const ALLOWED = new Map([]);

/** The Markdown files that users read. */
function markdownFiles() {
  const files = ['README.md', 'web/README.md'].filter((f) => existsSync(path.join(ROOT, f)));
  const walk = (dir, keep) => {
    if (!existsSync(path.join(ROOT, dir))) return;
    for (const name of readdirSync(path.join(ROOT, dir)).sort()) {
      const rel = path.posix.join(dir, name);
      if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel, keep);
      else if (keep(name)) files.push(rel);
    }
  };
  walk('docs', (n) => n.endsWith('.md'));
  walk('src', (n) => n === 'README.md');
  return files;
}

/** Every link target in a Markdown text, with its line: [text](target), ![alt](target),
 *  reference definitions "[id]: target", and src/href attributes of inline HTML. Code spans
 *  and fenced code blocks are not links. */
export function linksIn(text) {
  const out = [];
  let fenced = false;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    const add = (target) => out.push({ line: i + 1, target: target.trim() });
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) add(m[1]);
    const def = line.match(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/);
    if (def) add(def[1]);
    for (const m of line.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"/g)) add(m[1]);
    for (const m of line.matchAll(/<(https?:\/\/[^>\s]+)>/g)) add(m[1]);
  });
  return out;
}

/** Why a link from file is broken, or null when it is fine. */
export function problem(file, target) {
  if (target.startsWith('#')) return null; // a heading in the same file
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    return ALLOWED.has(target) ? null : 'leaves the repository (a web address not in the allow-list)';
  }
  if (target.startsWith('//')) return 'leaves the repository (a protocol-relative address)';
  const bare = decodeURIComponent(target.replace(/[?#].*$/, ''));
  if (!bare) return null;
  if (bare.startsWith('/')) return 'is an absolute path: link relative to the file instead';
  const resolved = path.resolve(ROOT, path.dirname(file), bare);
  const rel = path.relative(ROOT, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return 'climbs out of the repository';
  if (!existsSync(resolved)) return `points at ${rel}, which does not exist`;
  return null;
}

test('the documentation links only to files inside the repository', () => {
  const files = markdownFiles();
  assert.ok(files.includes('README.md') && files.some((f) => f.startsWith('docs/')), 'README.md and docs/ are found');
  const bad = [];
  let links = 0;
  for (const file of files) {
    for (const { line, target } of linksIn(readFileSync(path.join(ROOT, file), 'utf8'))) {
      links++;
      const why = problem(file, target);
      if (why) bad.push(`${file}:${line}: ${target} ${why}`);
    }
  }
  assert.ok(links > 0, 'some links were read');
  assert.deepEqual(bad, [], `broken or outside links:\n${bad.join('\n')}`);
});

test('the documentation names no folder outside the repository', () => {
  // a path such as ../shared/X.md written as text (not as a link) sends readers outside too
  const bad = [];
  for (const file of markdownFiles()) {
    readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(/(?:^|[\s`(])((?:\.\.\/)+[\w.-][^\s`)]*)/g)) {
          if (problem(file, m[1])) bad.push(`${file}:${i + 1}: ${m[1]}`);
        }
      });
  }
  assert.deepEqual(bad, [], `paths outside the repository:\n${bad.join('\n')}`);
});

test('the link checker itself: what it accepts and what it refuses', () => {
  const targets = linksIn(
    [
      '[a](docs/DUES.md) ![b](docs/screenshots/x.png "t") <img src="y.png">',
      '[c]: ../z.md',
      '`[not](a-link.md)`',
      '```',
      '[inside](a-fence.md)',
      '```',
      '<https://example.invalid/>',
    ].join('\n'),
  ).map((l) => l.target);
  assert.deepEqual(targets, ['docs/DUES.md', 'docs/screenshots/x.png', 'y.png', '../z.md', 'https://example.invalid/']);
  assert.equal(problem('README.md', 'docs/DUES.md'), null);
  assert.equal(problem('docs/DUES.md', 'SCORING.md#run'), null);
  assert.equal(problem('docs/DUES.md', '#sources'), null);
  assert.match(problem('README.md', '../shared/DOMAIN.md'), /climbs out/);
  assert.match(problem('docs/DUES.md', '../../etc/passwd'), /climbs out/);
  assert.match(problem('README.md', 'docs/NOPE.md'), /does not exist/);
  assert.match(problem('README.md', '/etc/passwd'), /absolute/);
  assert.match(problem('README.md', 'https://example.invalid/'), /leaves the repository/);
  assert.match(problem('README.md', 'mailto:someone@example.invalid'), /leaves the repository/);
});
