// A small dictionary: Chinese by default, English on request (kept in localStorage).
// t('key', {n: 3}) replaces {n}; an unknown key shows itself so that it is noticed.
// Only the phone's Chinese words come with the first screen: the console's come with the
// console (addWords), the English ones (ours and Vant's) are fetched the first time English is
// chosen, and until they are in, t() answers in Chinese.
import { ref, shallowReactive } from 'vue';
import { zh } from './messages.js';
import { vantLocale } from '../vant.js';

const KEY = 'dj.locale';
const dicts = shallowReactive({ zh }); // en: once loaded; t() re-renders when it arrives
let vantEn = null;
let english = null;

function initial() {
  try {
    const v = globalThis.localStorage?.getItem(KEY);
    if (v === 'en' || v === 'zh') return v;
  } catch {
    /* storage may be off */
  }
  return 'zh';
}

export const locale = ref(initial());

// The English dictionaries, fetched once; answers when they are in.
export function loadEnglish() {
  english ||= Promise.all([import('./messages.en.js'), import('vant/es/locale/lang/en-US.mjs')]).then(([m, v]) => {
    vantEn = v.default;
    dicts.en = m.en;
    if (locale.value === 'en') vantLocale('en', vantEn);
  });
  return english;
}

function apply(l) {
  locale.value = l;
  try {
    globalThis.localStorage?.setItem(KEY, l);
  } catch {
    /* ignore */
  }
  if (globalThis.document) document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  vantLocale(l, vantEn);
}

// Switch the language. Chinese (and English once loaded) switches at once; the first switch to
// English waits for its words. Answers a promise either way.
export function setLocale(l) {
  const want = l === 'en' ? 'en' : 'zh';
  if (want === 'en' && !dicts.en) return loadEnglish().then(() => apply(want));
  apply(want);
  return Promise.resolve();
}

// More Chinese words: the console's (messages.console.js), registered when the console loads.
export function addWords(more) {
  dicts.zh = { ...dicts.zh, ...more };
}

export function t(key, params) {
  const d = dicts[locale.value] || dicts.zh;
  let s = d[key] ?? dicts.zh[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

export function dimLabel(code) {
  return t(`dim.${code}`);
}
