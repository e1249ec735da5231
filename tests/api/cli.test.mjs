// The command-line tool: init and schema versions, help, argument errors, and CSV imports
// (encodings, BOM, all-or-nothing with row/column errors, --dry-run, parent order, events).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, freePort } from './lib.mjs';
import {
  PASSWORD,
  csv,
  writeTmp,
  idCard,
  badIdCard,
  importTree,
  addUser,
  cliOk,
  signIn,
  sourceEvents,
  tempDatabase,
  sql,
  flattenTree,
} from './fixtures.mjs';

const BIN = process.env.DJ_BIN || fileURLToPath(new URL('../../dangjian', import.meta.url));

/** Run dangjian directly; a timeout keeps a command that wrongly starts serving from hanging. */
function dj(args, { input, timeout = 60_000, env } = {}) {
  const r = spawnSync(BIN, args.map(String), { input, encoding: 'utf8', timeout, env: env ? { ...process.env, ...env } : undefined });
  if (r.error && r.error.code !== 'ETIMEDOUT') throw r.error;
  return r;
}

function oneLine(s) {
  const lines = s.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${JSON.stringify(s)}`);
  return lines[0];
}

// ---- init and schema versions

describe('init and schema versions', () => {
  const dbs = [];
  after(() => {
    for (const d of dbs) d.drop();
  });
  const fresh = () => {
    const d = tempDatabase();
    dbs.push(d);
    return d.url;
  };

  test('init creates the schema; a second init is a no-op that says the database is up to date', () => {
    const url = fresh();
    const r1 = dj(['init', '--db', url]);
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stdout, /migrated from schema version 0 to \d+/);
    const latest = Number(r1.stdout.match(/to (\d+)/)[1]);
    const versions = sql(url, 'SELECT COUNT(*) FROM schema_version');
    const r2 = dj(['init', '--db', url]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /up to date/);
    assert.match(r2.stdout, new RegExp(`schema version ${latest}\\b`));
    assert.doesNotMatch(r2.stdout, /migrated/);
    assert.equal(sql(url, 'SELECT COUNT(*) FROM schema_version'), versions);
    assert.equal(Number(sql(url, 'SELECT MAX(version) FROM schema_version')), latest);
  });

  test('a database newer than the binary is refused by init and by serve, with a clear message and a non-zero exit', async () => {
    const url = fresh();
    assert.equal(dj(['init', '--db', url]).status, 0);
    sql(url, "INSERT INTO schema_version(version, name, applied_at) VALUES (999, 'from_the_future', 0)");

    const init = dj(['init', '--db', url]);
    assert.notEqual(init.status, 0);
    assert.match(init.stderr, /999/);
    assert.match(init.stderr, /newer/);
    assert.doesNotMatch(init.stdout, /up to date|migrated/);

    const port = await freePort();
    const serve = dj(['serve', '--db', url, '--listen', `127.0.0.1:${port}`], { timeout: 15_000 });
    assert.equal(serve.signal, null, 'serve must refuse to start, not run until killed');
    assert.notEqual(serve.status, 0);
    assert.match(serve.stderr, /999/);
    assert.match(serve.stderr, /newer/);

    const list = dj(['user', 'list', '--db', url]);
    assert.notEqual(list.status, 0);
    assert.match(list.stderr, /newer/);
    assert.equal(Number(sql(url, 'SELECT MAX(version) FROM schema_version')), 999);
  });

  test('commands other than init on an empty database ask for init', () => {
    const url = fresh();
    const r = dj(['user', 'list', '--db', url]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /dangjian init/);
  });

  test('a database whose key file of personal data is missing → a clear error naming the file, no crash, nothing written', () => {
    const url = fresh();
    assert.equal(dj(['init', '--db', url]).status, 0);
    const before = sql(url, 'SELECT COUNT(*) FROM events');
    const events = writeTmp('events.csv', csv([['key', 'emp_no', 'indicator', 'date', 'value'], ['k1', 'E1', 'meeting.attend', '2026-01-05', '1']]));
    const missing = `${events}.no-such.keys`;
    for (const args of [['import', 'events', events, '--source', 'hr'], ['user', 'list'], ['dues', 'check']]) {
      const r = dj([...args, '--db', url], { env: { DANGJIAN_KEY_FILE: missing, DANGJIAN_PII_KEY: '' } });
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr}`);
      assert.equal(r.signal, null);
      assert.ok(oneLine(r.stderr).includes(missing), r.stderr);
    }
    assert.equal(sql(url, 'SELECT COUNT(*) FROM events'), before);
  });
});

// ---- help and argument errors

describe('help and argument errors', () => {
  test('help lists every command; exit 0', () => {
    const r = dj(['help']);
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['init', 'serve', 'demo', 'user', 'source', 'import', 'help']) {
      assert.match(r.stdout, new RegExp(`^\\s+${c}\\s+\\S`, 'm'), `help lists ${c}`);
    }
    assert.equal(dj(['--help']).status, 0);
  });

  test('help import explains the import command: kinds, file, --dry-run, encodings', () => {
    const r = dj(['help', 'import']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /orgs\|members\|events/);
    assert.match(r.stdout, /--dry-run/);
    assert.match(r.stdout, /GBK|GB18030/);
    assert.match(r.stdout, /BOM/);
    const u = dj(['help', 'user']);
    assert.equal(u.status, 0);
    assert.match(u.stdout, /passwd/);
    assert.match(u.stdout, /never from the command line|standard input/);
  });

  test('help for an unknown command → exit 2, one line on stderr', () => {
    const r = dj(['help', 'frobnicate']);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /frobnicate/);
  });

  test('no command at all → exit 2', () => {
    assert.equal(dj([]).status, 2);
  });

  test('unknown command → exit 2 with one line on stderr naming it', () => {
    const r = dj(['frobnicate', '--db', '/nonexistent/x.db']);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /unknown command 'frobnicate'/);
    assert.equal(r.stdout, '');
  });

  test('unknown flag → exit 2 with one line on stderr naming it, for every command', () => {
    for (const args of [
      ['init', '--bogus'],
      ['serve', '--bogus'],
      ['user', 'list', '--bogus'],
      ['source', 'list', '--bogus=1'],
      ['import', 'orgs', 'x.csv', '--bogus'],
    ]) {
      const r = dj(args, { timeout: 15_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), /--bogus/, args.join(' '));
    }
  });

  test('bad arguments → exit 2 with one line: unknown verb, missing value, non-number, extra argument', () => {
    for (const args of [
      ['user', 'frobnicate'],
      ['source', 'remove'],
      ['import', 'people', 'x.csv'],
      ['import', 'orgs'],
      ['init', '--db'],
      ['serve', '--threads', 'many'],
      ['init', 'extra'],
      ['user', 'disable'],
    ]) {
      const r = dj(args, { timeout: 15_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      oneLine(r.stderr);
    }
  });
});

// ---- imports

describe('CSV imports', () => {
  let srv;
  let token;
  before(async () => {
    srv = await startServer();
    importTree(srv);
    addUser(srv, 'admin', 'admin', 'ROOT');
    token = (await signIn(srv, 'admin', PASSWORD)).token;
  });
  after(() => srv?.stop());

  async function members(q = '') {
    const r = await srv.api('GET', `/api/v1/members?page_size=200${q}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.body;
  }
  async function member(emp) {
    const b = await members(`&q=${encodeURIComponent(emp)}`);
    return b.items.find((m) => m.emp_no === emp);
  }
  async function orgCodes() {
    const r = await srv.api('GET', '/api/v1/orgs/tree', { token });
    assert.equal(r.status, 200, r.text);
    return flattenTree(r.body);
  }

  const HEAD = ['工号', '姓名', '性别', '出生日期', '入党日期', '党员类型', '人员类别', '所在组织编码', '身份证号', '手机号', '职务'];

  test('members in a GBK (GB18030) CSV, as Excel on Chinese Windows writes it → imported, the encoding is named', async () => {
    const text = csv([
      HEAD,
      ['GBK001', '欧阳修', '男', '1975/6/1', '2000年7月1日', '正式党员', '在职', 'UA-B1', idCard('19750601', '111'), '13811112222', '党支部书记'],
      ['GBK002', '李清照', '女', '1984-03-08', '', '预备党员', '离退休', 'UB-B2', idCard('19840308', '222'), '', ''],
    ]).replace(/\n/g, '\r\n');
    const conv = spawnSync('iconv', ['-f', 'utf-8', '-t', 'gb18030'], { input: Buffer.from(text) });
    assert.equal(conv.status, 0, String(conv.stderr));
    const bytes = conv.stdout;
    assert.ok(!bytes.equals(Buffer.from(text)), 'the file really is not UTF-8');
    const file = writeTmp('gbk-members.csv', bytes);
    const r = cliOk(srv, ['import', 'members', file]);
    assert.match(r.stdout, /gb18030|gbk/i);
    assert.match(r.stdout, /2 created/);
    const m = await member('GBK001');
    assert.ok(m, 'GBK001 imported');
    assert.equal(m.name, '欧阳修');
    assert.equal(m.gender, 'male');
    assert.equal(m.birth_date, '1975-06-01');
    assert.equal(m.joined_date, '2000-07-01');
    assert.equal(m.position, '党支部书记');
    const m2 = await member('GBK002');
    assert.equal(m2.name, '李清照');
    assert.equal(m2.party_status, 'probationary');
    assert.equal(m2.category, 'retired');
    assert.equal(m2.org_code, 'UB-B2');
  });

  test('members in a UTF-8 CSV with a BOM → imported (the first header is recognized)', async () => {
    const text = '\ufeff' + csv([
      ['工号', '姓名', '所在组织编码', '手机号'],
      ['BOM001', '苏轼', 'UA-B2', '13933334444'],
    ]);
    const file = writeTmp('bom-members.csv', text);
    const r = cliOk(srv, ['import', 'members', file]);
    assert.match(r.stdout, /1 created/);
    const m = await member('BOM001');
    assert.ok(m, 'BOM001 imported');
    assert.equal(m.name, '苏轼');
    assert.equal(m.org_code, 'UA-B2');
  });

  test('English headers in any order work too; importing the same rows again updates instead of duplicating', async () => {
    const rows = [
      ['org_code', 'name', 'emp_no', 'id_card'],
      ['UB-B1', '辛弃疾', 'ENG001', idCard('19700101', '333')],
    ];
    const file = writeTmp('en-members.csv', csv(rows));
    assert.match(cliOk(srv, ['import', 'members', file]).stdout, /1 created, 0 updated/);
    const total = (await members()).total;
    assert.match(cliOk(srv, ['import', 'members', file]).stdout, /0 created, 1 updated/);
    assert.equal((await members()).total, total);
    assert.equal((await member('ENG001')).org_code, 'UB-B1');
  });

  test('a CSV with 2 bad rows → both reported as "row N, column X", exit non-zero, nothing imported', async () => {
    const before = (await members()).total;
    const text = csv([
      ['工号', '姓名', '性别', '所在组织编码', '身份证号'],
      ['ERR001', '好人一', '男', 'UA-B1', idCard('19800101', '444')], //  row 2
      ['ERR002', '坏身份证', '女', 'UA-B1', badIdCard('19800101', '555')], // row 3
      ['ERR003', '好人二', '女', 'UA-B2', ''], //                             row 4
      ['ERR004', '无组织', '男', 'NO-SUCH-ORG', ''], //                      row 5
      ['ERR005', '好人三', '男', 'UB-B1', ''], //                             row 6
    ]);
    const file = writeTmp('bad-members.csv', text);
    const r = srv.run(['import', 'members', file]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /row 3, column id_card/);
    assert.match(r.stderr, /row 5, column org_code/);
    assert.match(r.stderr, /NO-SUCH-ORG/);
    assert.doesNotMatch(r.stderr, /row [246]\b/);
    assert.match(r.stderr, /nothing imported/);
    assert.equal((await members()).total, before);
    assert.equal((await members('&q=ERR')).total, 0);
  });

  test('more member errors name row and column: bad date, bad phone, unknown gender, a group as organization, emp_no twice', async () => {
    const before = (await members()).total;
    const text = csv([
      ['工号', '姓名', '性别', '出生日期', '所在组织编码', '手机号'],
      ['V001', '甲', '男', '2024-02-30', 'UA-B1', ''], //       row 2
      ['V002', '乙', '男', '', 'UA-B1', '1234'], //             row 3
      ['V003', '丙', '中', '', 'UA-B1', ''], //                 row 4
      ['V004', '丁', '女', '', 'UA-B1', '13800000000'], //      row 5, fine
      ['V005', '戊', '女', '', 'UA-B1', ''], //                 row 6
      ['V005', '己', '女', '', 'UA-B1', ''], //                 row 7
    ]);
    const r = srv.run(['import', 'members', writeTmp('v-members.csv', text)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /row 2, column birth_date/);
    assert.match(r.stderr, /row 3, column phone/);
    assert.match(r.stderr, /row 4, column gender/);
    assert.match(r.stderr, /row 7, column emp_no/);
    assert.doesNotMatch(r.stderr, /row [56],/);
    assert.equal((await members()).total, before);
  });

  test('a member row whose organization is not a branch → "row N, column org_code"', async () => {
    const before = (await members()).total;
    const text = csv([
      ['工号', '姓名', '所在组织编码'],
      ['NB001', '甲', 'UA-B1'], //    row 2, fine
      ['NB002', '乙', 'UA-B1-G1'], // row 3: a party group
    ]);
    const r = srv.run(['import', 'members', writeTmp('nb-members.csv', text)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /row 3, column org_code: /, 'the column is named as in the file');
    assert.equal((await members()).total, before);
  });

  test('every bad row is reported at once, also a non-branch organization after an earlier bad row', async () => {
    const before = (await members()).total;
    const text = csv([
      ['工号', '姓名', '所在组织编码', '手机号'],
      ['NB011', '甲', 'UA-B1', '1234'], //  row 2: bad phone
      ['NB012', '乙', 'UA-GB', ''], //      row 3: a general branch
      ['EA001', '丙', 'UA-B1', ''], //      row 4: fine (updates EA001)
      ['NB014', '丁', 'UA', ''], //         row 5: a committee
    ]);
    const r = srv.run(['import', 'members', writeTmp('nb2-members.csv', text)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /row 2, column phone/);
    assert.match(r.stderr, /row 3, column org(_code)?: /);
    assert.match(r.stderr, /row 5, column org(_code)?: /);
    assert.equal((await members()).total, before);
  });

  test('an unknown or missing column → error naming it, nothing imported', async () => {
    const before = (await members()).total;
    const unknown = srv.run(['import', 'members', writeTmp('u.csv', csv([['工号', '姓名', '所在组织编码', '爱好'], ['U001', '甲', 'UA-B1', '下棋']]))]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /爱好/);
    const missing = srv.run(['import', 'members', writeTmp('m.csv', csv([['工号', '姓名'], ['U002', '乙']]))]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /所在组织编码|org_code/);
    assert.equal((await members()).total, before);
  });

  test('--dry-run validates but writes nothing (members, organizations, events)', async () => {
    const before = (await members()).total;
    const mfile = writeTmp('dry-members.csv', csv([['工号', '姓名', '所在组织编码'], ['DRY001', '试运行', 'UA-B1']]));
    const r = cliOk(srv, ['import', 'members', mfile, '--dry-run']);
    assert.match(r.stdout, /dry run/i);
    assert.equal((await members()).total, before);
    assert.equal(await member('DRY001'), undefined);
    const bad = srv.run(['import', 'members', writeTmp('dry-bad.csv', csv([['工号', '姓名', '所在组织编码'], ['DRY002', '试运行', 'NOPE']])), '--dry-run']);
    assert.notEqual(bad.status, 0, 'a dry run still reports errors');
    assert.match(bad.stderr, /row 2, column org_code/);

    const ofile = writeTmp('dry-orgs.csv', csv([['code', 'name', 'parent_code', 'kind'], ['DRY-B', '试运行支部', 'UA', 'branch']]));
    cliOk(srv, ['import', 'orgs', ofile, '--dry-run']);
    assert.equal((await orgCodes())['DRY-B'], undefined);

    // events: validated against the database, nothing stored, not even the 'import' source
    const efile = writeTmp('dry-events.csv', csv([['key', 'emp_no', 'indicator', 'date'], ['dry-1', 'EA001', 'meeting.attend', '2024-03-05']]));
    const ev = cliOk(srv, ['import', 'events', efile, '--dry-run']);
    assert.match(ev.stdout, /dry run/i);
    assert.equal(sql(srv.dbUrl, 'SELECT COUNT(*) FROM events'), '0');
    assert.doesNotMatch(cliOk(srv, ['source', 'list']).stdout, /^\s*\d+\s+import\s/m, 'a dry run creates no source');
    const evBad = srv.run(['import', 'events', writeTmp('dry-events-bad.csv', csv([['key', 'emp_no', 'indicator', 'date'], ['dry-2', 'NOBODY', 'meeting.attend', '2024-03-05']])), '--dry-run']);
    assert.notEqual(evBad.status, 0);
    assert.match(evBad.stderr, /row 2, column emp_no/);
  });

  test('import orgs accepts parents listed after their children; paths follow the tree', async () => {
    const text = csv([
      ['组织编码', '组织名称', '上级组织编码', '组织类型'],
      ['UC-B1-G1', 'C一支部第一小组', 'UC-B1', '党小组'],
      ['UC-B1', 'C一支部', 'UC-GB', '党支部'],
      ['UC-GB', 'C总支', 'UC', '党总支'],
      ['UC', '单位C党委', 'CO', '党委'],
    ]);
    const r = cliOk(srv, ['import', 'orgs', writeTmp('parents-last.csv', text)]);
    assert.match(r.stdout, /4 created/);
    const all = await orgCodes();
    for (const code of ['UC', 'UC-GB', 'UC-B1', 'UC-B1-G1']) assert.ok(all[code], `${code} imported`);
    assert.equal(all['UC-B1-G1'].path, `/${all.CO.id}/${all.UC.id}/${all['UC-GB'].id}/${all['UC-B1'].id}/${all['UC-B1-G1'].id}/`);
    assert.equal(all['UC-B1'].parent_id, all['UC-GB'].id);
    assert.equal(all['UC-B1-G1'].kind, 'group');
  });

  test('import orgs errors: unknown parent, a cycle, a bad kind → named rows, nothing imported', async () => {
    const before = Object.keys(await orgCodes()).length;
    const unknown = srv.run(['import', 'orgs', writeTmp('o1.csv', csv([['code', 'name', 'parent_code', 'kind'], ['UD', 'D', 'NOPE', 'committee']]))]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /row 2, column parent_code/);
    const cycle = srv.run([
      'import',
      'orgs',
      writeTmp('o2.csv', csv([['code', 'name', 'parent_code', 'kind'], ['CY1', 'a', 'CY2', 'committee'], ['CY2', 'b', 'CY1', 'committee']])),
    ]);
    assert.notEqual(cycle.status, 0);
    assert.match(cycle.stderr, /cycle/);
    const kind = srv.run([
      'import',
      'orgs',
      writeTmp('o3.csv', csv([['code', 'name', 'parent_code', 'kind'], ['K1', 'a', 'UA', 'committee'], ['K2', 'b', 'K1', '大队']])),
    ]);
    assert.notEqual(kind.status, 0);
    assert.match(kind.stderr, /row 3, column kind/);
    const placement = srv.run([
      'import',
      'orgs',
      writeTmp('o4.csv', csv([['code', 'name', 'parent_code', 'kind'], ['P1', 'a', 'UA', 'branch'], ['P2', 'b', 'UA-B1-G1', 'branch']])),
    ]);
    assert.notEqual(placement.status, 0);
    assert.match(placement.stderr, /row 3/);
    assert.equal(Object.keys(await orgCodes()).length, before);
  });

  test('import events with Chinese headers and flexible dates stores them; a second import reports duplicates', async () => {
    const text = csv([
      ['来源事件编号', '工号', '组织编码', '指标代码', '日期', '数值', '说明'],
      ['imp-1', 'EA001', '', 'meeting.attend', '2024/3/5', '', '支部大会'],
      ['imp-2', 'EB002', '', 'study.hours', '2024年3月6日', '2.5', ''],
      ['imp-3', '', 'UA-B1', 'org.congress', '2024-03-07', '', ''],
    ]);
    const file = writeTmp('events.csv', text);
    const r = cliOk(srv, ['import', 'events', file]);
    assert.match(r.stdout, /3 created/);
    assert.match(r.stdout, /0 duplicates/);
    assert.equal(sourceEvents(srv, 'import'), 3);
    assert.equal(sql(srv.dbUrl, "SELECT day FROM events WHERE key = 'imp-1'"), '20240305');
    assert.equal(sql(srv.dbUrl, "SELECT day FROM events WHERE key = 'imp-2'"), '20240306');
    assert.equal(Number(sql(srv.dbUrl, "SELECT value FROM events WHERE key = 'imp-2'")), 2.5);

    const again = cliOk(srv, ['import', 'events', file]);
    assert.match(again.stdout, /0 created/);
    assert.match(again.stdout, /3 duplicates/);
    assert.equal(sourceEvents(srv, 'import'), 3);
  });

  test('import events with bad rows → "row N, column X" for each, nothing stored', async () => {
    const before = sourceEvents(srv, 'import');
    const text = csv([
      ['来源事件编号', '工号', '指标代码', '日期', '数值'],
      ['imp-bad-1', 'EA001', 'meeting.attend', '2024-03-05', ''], //   row 2, fine
      ['imp-bad-2', 'EA001', 'no.such', '2024-03-05', ''], //          row 3
      ['imp-bad-3', 'NOBODY', 'meeting.attend', '2024-03-05', ''], //  row 4
      ['imp-bad-4', 'EA001', 'meeting.attend', '2024-02-30', ''], //   row 5
      ['imp-bad-5', 'EA001', 'review.grade', '2024-03-05', '7'], //    row 6
    ]);
    const r = srv.run(['import', 'events', writeTmp('bad-events.csv', text)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /row 3, column indicator/);
    assert.match(r.stderr, /row 4, column emp_no/);
    assert.match(r.stderr, /row 5, column date/);
    assert.match(r.stderr, /row 6, column value/);
    assert.doesNotMatch(r.stderr, /row 2,/);
    assert.equal(sourceEvents(srv, 'import'), before);
    assert.equal(sql(srv.dbUrl, "SELECT COUNT(*) FROM events WHERE key LIKE 'imp-bad-%'"), '0');
  });

  test('import of a file that does not exist → non-zero exit naming the file', () => {
    const r = srv.run(['import', 'members', '/nonexistent/members.csv']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /nonexistent\/members\.csv|No such file/);
  });
});
