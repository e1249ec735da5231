// The console's pages an account may open, in menu order: the routes whose meta the account
// meets (router.js allowed(): the roles a page is for and the operations it needs). The side
// menu, the phone menu and the staff's work links on 我的 all list these.
import { computed } from 'vue';
import { useRouter } from 'vue-router';
import { allowed } from '../router.js';

export const MENU = [
  { name: 'dashboard', icon: 'chart-trending-o' },
  { name: 'national', icon: 'guide-o' },
  { name: 'plans', icon: 'todo-list-o' },
  { name: 'dues', icon: 'balance-o', label: 'nav.duesAdmin' },
  { name: 'portraits', icon: 'user-circle-o' },
  { name: 'leaderboard', icon: 'medal-o' },
  { name: 'orgs', icon: 'cluster-o' },
  { name: 'model', icon: 'setting-o' },
  { name: 'sources', icon: 'exchange' },
  { name: 'webhooks', icon: 'chat-o' },
  { name: 'audit', icon: 'records-o' },
];

export function useMenu() {
  const router = useRouter();
  return computed(() =>
    MENU.filter((i) => allowed(router.getRoutes().find((x) => x.name === i.name)?.meta)).map((i) => ({ ...i, label: i.label || `nav.${i.name}` })),
  );
}
