// Loading state for one API call: data, loading, error, and reload(). The last call wins, so
// a slow reply for an old month never overwrites the month just picked.
import { reactive } from 'vue';

export function useLoad(fn, { immediate = true } = {}) {
  const s = reactive({ data: null, loading: false, error: null, reload });
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
