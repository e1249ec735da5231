// Words for API errors: a title by the envelope's code, and the API's own message.
import { t } from './i18n.js';

export function errorTitle(e) {
  if (!e) return '';
  if (e.code === 'network') return t('err.network');
  const key = `err.code.${e.code}`;
  const s = t(key);
  return s === key ? t('err.code.other', { status: e.status }) : s;
}

export function errorMessage(e) {
  if (!e) return '';
  return e.message || '';
}

export function errorText(e) {
  const m = errorMessage(e);
  return m ? `${errorTitle(e)}：${m}` : errorTitle(e);
}
