// The Vant components the app uses, registered globally with only their own styles.
import {
  Button, Cell, CellGroup, Checkbox, CheckboxGroup, Dialog, Empty, Field, Form, Icon, Loading, NavBar,
  Pagination, Picker, Popup, Radio, RadioGroup, Search, Tabbar, TabbarItem, Tag, Tab, Tabs, NoticeBar,
  Badge, Locale,
} from 'vant';
import 'vant/es/style/base.css';
import 'vant/es/button/style/index.mjs';
import 'vant/es/cell/style/index.mjs';
import 'vant/es/cell-group/style/index.mjs';
import 'vant/es/checkbox/style/index.mjs';
import 'vant/es/checkbox-group/style/index.mjs';
import 'vant/es/radio/style/index.mjs';
import 'vant/es/radio-group/style/index.mjs';
import 'vant/es/badge/style/index.mjs';
import 'vant/es/dialog/style/index.mjs';
import 'vant/es/empty/style/index.mjs';
import 'vant/es/field/style/index.mjs';
import 'vant/es/form/style/index.mjs';
import 'vant/es/icon/style/index.mjs';
import 'vant/es/loading/style/index.mjs';
import 'vant/es/nav-bar/style/index.mjs';
import 'vant/es/pagination/style/index.mjs';
import 'vant/es/picker/style/index.mjs';
import 'vant/es/popup/style/index.mjs';
import 'vant/es/search/style/index.mjs';
import 'vant/es/tabbar/style/index.mjs';
import 'vant/es/tabbar-item/style/index.mjs';
import 'vant/es/tag/style/index.mjs';
import 'vant/es/tab/style/index.mjs';
import 'vant/es/tabs/style/index.mjs';
import 'vant/es/notice-bar/style/index.mjs';
import 'vant/es/toast/style/index.mjs';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';

const components = [
  Button, Cell, CellGroup, Checkbox, CheckboxGroup, Dialog, Empty, Field, Form, Icon, Loading, NavBar,
  Pagination, Picker, Popup, Radio, RadioGroup, Search, Tabbar, TabbarItem, Tag, Tab, Tabs, NoticeBar,
  Badge,
];

export function installVant(app) {
  for (const c of components) app.use(c);
}

export function vantLocale(l) {
  if (l === 'en') Locale.use('en-US', enUS);
  else Locale.use('zh-CN', zhCN);
}
