// Reading back an .xlsx the server wrote (bulletins, dues reports): its parts unzipped with
// `unzip -p` and the cells of a sheet read from their XML, shared strings resolved.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** The text of one part of the .xlsx file (e.g. 'xl/workbook.xml'). */
export function unzipPart(file, member) {
  const r = spawnSync('unzip', ['-p', file, member], { encoding: 'utf8' });
  assert.equal(r.status, 0, `unzip ${member}: ${r.stderr}`);
  return r.stdout;
}

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Sheet n (from 1) of file: its XML and its cells {A1: 'text' | number}. */
export function readSheet(file, n) {
  const strings = [...unzipPart(file, 'xl/sharedStrings.xml').matchAll(/<si>(.*?)<\/si>/gs)].map((m) =>
    unescape([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')),
  );
  const xml = unzipPart(file, `xl/worksheets/sheet${n}.xml`);
  const cells = {};
  for (const m of xml.matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
    const v = /<v>(.*?)<\/v>/s.exec(m[3] ?? '')?.[1];
    if (v === undefined) continue;
    cells[m[1]] = /t="s"/.test(m[2]) ? strings[Number(v)] : Number(v);
  }
  return { xml, cells };
}
