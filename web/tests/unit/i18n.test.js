import { describe, it, expect, beforeEach } from 'vitest';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { t, setLocale, locale, dimLabel } from '../../src/lib/i18n.js';
import { zh } from '../../src/lib/messages.js';
import { en } from '../../src/lib/messages.en.js';
import { zhConsole } from '../../src/lib/messages.console.js';

describe('i18n', () => {
  beforeEach(() => setLocale('zh'));
  it('is Chinese by default and switches to English once its words are in', async () => {
    expect(locale.value).toBe('zh');
    expect(t('login.submit')).toBe('登录');
    await setLocale('en');
    expect(t('login.submit')).toBe('Sign in');
    expect(localStorage.getItem('dj.locale')).toBe('en');
  });
  it('names the five dimensions', () => {
    expect(['politics', 'theory', 'discipline', 'performance', 'honours'].map(dimLabel)).toEqual(['讲政治', '有理论', '严纪律', '重业绩', '争荣誉']);
  });
  it('fills parameters', () => {
    expect(t('pager.total', { n: 42 })).toBe('共 42 条');
  });
  it('has the same keys in both languages', () => {
    expect(Object.keys(en).sort()).toEqual([...Object.keys(zh), ...Object.keys(zhConsole)].sort());
  });
});

// The phone's pages (and all they import) must not need the console's words, which they do not
// load: no key of messages.console.js, nor a key made from one of its prefixes, in their code.
describe('the words of the phone pages', () => {
  const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
  function reached(files) {
    const seen = new Set();
    const todo = [...files];
    while (todo.length) {
      const f = todo.pop();
      if (seen.has(f) || !existsSync(f)) continue;
      seen.add(f);
      for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.\.?\/[^']+\.(?:js|vue))'/g)) {
        const dep = resolve(dirname(f), m[1]);
        if (!dep.includes('/pages/admin/')) todo.push(dep);
      }
    }
    return [...seen];
  }
  it('are all in messages.js', () => {
    const pages = [...readdirSync(join(SRC, 'pages/member')).map((f) => join(SRC, 'pages/member', f)), ...['Login.vue', 'NotFound.vue', 'Forbidden.vue'].map((f) => join(SRC, 'pages', f))];
    const files = reached([...pages, join(SRC, 'main.js')]).filter((f) => !/messages(\.console|\.en)?\.js$/.test(f));
    const prefixes = new Set(Object.keys(zhConsole).map((k) => k.split('.')[0]));
    const wrong = [];
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\((['`])([\w.]+)/g)) {
        const key = m[2];
        if (zhConsole[key] || (m[1] === '`' && prefixes.has(key.split('.')[0]) && !zh[key])) wrong.push(`${f.slice(SRC.length)}: ${key}`);
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });
});
