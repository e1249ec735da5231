// How the build splits the phone pages' code (vite.config.js chunkOf): the to-dos page, opened
// from a notice, carries neither the member home's charts nor the other pages' form fields.
import { describe, it, expect } from 'vitest';
import { chunkOf } from '../../vite.config.js';

const P = '/w/src/pages/';
// a module graph: id -> static importers (the entry is main.js)
const GRAPH = {
  '/w/src/main.js': [],
  '/w/src/router.js': ['/w/src/main.js'],
  '/w/src/lib/api.js': ['/w/src/router.js', `${P}member/Inbox.vue`],
  [`${P}member/Home.vue`]: [],
  [`${P}member/Inbox.vue`]: [],
  [`${P}member/Dues.vue`]: [],
  [`${P}Login.vue`]: [],
  [`${P}admin/Portraits.vue`]: [],
  '/w/src/charts/SvgChart.vue': [`${P}member/Home.vue`, `${P}admin/Portraits.vue`],
  '/w/src/components/MonthPicker.vue': [`${P}member/Home.vue`, `${P}member/Dues.vue`],
  '/w/src/components/PhoneTabs.vue': [`${P}member/Inbox.vue`, `${P}member/Dues.vue`],
  '/w/src/components/LevelCell.vue': ['/w/src/components/Levels.vue'],
  '/w/src/components/Levels.vue': [`${P}member/Inbox.vue`],
  'vant/es/field/Field.mjs': [`${P}Login.vue`, `${P}member/Dues.vue`],
  '/w/src/pages/admin/OrgSelect.vue': [`${P}admin/Portraits.vue`],
};
const ctx = {
  getModuleInfo: (id) => (id in GRAPH ? { isEntry: id === '/w/src/main.js', importers: GRAPH[id], dynamicImporters: [] } : null),
};

describe('chunkOf', () => {
  it('puts what the entry imports in the app', () => {
    expect(chunkOf('/w/src/router.js', ctx)).toBe('app');
    expect(chunkOf('/w/src/lib/api.js', ctx)).toBe('app');
  });

  it('keeps the member home and its charts out of the app', () => {
    expect(chunkOf(`${P}member/Home.vue`, ctx)).toBe('home');
    expect(chunkOf('/w/src/charts/SvgChart.vue', ctx)).toBe('home');
  });

  it('puts what the home shares with another phone page in the app', () => {
    expect(chunkOf('/w/src/components/MonthPicker.vue', ctx)).toBe('app');
  });

  it('gives the to-dos page what it imports, through components too, and not the others’ fields', () => {
    expect(chunkOf('/w/src/components/PhoneTabs.vue', ctx)).toBe('phone');
    expect(chunkOf('/w/src/components/LevelCell.vue', ctx)).toBe('phone');
    expect(chunkOf('vant/es/field/Field.mjs', ctx)).toBe('phone-more');
  });

  it('leaves pages’ own code and the console to Vite', () => {
    expect(chunkOf(`${P}member/Inbox.vue`, ctx)).toBe(null);
    expect(chunkOf(`${P}Login.vue`, ctx)).toBe(null);
    expect(chunkOf('/w/src/pages/admin/OrgSelect.vue', ctx)).toBe(null);
  });
});
