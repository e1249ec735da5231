import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';
import { locale, setLocale } from './lib/i18n.js';
import './style.css';

const app = createApp(App);
// English (when chosen earlier) is fetched beside the first screen, which shows Chinese meanwhile
setLocale(locale.value);
app.use(router);
app.mount('#app');
