// Words for API errors: a title by the envelope's code, and the problems in Chinese from the
// reasons of error.details (src/lib/reasons.js). The server's English is shown marked as the
// server's when it sends a reason this app has no words for, and as it is for an error without
// reasons (those are not about what the user entered: the title says what happened).
import { t, locale } from './i18n.js';
import { knownReason, reasonText, serverSaid } from './reasons.js';

export function errorTitle(e) {
  if (!e) return '';
  if (e.code === 'network') return t('err.network');
  const key = `err.code.${e.code}`;
  const s = t(key);
  return s === key ? t('err.code.other', { status: e.status }) : s;
}

const items = (e) => (Array.isArray(e?.details) ? e.details : []);

export function errorMessage(e) {
  if (!e) return '';
  if (locale.value === 'en' || e.code === 'network') return e.message || '';
  const details = items(e);
  // a reply without reasons (401, 415, 5xx, an older server): its title says what, in Chinese
  if (!details.length) return e.message || '';
  if (details.every(knownReason)) return details.map(reasonText).join('；');
  return serverSaid(e.message || '');
}

export function errorText(e) {
  const m = errorMessage(e);
  return m ? `${errorTitle(e)}：${m}` : errorTitle(e);
}
