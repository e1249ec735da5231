// Long lists the API answers whole (warnings, cases, arrears, organizations), shown a page at a
// time. The page number lives in the URL (?page=), so the back button and a reload keep it.
import { computed, ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';

export function pageSlice(items, page, size) {
  return items.slice((page - 1) * size, page * size);
}

export function usePaged(items, size = 20) {
  const route = useRoute();
  const router = useRouter();
  const page = computed({
    get: () => Math.max(1, Number(route.query.page) || 1),
    set: (p) => router.push({ query: { ...route.query, page: p > 1 ? p : undefined } }),
  });
  const rows = computed(() => pageSlice(items.value, page.value, size));
  return { page, rows, size };
}

// Phone lists: the first `step` items, and a "load more" that adds `step` at a time.
export function useShowMore(items, step = 10) {
  const limit = ref(step);
  const rows = computed(() => items.value.slice(0, limit.value));
  const hasMore = computed(() => items.value.length > limit.value);
  return { rows, hasMore, more: () => (limit.value += step) };
}
