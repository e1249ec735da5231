import { describe, it, expect } from 'vitest';
import { radarOption, growthOption, heatmapOption, histogramOption } from '../../src/charts/options.js';
import { niceTicks, radarLayout, lineLayout } from '../../src/charts/svg.js';

const dims = {
  politics: { score: 75.04, branch_avg: 70.26 },
  theory: { score: 60, branch_avg: 66.55 },
  discipline: { score: 70, branch_avg: 69.9 },
  performance: { score: 84.96, branch_avg: 72 },
  honours: { score: 61, branch_avg: 62.44 },
};

describe('chart options', () => {
  it('draws the member against the branch average on the radar, one decimal', () => {
    const o = radarOption(dims);
    expect(o.radar.indicator.map((i) => i.name)).toEqual(['讲政治', '有理论', '严纪律', '重业绩', '争荣誉']);
    expect(o.radar.indicator.every((i) => i.max === 100)).toBe(true);
    const [me, avg] = o.series[0].data;
    expect(me.value).toEqual([75, 60, 70, 85, 61]);
    expect(avg.value).toEqual([70.3, 66.6, 69.9, 72, 62.4]);
  });
  it('keeps gaps in the growth line where a month was not scored', () => {
    const o = growthOption({ months: [202401, 202402, 202403], member: [null, 71.26, 73], branch: [68.04, null, 70] });
    expect(o.series[0].data).toEqual([null, 71.3, 73]);
    expect(o.series[1].data).toEqual([68, null, 70]);
    expect(o.xAxis.data).toHaveLength(3);
  });
  it('places sub-organizations on a heatmap by dimension', () => {
    const o = heatmapOption([{ name: 'A', dims: { politics: 70.04, theory: 65 } }, { name: 'B', dims: { politics: 80 } }]);
    expect(o.series[0].data).toEqual([[0, 0, 70], [1, 0, 65], [0, 1, 80]]);
    expect(o.yAxis.data).toEqual(['A', 'B']);
  });
  it('labels the ten index bands', () => {
    const o = histogramOption([0, 0, 0, 0, 0, 1, 4, 9, 2, 0]);
    expect(o.xAxis.data[0]).toBe('0–9');
    expect(o.xAxis.data[9]).toBe('90–100');
  });
});

import { orgDimRows, childRows } from '../../src/lib/orgportrait.js';
import { rankRows, swRows } from '../../src/lib/portrait.js';

describe('reading portraits', () => {
  it('reads an organization portrait as the API gives it (dims {avg}, children dims numbers)', () => {
    const p = {
      dims: { politics: { label: '讲政治', avg: 74.1 }, theory: { label: '有理论', avg: 84.2 } },
      children: [{ org_id: 2, name: '东州供电公司党委', members: 533, index: 70.8, dims: { politics: 73.9, theory: 84 } }],
    };
    expect(orgDimRows(p).map((d) => [d.code, d.value])).toEqual([['politics', 74.1], ['theory', 84.2]]);
    expect(childRows(p)).toEqual([{ id: 2, name: '东州供电公司党委', members: 533, index: 70.8, dims: { politics: 73.9, theory: 84 } }]);
  });
  it('turns rank shares into percentages and keeps the scopes in order', () => {
    const rows = rankRows({ ranks: { company: { rank: 9699, of: 10000, percentile: 0.0295 }, branch: { rank: 20, of: 22, percentile: 0.0909 } } });
    expect(rows.map((r) => r.scope)).toEqual(['branch', 'company']);
    expect(rows[1].percentile).toBeCloseTo(2.95);
  });
  it('lists the indicators behind a weakness, marking the missing ones', () => {
    const [w] = swRows([{ dimension: 'performance', diff: -13, indicators: [{ indicator: 'perf.rating', name: '绩效考核等级', points: 0, branch_avg: 12.5, missing: true }] }]);
    expect(w.label).toBe('重业绩');
    expect(w.indicators[0]).toEqual({ code: 'perf.rating', name: '绩效考核等级', points: 0, avg: 12.5, missing: true });
  });
});

describe('the member home’s own SVG charts (charts/svg.js)', () => {
  it('puts round ticks around the values', () => {
    expect(niceTicks(61.3, 78.9)).toEqual({ lo: 60, hi: 80, step: 5, ticks: [60, 65, 70, 75, 80] });
    expect(niceTicks(70, 70).ticks[0]).toBeLessThanOrEqual(70);
  });
  it('draws the radar’s corners from the option, the first axis up', () => {
    const L = radarLayout(radarOption(dims), 340, 280);
    expect(L.spokes.map((s) => s.name)).toEqual(['讲政治', '有理论', '严纪律', '重业绩', '争荣誉']);
    expect(L.shapes).toHaveLength(2);
    const [top] = L.shapes[0].corners;
    expect(top.xy[0]).toBe(L.cx);
    expect(top.xy[1]).toBeLessThan(L.cy);
    expect(L.shapes[0].corners.map((c) => c.v)).toEqual(radarOption(dims).series[0].data[0].value);
  });
  it('breaks the line where a month has no value and names the latest month', () => {
    const L = lineLayout(growthOption({ months: [202401, 202402, 202403, 202404], member: [70, null, 72, 73], branch: [68, 69, 70, 71] }), 340, 240);
    expect(L.shapes[0].lines).toHaveLength(1); // 202401 alone is a point, 202403-04 a line
    expect(L.shapes[0].dots).toHaveLength(3);
    expect(L.shapes[1].lines).toHaveLength(1);
    expect(L.xTicks.at(-1).c).toBe(growthOption({ months: [202404] }).xAxis.data[0]);
  });
});
