// Vant's own words (picker buttons, dialogs, "loading"): Chinese with the first screen, English
// only when someone switches to it (lib/i18n.js loads it beside the English messages). The
// components themselves are imported where a template uses them (vite.config.js,
// unplugin-vue-components), never all at once.
import { Locale } from 'vant/es/locale/index.mjs';
import zhCN from 'vant/es/locale/lang/zh-CN.mjs';

export function vantLocale(l, enUS) {
  if (l === 'en' && enUS) Locale.use('en-US', enUS);
  else Locale.use('zh-CN', zhCN);
}
