// Geometry for the member home's two charts, drawn as plain SVG by components/SvgChart.vue
// instead of ECharts (whose code is ten times the rest of the phone's first screen). They
// read the same option objects as ECharts (charts/options.js), so the numbers drawn are the
// ones the unit and end-to-end tests already compare with the API. Pure functions.

const round1 = (v) => Math.round(v * 10) / 10;

// Round steps for an axis: 1, 2 or 5 times a power of ten, about `count` of them over lo..hi.
// Answers {lo, hi, step, ticks} with lo <= every value <= hi.
export function niceTicks(lo, hi, count = 4) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 100, step: 25, ticks: [0, 25, 50, 75, 100] };
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  const a = Math.floor(lo / step) * step;
  const b = Math.ceil(hi / step) * step;
  const ticks = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push(round1(v));
  return { lo: a, hi: b, step, ticks };
}

// The corner of axis i of n on a radar around (cx, cy): the first axis points up, the others
// follow clockwise; `share` is how far out (0 centre, 1 the rim of radius r).
export function radarPoint(i, n, share, cx, cy, r) {
  const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
  return [round1(cx + Math.cos(a) * r * share), round1(cy + Math.sin(a) * r * share)];
}

const pts = (list) => list.map(([x, y]) => `${x},${y}`).join(' ');

// A radar option (charts/options.js radarOption) laid out in a w × h box: the rings, the
// spokes with their names, and each series as a polygon with its corners (null values sit at
// the centre). Legend entries come last, under the chart.
export function radarLayout(option, w, h) {
  const axes = option?.radar?.indicator || [];
  const series = option?.series?.[0]?.data || [];
  const n = axes.length;
  const cx = w / 2;
  const cy = (h - 24) / 2 + 4;
  const r = Math.max(10, Math.min(w, h - 24) * 0.31);
  const rings = [0.2, 0.4, 0.6, 0.8, 1].map((s) => pts(axes.map((_, i) => radarPoint(i, n, s, cx, cy, r))));
  const spokes = axes.map((ax, i) => {
    const [x, y] = radarPoint(i, n, 1, cx, cy, r);
    const [lx, ly] = radarPoint(i, n, 1.18, cx, cy, r);
    const anchor = Math.abs(lx - cx) < 4 ? 'middle' : lx < cx ? 'end' : 'start';
    return { x, y, lx, ly: ly + (ly > cy + 4 ? 10 : ly < cy - 4 ? -2 : 4), anchor, name: ax.name };
  });
  const shapes = series.map((s) => {
    const corners = axes.map((ax, i) => {
      const v = s.value?.[i];
      const share = v === null || v === undefined ? 0 : Math.max(0, Math.min(1, v / (ax.max || 100)));
      return { xy: radarPoint(i, n, share, cx, cy, r), v };
    });
    return {
      name: s.name,
      color: s.itemStyle?.color || s.lineStyle?.color || '#333',
      fill: s.areaStyle?.color || 'none',
      dashed: s.lineStyle?.type === 'dashed',
      labels: !!s.label?.show,
      points: pts(corners.map((c) => c.xy)),
      corners,
    };
  });
  return { cx, cy, rings, spokes, shapes, legend: legendLayout(shapes, w, h) };
}

// A line option (charts/options.js growthOption) in a w × h box: the y axis with round ticks
// over the values (as ECharts' `scale: true`), the months along x, and each series as
// polylines broken where a month has no value (gaps stay gaps) with its points.
export function lineLayout(option, w, h) {
  const cats = option?.xAxis?.data || [];
  const series = option?.series || [];
  const values = series.flatMap((s) => s.data || []).filter((v) => v !== null && v !== undefined);
  const axis = niceTicks(Math.min(...values), Math.max(...values), 4);
  const left = 34;
  const right = 10;
  const top = 12;
  const bottom = 44;
  const pw = Math.max(10, w - left - right);
  const ph = Math.max(10, h - top - bottom);
  const x = (i) => round1(left + (cats.length > 1 ? (pw * i) / (cats.length - 1) : pw / 2));
  const y = (v) => round1(top + ph - ((v - axis.lo) / (axis.hi - axis.lo || 1)) * ph);
  const every = Math.max(1, Math.ceil(cats.length / Math.max(1, Math.floor(pw / 44))));
  const shapes = series.map((s) => {
    const runs = [];
    let run = [];
    (s.data || []).forEach((v, i) => {
      if (v === null || v === undefined) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push([x(i), y(v)]);
    });
    if (run.length) runs.push(run);
    return {
      name: s.name,
      color: s.itemStyle?.color || '#333',
      dashed: s.lineStyle?.type === 'dashed',
      dot: (s.symbolSize || 6) / 2,
      lines: runs.filter((r) => r.length > 1).map(pts),
      dots: runs.flat(),
    };
  });
  return {
    plot: { left, top, right: left + pw, bottom: top + ph },
    yTicks: axis.ticks.map((v) => ({ v, y: y(v) })),
    // every `every`-th month, counted back from the last so that the latest month is named
    xTicks: cats.map((c, i) => ({ c, x: x(i) })).filter((_, i) => (cats.length - 1 - i) % every === 0),
    shapes,
    legend: legendLayout(shapes, w, h),
  };
}

// The series' names in a row centred under the chart: a swatch and the name for each.
function legendLayout(shapes, w, h) {
  const widths = shapes.map((s) => 22 + String(s.name).length * 12 + 12);
  let x = (w - widths.reduce((a, b) => a + b, 0)) / 2;
  return shapes.map((s, i) => {
    const at = { name: s.name, color: s.color, dashed: s.dashed, x: round1(x), y: h - 8 };
    x += widths[i];
    return at;
  });
}
