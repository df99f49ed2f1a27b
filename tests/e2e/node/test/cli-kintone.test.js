// @kintone/cli (cli-kintone), unmodified: `record export` of an app with every field type,
// then `record import` into a fresh app with the same form; the two apps must then hold
// the same records, attachments included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KintoneRestAPIClient } from '@kintone/rest-api-client';
import { startSandbox, createAllTypesApp, sampleRecord, comparable } from '../lib/sandbox.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../node_modules/.bin/cli-kintone');

let sb;
let client;
let source;
let target;
let work;

before(async () => {
  sb = await startSandbox(['--large-records', '100']);
  client = new KintoneRestAPIClient({
    baseUrl: sb.localhostUrl,
    auth: { username: 'demo', password: 'demo' },
  });
  source = await createAllTypesApp(client, 'cli source');
  target = await createAllTypesApp(client, 'cli target');
  const records = Array.from({ length: 40 }, (_, i) => sampleRecord(i));
  const { fileKey } = await client.file.uploadFile({ file: { name: 'report.txt', data: 'quarterly numbers\n' } });
  records[3].file = { value: [{ fileKey }] };
  await client.record.addAllRecords({ app: source, records });
  work = await mkdtemp(path.join(tmpdir(), 'cli-kintone-'));
});

after(() => sb?.stop());

function auth() {
  return ['--base-url', sb.localhostUrl, '--username', 'demo', '--password', 'demo'];
}

test('record export then record import reproduces every record', async () => {
  const attachments = path.join(work, 'attachments');
  const { stdout } = await run(cli, ['record', 'export', ...auth(), '--app', String(source), '--attachments-dir', attachments], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const csvPath = path.join(work, 'export.csv');
  await writeFile(csvPath, stdout);
  assert.match(stdout.split('\n')[0], /"code"/, 'CSV header names the field codes');
  assert.ok(stdout.includes('日本語のタイトル 🍣'), 'Japanese and emoji text exported intact');
  const saved = await readdir(attachments, { recursive: true });
  assert.ok(saved.some((f) => f.endsWith('report.txt')), `attachment saved: ${saved}`);

  await run(cli, ['record', 'import', ...auth(), '--app', String(target), '--file-path', csvPath, '--attachments-dir', attachments], {
    maxBuffer: 64 * 1024 * 1024,
  });

  const a = await client.record.getAllRecordsWithId({ app: source });
  const b = await client.record.getAllRecordsWithId({ app: target });
  assert.equal(b.length, a.length);
  const key = (r) => r.code.value;
  const bm = new Map(b.map((r) => [key(r), comparable(r)]));
  for (const r of a) {
    assert.deepEqual(bm.get(key(r)), comparable(r), `record ${key(r)}`);
  }
  const withFile = b.find((r) => r.code.value === 'C00003');
  const bytes = await client.file.downloadFile({ fileKey: withFile.file.value[0].fileKey });
  assert.equal(Buffer.from(bytes).toString('utf8'), 'quarterly numbers\n');
});

test('record import with --update-key updates instead of adding', async () => {
  const csvPath = path.join(work, 'update.csv');
  await writeFile(csvPath, '"code","title"\n"C00005","changed by import"\n');
  await run(cli, ['record', 'import', ...auth(), '--app', String(target), '--file-path', csvPath, '--update-key', 'code', '--fields', 'code,title']);
  const { records, totalCount } = await client.record.getRecords({ app: target, query: 'code = "C00005"', totalCount: true });
  assert.equal(totalCount, '1');
  assert.equal(records[0].title.value, 'changed by import');
  assert.equal(records[0].memo.value, sampleRecord(5).memo.value);
});

test('cli-kintone reports a Kintone error code', async () => {
  await assert.rejects(
    run(cli, ['record', 'export', ...auth(), '--app', '99999']),
    (err) => {
      assert.match(err.stderr + err.stdout, /GAIA_AP01/);
      return true;
    },
  );
});
