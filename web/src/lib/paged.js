// Long lists the API answers whole (warnings, cases, arrears, organizations), shown a page at a
// time. The page number lives in the URL (?page=), so the back button and a reload keep it.
import { computed, ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { monthAdd } from './format.js';

export function pageSlice(items, page, size) {
  return items.slice((page - 1) * size, page * size);
}

// The page number of the URL (?page=, from 1) as a writable computed: lists the API pages
// itself pass it on as the query's page.
export function useQueryPage() {
  const route = useRoute();
  const router = useRouter();
  return computed({
    get: () => Math.max(1, Number(route.query.page) || 1),
    set: (p) => router.push({ query: { ...route.query, page: p > 1 ? p : undefined } }),
  });
}

export function usePaged(items, size = 20) {
  const page = useQueryPage();
  const rows = computed(() => pageSlice(items.value, page.value, size));
  return { page, rows, size };
}

// The first month of a period that ends at month() (a getter): ?<key>= when it is one of the
// 24 months up to month(), else January of month()'s year; months lists the choices, newest
// first, and set() puts a choice in the URL.
export function useQueryFrom(key, month) {
  const route = useRoute();
  const router = useRouter();
  const months = computed(() => Array.from({ length: 24 }, (_, i) => monthAdd(month(), -i)));
  const from = computed(() => {
    const f = Number(route.query[key]);
    return months.value.includes(f) ? f : Math.floor(month() / 100) * 100 + 1;
  });
  const set = (m) => router.push({ query: { ...route.query, [key]: m, page: undefined } });
  return { months, from, set };
}

// Phone lists: the first `step` items, and a "load more" that adds `step` at a time.
export function useShowMore(items, step = 10) {
  const limit = ref(step);
  const rows = computed(() => items.value.slice(0, limit.value));
  const hasMore = computed(() => items.value.length > limit.value);
  return { rows, hasMore, more: () => (limit.value += step) };
}
