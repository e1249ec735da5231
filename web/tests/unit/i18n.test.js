import { describe, it, expect, beforeEach } from 'vitest';
import { t, setLocale, locale, dimLabel } from '../../src/lib/i18n.js';
import { zh } from '../../src/lib/messages.js';
import { en } from '../../src/lib/messages.en.js';

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
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });
});
