// The phone pages' tabs (components/PhoneTabs.vue): titles with their counts beside them, the
// open tab's panel only, a panel kept once opened, and a tap asks the page to switch.
import { describe, it, expect } from 'vitest';
import { mount } from '@vue/test-utils';
import { h } from 'vue';
import PhoneTabs from '../../src/components/PhoneTabs.vue';

const TABS = [
  { name: 'todos', title: '待办', badge: 3 },
  { name: 'messages', title: '消息', badge: 0 },
];

function make(active) {
  return mount(PhoneTabs, {
    props: { tabs: TABS, active },
    slots: { todos: () => h('p', { class: 'p-todos' }, 'T'), messages: () => h('p', { class: 'p-msgs' }, 'M') },
  });
}

describe('phone tabs', () => {
  it('shows each title, a count only when there is one, and marks the open tab', () => {
    const w = make('todos');
    const tabs = w.findAll('.m-tab');
    expect(tabs.map((b) => b.find('.m-tab__text').text())).toEqual(['待办', '消息']);
    expect(tabs[0].find('.m-tab__badge').text()).toBe('3');
    expect(tabs[1].find('.m-tab__badge').exists()).toBe(false);
    expect(tabs[0].attributes('aria-selected')).toBe('true');
    expect(tabs[1].attributes('aria-selected')).toBe('false');
  });

  it('draws only the open panel, and keeps a panel hidden once it was opened', async () => {
    const w = make('todos');
    expect(w.find('.p-todos').exists()).toBe(true);
    expect(w.find('.p-msgs').exists()).toBe(false);
    await w.setProps({ active: 'messages' });
    const shown = (sel) => w.find(sel).element.parentElement.style.display !== 'none';
    expect(shown('.p-msgs')).toBe(true);
    expect(w.find('.p-todos').exists()).toBe(true);
    expect(shown('.p-todos')).toBe(false);
  });

  it('a tap on another tab asks to switch; on the open one asks nothing', async () => {
    const w = make('todos');
    await w.findAll('.m-tab')[0].trigger('click');
    expect(w.emitted('update:active')).toBeUndefined();
    await w.findAll('.m-tab')[1].trigger('click');
    expect(w.emitted('update:active')).toEqual([['messages']]);
  });
});
