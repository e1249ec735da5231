import { createApp, watch } from 'vue';
import App from './App.vue';
import { router } from './router.js';
import { installVant, vantLocale } from './vant.js';
import { locale, setLocale } from './lib/i18n.js';
import './style.css';

const app = createApp(App);
installVant(app);
setLocale(locale.value);
vantLocale(locale.value);
watch(locale, (l) => vantLocale(l));
app.use(router);
app.mount('#app');
