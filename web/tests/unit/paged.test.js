import { describe, it, expect } from 'vitest';
import { ref } from 'vue';
import { pageSlice, useShowMore } from '../../src/lib/paged.js';
import { barOption } from '../../src/charts/options.js';

describe('long lists', () => {
  it('cuts a page out of a whole list', () => {
    const l = Array.from({ length: 45 }, (_, i) => i);
    expect(pageSlice(l, 1, 20)).toHaveLength(20);
    expect(pageSlice(l, 3, 20)).toEqual([40, 41, 42, 43, 44]);
    expect(pageSlice(l, 4, 20)).toEqual([]);
  });
  it('shows ten on the phone and ten more on request', () => {
    const items = ref(Array.from({ length: 23 }, (_, i) => i));
    const s = useShowMore(items);
    expect(s.rows.value).toHaveLength(10);
    s.more();
    s.more();
    expect(s.rows.value).toHaveLength(23);
    expect(s.hasMore.value).toBe(false);
  });
  it('lets a chart of many days thin out its labels', () => {
    const days = Array.from({ length: 30 }, (_, i) => ({ name: String(i + 1), value: i }));
    expect(barOption(days).xAxis.axisLabel.interval).toBe(0);
    expect(barOption(days, { labelInterval: 'auto' }).xAxis.axisLabel).toMatchObject({ interval: 'auto', rotate: 0 });
  });
});
