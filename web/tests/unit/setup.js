// Every component test file: all the Chinese words (the console's come with AdminLayout.vue in
// the app, and console pages are mounted here without it), and a pause at the end for Vant's
// own timers (a fixed bar measures itself 100-300 ms after mounting) to run while the page
// environment is still there.
import { afterAll } from 'vitest';
import { addWords } from '../../src/lib/i18n.js';
import { zhConsole } from '../../src/lib/messages.console.js';

addWords(zhConsole);
afterAll(() => new Promise((r) => setTimeout(r, 400)));
