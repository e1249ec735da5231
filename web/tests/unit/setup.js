// Every component test sees all the Chinese words: the console's come with AdminLayout.vue in
// the app, and console pages are mounted here without it.
import { addWords } from '../../src/lib/i18n.js';
import { zhConsole } from '../../src/lib/messages.console.js';

addWords(zhConsole);
