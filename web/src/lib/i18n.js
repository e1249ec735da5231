// A small dictionary: Chinese by default, English on request (kept in localStorage).
// t('key', {n: 3}) replaces {n}; an unknown key shows itself so that it is noticed.
import { ref } from 'vue';
import { zh, en } from './messages.js';

const KEY = 'dj.locale';
const dicts = { zh, en };

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

export function setLocale(l) {
  locale.value = l === 'en' ? 'en' : 'zh';
  try {
    globalThis.localStorage?.setItem(KEY, locale.value);
  } catch {
    /* ignore */
  }
  if (globalThis.document) document.documentElement.lang = locale.value === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, params) {
  const d = dicts[locale.value] || zh;
  let s = d[key] ?? zh[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

export function dimLabel(code) {
  return t(`dim.${code}`);
}

export const messages = dicts;
