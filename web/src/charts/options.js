// ECharts options built from API replies: pure functions, unit-tested. Values are rounded to
// one decimal for drawing, exactly as the page prints them.
import { DIMS, fmtMonthShort } from '../lib/format.js';
import { t, dimLabel, locale } from '../lib/i18n.js';

const RED = '#c8161d';
const GOLD = '#e6a23c';
const BLUE = '#1989fa';
const one = (p) => (p.value === null || p.value === undefined ? '' : Number(p.value).toFixed(1));
const r1 = (v) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Math.round(Number(v) * 10) / 10);

// dims: {politics: {score, branch_avg}, ...} — the member against the branch average
export function radarOption(dims, { mine = t('chart.me'), avg = t('chart.branchAvg') } = {}) {
  const have = DIMS.filter((d) => dims && dims[d]);
  const indicator = have.map((d) => ({ name: dimLabel(d), max: 100 }));
  const series = [
    {
      name: mine,
      value: have.map((d) => r1(dims[d].score)),
      areaStyle: { color: 'rgba(200,22,29,0.25)' },
      lineStyle: { color: RED },
      itemStyle: { color: RED },
      label: { show: true, color: RED, fontSize: 11, formatter: one },
    },
  ];
  if (have.some((d) => dims[d].branch_avg !== undefined && dims[d].branch_avg !== null)) {
    series.push({
      name: avg,
      value: have.map((d) => r1(dims[d].branch_avg)),
      lineStyle: { color: GOLD, type: 'dashed' },
      itemStyle: { color: GOLD },
    });
  }
  return {
    animation: false,
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, data: series.map((s) => s.name), textStyle: { fontSize: 12 } },
    radar: { indicator, radius: '62%', center: ['50%', '48%'], axisName: { color: '#333', fontSize: 12 } },
    series: [{ type: 'radar', name: 'radar', data: series }],
  };
}

// growth: {months: [YYYYMM], member: [n|null], branch: [n|null]}
export function growthOption(growth, { mine = t('chart.me'), avg = t('chart.branchAvg') } = {}) {
  const months = growth?.months || [];
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, data: [mine, avg], textStyle: { fontSize: 12 } },
    grid: { left: 8, right: 12, top: 16, bottom: 44, containLabel: true },
    xAxis: { type: 'category', data: months.map((m) => fmtMonthShort(m, locale.value)), axisLabel: { fontSize: 10 } },
    yAxis: { type: 'value', scale: true, axisLabel: { fontSize: 10 } },
    series: [
      { name: mine, type: 'line', data: (growth?.member || []).map(r1), connectNulls: false, itemStyle: { color: RED }, symbolSize: 6 },
      { name: avg, type: 'line', data: (growth?.branch || []).map(r1), connectNulls: false, itemStyle: { color: GOLD }, lineStyle: { type: 'dashed' }, symbolSize: 4 },
    ],
  };
}

// a generic line chart: months on x, named series
export function linesOption(months, series) {
  const colors = [RED, GOLD, BLUE, '#07c160', '#7232dd', '#ff976a'];
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, type: 'scroll', data: series.map((s) => s.name) },
    grid: { left: 8, right: 16, top: 16, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: months.map((m) => fmtMonthShort(m, locale.value)) },
    yAxis: { type: 'value', scale: true },
    series: series.map((s, i) => ({ name: s.name, type: 'line', data: s.data.map(r1), itemStyle: { color: colors[i % colors.length] } })),
  };
}

// bars: [{name, value}] with the value rounded to one decimal
export function barOption(items, { name = '', max, labelInterval = 0 } = {}) {
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: items.map((i) => i.name), axisLabel: { interval: labelInterval, rotate: items.length > 6 && labelInterval === 0 ? 30 : 0, fontSize: 11 } },
    yAxis: { type: 'value', max },
    series: [{ name, type: 'bar', data: items.map((i) => r1(i.value)), itemStyle: { color: RED }, label: { show: items.length <= 12, position: 'top', fontSize: 11, formatter: one } }],
  };
}

// many named values (sub-organizations): horizontal bars, highest first, names readable
export function hbarOption(items, { name = '' } = {}) {
  const sorted = [...items].filter((i) => i.value !== null && i.value !== undefined).sort((a, b) => a.value - b.value);
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', scale: true },
    yAxis: { type: 'category', data: sorted.map((i) => i.name), axisLabel: { fontSize: 11, width: 150, overflow: 'truncate' } },
    series: [{ name, type: 'bar', data: sorted.map((i) => r1(i.value)), itemStyle: { color: RED }, label: { show: true, position: 'right', fontSize: 10, formatter: one } }],
  };
}

// the index histogram in ten bands [0,10) ... [90,100]
export function histogramOption(hist) {
  const bands = (hist || []).map((_, i) => (i === 9 ? '90–100' : `${i * 10}–${i * 10 + 9}`));
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: bands, axisLabel: { fontSize: 10 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t('chart.members'), type: 'bar', data: hist || [], itemStyle: { color: RED }, label: { show: true, position: 'top', fontSize: 10 } }],
  };
}

// rows: [{name, dims: {politics: n, ...}}] — sub-organizations side by side
export function heatmapOption(rows) {
  const data = [];
  rows.forEach((row, y) => {
    DIMS.forEach((d, x) => {
      const v = row.dims ? row.dims[d] : undefined;
      const n = v && typeof v === 'object' ? v.score ?? v.avg : v;
      if (n !== undefined && n !== null) data.push([x, y, r1(n)]);
    });
  });
  const values = data.map((d) => d[2]);
  return {
    animation: false,
    tooltip: { position: 'top' },
    // the names take what they need up to 130 px, so that five columns still fit a phone
    grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
    xAxis: { type: 'category', data: DIMS.map(dimLabel), splitArea: { show: true }, axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { width: 130, overflow: 'truncate', fontSize: 11 } },
    visualMap: {
      min: values.length ? Math.floor(Math.min(...values)) : 0,
      max: values.length ? Math.ceil(Math.max(...values)) : 100,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 4,
      inRange: { color: ['#fff5f5', '#f7a1a4', RED] },
    },
    series: [{ name: t('chart.avgScore'), type: 'heatmap', data, label: { show: rows.length <= 20, fontSize: 10 } }],
  };
}

// What both chart components (EChart.vue, SvgChart.vue) take: an option of this file, the
// box's height and the chart's name for screen readers.
export const CHART_PROPS = {
  option: { type: Object, required: true },
  height: { type: String, default: '260px' },
  label: { type: String, default: '' },
};

// The series an option draws, as the chart element's data-series (JSON): tests compare what
// is drawn with what the API said.
export function seriesJson(option) {
  return JSON.stringify((option.series || []).map((s) => ({ name: s.name, type: s.type, data: s.data })));
}
