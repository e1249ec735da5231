// Logins on the slow lane (src/http/lane.c): the argon2id check of a login runs on its own
// low-priority threads, never on the event-loop worker that serves everyone else, and a
// burst beyond the lane's queue is told to come back (503 busy, Retry-After) at once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';
import { PASSWORD, seedWorld, signIn, tryLogin } from './fixtures.mjs';

const servers = [];
after(() => Promise.all(servers.map((s) => s.stop())));

test('one worker thread: reads are answered at once while a burst of logins is being checked', async () => {
  const srv = await startServer({ threads: 1 });
  servers.push(srv);
  await seedWorld(srv, { sessions: false });
  const me = await signIn(srv, 'mem-a2');
  const done = [];
  const logins = Array.from({ length: 24 }, (_, i) =>
    tryLogin(srv, i % 2 ? 'sec-a1' : 'fin-a', PASSWORD).then((r) => {
      assert.equal(r.status, 200, r.text);
      done.push(i);
    }),
  );
  // ten reads one after another, on the same (only) worker as every login: each would wait
  // for a whole password check if the checks ran there
  await new Promise((r) => setTimeout(r, 20));
  const before = done.length;
  for (let i = 0; i < 10; i++) {
    const read = await srv.api('GET', '/api/v1/me', { token: me.token });
    assert.equal(read.status, 200, read.text);
  }
  const during = done.length - before;
  await Promise.all(logins);
  assert.equal(done.length, 24);
  assert.ok(during < 6, `${during} logins finished while ten reads were answered one by one: password checks hold up the worker`);
});

test('a burst beyond --login-queue: the rest get 503 busy with Retry-After at once; nothing is lost, later logins work', async () => {
  const srv = await startServer({ serveArgs: ['--login-queue', '1'] });
  servers.push(srv);
  await seedWorld(srv, { sessions: false });
  const replies = await Promise.all(Array.from({ length: 16 }, () => tryLogin(srv, 'sec-a1', PASSWORD)));
  const busy = replies.filter((r) => r.status === 503);
  const ok = replies.filter((r) => r.status === 200);
  assert.equal(busy.length + ok.length, 16, replies.map((r) => `${r.status} ${r.text.slice(0, 80)}`).join('\n'));
  assert.ok(busy.length > 0, 'no login was told to retry although the queue holds one');
  assert.ok(ok.length > 0, 'every login was refused');
  for (const r of busy) {
    assertError(r, 503, 'busy');
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
  }
  // a refused login is not a failed login: no lock, and the next one goes through
  const later = await tryLogin(srv, 'sec-a1', PASSWORD);
  assert.equal(later.status, 200, later.text);
  const bad = await tryLogin(srv, 'sec-a1', 'wrong');
  assertError(bad, 401, 'unauthorized');
});

test('--login-queue must be a positive number', () => {
  const r = servers[0].run(['serve', '--login-queue', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--login-queue must be 1 to 100000/);
});
