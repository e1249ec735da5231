// Loading state for one API call: data, loading, error, and reload(). The last call wins, so
// a slow reply for an old month never overwrites the month just picked.
import { reactive } from 'vue';
import { errorText } from './errors.js';

// queued: not started here, but shown as loading until the caller starts it (a list that
// waits for another to arrive first).
export function useLoad(fn, { immediate = true, queued = false } = {}) {
  const s = reactive({ data: null, loading: queued, error: null, reload });
  let seq = 0;
  async function reload(...args) {
    const my = ++seq;
    s.loading = true;
    s.error = null;
    try {
      const d = await fn(...args);
      if (my === seq) s.data = d;
    } catch (e) {
      if (my === seq) {
        s.error = e;
        s.data = null;
      }
    } finally {
      if (my === seq) s.loading = false;
    }
    return s.data;
  }
  if (immediate) reload();
  return s;
}

// One write a page makes on request: `busy` holds the key of what is running (a row's id, an
// action's name), `error` the API's answer in words and `failure` the error itself (its
// details name the field a form marks), `result` the reply. run() never throws: it answers
// the reply, or undefined when the call failed.
export function useAction(fn) {
  const s = reactive({ busy: null, error: '', failure: null, result: null, run });
  async function run(key, ...args) {
    s.busy = key ?? true;
    s.error = '';
    s.failure = null;
    try {
      s.result = await fn(key, ...args);
      return s.result;
    } catch (e) {
      s.failure = e;
      s.error = errorText(e);
      return undefined;
    } finally {
      s.busy = null;
    }
  }
  return s;
}
