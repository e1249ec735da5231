// ECharts, tree-shaken: only the radar, line, bar and heatmap charts and the SVG renderer
// (SVG keeps labels as text that tests and screen readers can read).
import { use, init, getInstanceByDom } from 'echarts/core';
import { RadarChart, LineChart, BarChart, HeatmapChart } from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  RadarComponent,
  VisualMapComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

use([
  RadarChart,
  LineChart,
  BarChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  RadarComponent,
  VisualMapComponent,
  SVGRenderer,
]);

export { init, getInstanceByDom };
