// @kintone/rest-api-client, unmodified, against the sandbox: every call is checked by
// its results and, where it matters, by what the sandbox logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KintoneRestAPIClient, KintoneRestAPIError } from '@kintone/rest-api-client';
import { startSandbox, createAllTypesApp, sampleRecord, comparable } from '../lib/sandbox.js';

let sb;
let client;
let app;
const N = 2345; // more than one bulkRequest (2,000) and several 500-record pages

before(async () => {
  sb = await startSandbox(['--large-records', '1000']);
  client = new KintoneRestAPIClient({
    baseUrl: sb.localhostUrl,
    auth: { username: 'demo', password: 'demo' },
  });
  app = await createAllTypesApp(client, 'rest-api-client test');
  const records = Array.from({ length: N }, (_, i) => sampleRecord(i));
  const res = await client.record.addAllRecords({ app, records });
  assert.equal(res.records.length, N);
});

after(() => sb?.stop());

test('getFormFields returns the fields as created, with system fields', async () => {
  const { properties } = await client.app.getFormFields({ app });
  assert.equal(properties.num.type, 'NUMBER');
  assert.equal(properties.items.type, 'SUBTABLE');
  assert.equal(properties.items.fields.qty.type, 'NUMBER');
  assert.deepEqual(Object.keys(properties.check.options).sort(), ['A', 'B', 'C']);
  assert.equal(properties.check.options.B.index, '1');
  const types = Object.values(properties).map((p) => p.type);
  for (const t of ['RECORD_NUMBER', 'CREATOR', 'CREATED_TIME', 'MODIFIER', 'UPDATED_TIME']) {
    assert.ok(types.includes(t), `system field ${t} present`);
  }
});

test('getApps lists the demo apps and the new one', async () => {
  const { apps } = await client.app.getApps({});
  assert.ok(apps.length >= 5, `expected the demo apps, got ${apps.length}`);
  const mine = apps.find((a) => a.appId === String(app));
  assert.equal(mine.name, 'rest-api-client test');
});

test('addAllRecords used bulkRequest in chunks of 2,000', async () => {
  const { requests } = await sb.admin('GET', '/sandbox/requests');
  const bulks = requests.filter((r) => r.api === 'bulkRequest' && r.status === 200);
  assert.ok(bulks.length >= 2, `bulk requests: ${bulks.length}`);
});

test('getRecords with a query, fields and totalCount', async () => {
  const res = await client.record.getRecords({
    app,
    fields: ['code', 'num'],
    query: 'num >= 5000 order by num desc limit 3',
    totalCount: true,
  });
  const expectedTotal = Array.from({ length: N }, (_, i) => i * 3 - 10).filter((v) => v >= 5000).length;
  assert.equal(res.totalCount, String(expectedTotal));
  assert.deepEqual(res.records.map((r) => r.num.value), ['7022', '7019', '7016']);
  assert.deepEqual(Object.keys(res.records[0]).sort(), ['code', 'num']);
});

test('getAllRecordsWithId returns every record once, values intact', async () => {
  const records = await client.record.getAllRecordsWithId({ app });
  assert.equal(records.length, N);
  const ids = records.map((r) => Number(r.$id.value));
  assert.equal(new Set(ids).size, N);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'ascending $id');
  const byCode = new Map(records.map((r) => [r.code.value, r]));
  for (const i of [0, 7, 13, 2344]) {
    const got = comparable(byCode.get(`C${String(i).padStart(5, '0')}`));
    const want = sampleRecord(i);
    assert.equal(got.title, want.title.value);
    assert.equal(got.memo, want.memo.value);
    assert.equal(got.num, want.num.value);
    assert.equal(got.twice, String(Number(want.num.value) * 2));
    assert.deepEqual(got.check, want.check.value);
    assert.equal(got.drop, want.drop.value);
    assert.deepEqual(got.multi, want.multi.value);
    assert.equal(got.day, want.day.value);
    assert.equal(got.at, want.at.value);
    assert.equal(got.when, want.when.value);
    assert.deepEqual(got.owner, ['demo']);
    assert.deepEqual(got.dept, want.dept.value.map((e) => e.code));
    assert.deepEqual(got.team, ['admins', 'developers']);
    assert.deepEqual(got.items, [
      { item: `apple ${i}`, qty: String(i % 5) },
      { item: 'pear', qty: '2' },
    ]);
  }
});

test('getAllRecordsWithCursor with a condition and order by', async () => {
  const records = await client.record.getAllRecordsWithCursor({
    app,
    fields: ['code', 'num', 'drop'],
    query: 'drop in ("high") order by num desc',
  });
  const want = Array.from({ length: N }, (_, i) => i)
    .filter((i) => i % 3 === 2)
    .map((i) => String(i * 3 - 10))
    .reverse();
  assert.deepEqual(records.map((r) => r.num.value), want);
  const { open_cursors } = await sb.admin('GET', '/sandbox/stats');
  assert.equal(open_cursors, 0, 'the cursor was deleted after its last page');
});

test('getAllRecords with orderBy and withCursor:false pages by offset', async () => {
  const records = await client.record.getAllRecords({
    app,
    fields: ['num'],
    condition: 'num < 500',
    orderBy: 'num asc',
    withCursor: false,
  });
  const want = Array.from({ length: N }, (_, i) => i * 3 - 10).filter((v) => v < 500);
  assert.deepEqual(records.map((r) => Number(r.num.value)), want);
});

test('updateAllRecords (update and upsert) and deleteAllRecords', async () => {
  const some = await client.record.getRecords({ app, fields: ['$id'], query: 'order by $id asc limit 150' });
  const ids = some.records.map((r) => r.$id.value);
  await client.record.updateAllRecords({
    app,
    records: ids.map((id) => ({ id, record: { title: { value: `updated ${id}` } } })),
  });
  const after = await client.record.getRecord({ app, id: ids[149] });
  assert.equal(after.record.title.value, `updated ${ids[149]}`);
  assert.equal(after.record.$revision.value, '2');
  assert.equal(after.record.memo.value, sampleRecord(149).memo.value, 'merge kept other fields');

  const upsert = await client.record.updateRecords({
    app,
    upsert: true,
    records: [
      { updateKey: { field: 'code', value: 'C00001' }, record: { title: { value: 'upserted' } } },
      { updateKey: { field: 'code', value: 'NEW-1' }, record: { title: { value: 'inserted' } } },
    ],
  });
  assert.deepEqual(upsert.records.map((r) => r.operation), ['UPDATE', 'INSERT']);

  await client.record.deleteAllRecords({ app, records: ids.slice(0, 120).map((id) => ({ id })) });
  const { totalCount } = await client.record.getRecords({ app, query: 'limit 1', totalCount: true });
  assert.equal(totalCount, String(N + 1 - 120));
});

test('bulkRequest is all-or-nothing', async () => {
  const before = await client.record.getRecords({ app, query: 'limit 1', totalCount: true });
  await assert.rejects(
    client.bulkRequest({
      requests: [
        { method: 'POST', api: '/k/v1/record.json', payload: { app, record: { code: { value: 'BULK-1' } } } },
        { method: 'POST', api: '/k/v1/record.json', payload: { app, record: { code: { value: 'BULK-1' } } } },
      ],
    }),
    (err) => {
      assert.ok(err instanceof KintoneRestAPIError);
      assert.equal(err.code, 'CB_VA01');
      assert.equal(err.bulkRequestIndex, 1);
      return true;
    },
  );
  const after = await client.record.getRecords({ app, query: 'limit 1', totalCount: true });
  assert.equal(after.totalCount, before.totalCount, 'the first request was rolled back');
});

test('uploadFile, attach, downloadFile', async () => {
  const data = 'hello, 世界\n';
  const { fileKey } = await client.file.uploadFile({ file: { name: 'hello.txt', data } });
  const { id } = await client.record.addRecord({
    app,
    record: { code: { value: 'FILE-1' }, file: { value: [{ fileKey }] } },
  });
  const { record } = await client.record.getRecord({ app, id });
  assert.equal(record.file.value.length, 1);
  assert.equal(record.file.value[0].name, 'hello.txt');
  assert.equal(record.file.value[0].size, String(Buffer.byteLength(data)));
  const bytes = await client.file.downloadFile({ fileKey: record.file.value[0].fileKey });
  assert.equal(Buffer.from(bytes).toString('utf8'), data);
});

test('Kintone errors surface as KintoneRestAPIError with the code', async () => {
  await assert.rejects(client.record.getRecords({ app, query: 'nosuchfield = "x"' }), (err) => {
    assert.equal(err.code, 'GAIA_IQ11');
    assert.equal(err.status, 400);
    return true;
  });
  await assert.rejects(client.record.getRecord({ app, id: 999999 }), (err) => {
    assert.equal(err.code, 'GAIA_RE01');
    assert.equal(err.status, 404);
    return true;
  });
  const bad = new KintoneRestAPIClient({ baseUrl: sb.localhostUrl, auth: { username: 'demo', password: 'wrong' } });
  await assert.rejects(bad.app.getApps({}), (err) => {
    assert.equal(err.code, 'CB_WA01');
    assert.equal(err.status, 401);
    return true;
  });
});
