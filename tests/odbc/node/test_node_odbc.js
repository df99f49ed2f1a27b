// node-odbc (npm `odbc` 2.6.0, built against unixODBC by build.sh) as a user meets it:
// the catalog, every app of the demo read and compared cell by cell with the sandbox's
// REST answers (restref.py's JSON, in KODBC_REST_REF), a filter pushed to Kintone, a
// join, bound parameters, with the sandbox's request log checked for what the driver sent.
//
// What node-odbc does with values: BIGINT arrives as BigInt (the README says so), DECIMAL
// as a JavaScript Number (it reads the text and calls atof, so exact decimals need a
// CAST to VARCHAR), text as strings. Parameters: node-odbc binds one parameter set per
// execution (query(sql, params) or statement.bind); it has no ODBC parameter arrays.
//
// Environment (set by suite.py): KODBC_URL, KODBC_DSN_CODES (column names are field codes),
// KODBC_DSN_ANSI (labels), KODBC_DSN_GUEST (GuestSpaceId=2), KODBC_REST_REF. Prints one
// line a check and exits non-zero at the first failed one, naming it.
'use strict';
const fs = require('fs');
const odbc = require('odbc');

const URL = process.env.KODBC_URL;
const AUTH = Buffer.from('demo:demo').toString('base64');
const T = JSON.parse(fs.readFileSync(process.env.KODBC_REST_REF, 'utf8')).tables;
let checks = 0;

function check(ok, what) {
  checks += 1;
  if (!ok) {
    console.log(`FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`ok ${checks} - ${what}`);
}

async function getJson(path, auth) {
  const r = await fetch(URL + path, auth ? { headers: { 'X-Cybozu-Authorization': AUTH } } : {});
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.json();
}
const lastSeq = async () => (await getJson('/sandbox/requests')).last_seq;
const since = async (seq) => (await getJson(`/sandbox/requests?since=${seq}`)).requests;
const recordReads = async (seq) => (await since(seq))
  .filter((r) => r.effective_method === 'GET' && ['records', 'records/cursor'].includes(r.api));
const writesSince = async (seq) => (await since(seq)).filter((r) => r.effective_method !== 'GET');

// A value as node-odbc returns it, compared with a canonical REST cell (restref.py).
function sameValue(kind, got, want) {
  if (got === null || want === null) return got === want;
  if (kind === 'bigint') return typeof got === 'bigint' && got === BigInt(want);
  if (kind === 'decimal') return typeof got === 'number' && got === Number(want);
  if (kind === 'timestamp') return String(got).replace(/\.0+$/, '') === want;
  return got === want;
}

const show = (v) => (typeof v === 'bigint' ? `${v}n` : JSON.stringify(v));

// Every cell of a result against reference rows: '' when equal, else the first difference.
function sameCells(table, result, wantRows) {
  const t = T[table];
  const names = result.columns.map((c) => c.name);
  if (names.join('|') !== t.columns.join('|')) return `columns ${names.join(',')} differ from REST's`;
  if (result.length !== wantRows.length) return `${result.length} rows, REST has ${wantRows.length}`;
  for (let i = 0; i < result.length; i += 1) {
    for (let c = 0; c < t.columns.length; c += 1) {
      const col = t.columns[c];
      if (!sameValue(t.kinds[col], result[i][col], wantRows[i][c])) {
        return `row ${i} ($id ${wantRows[i][0]}) column ${col}: got ${show(result[i][col])}, REST ${show(wantRows[i][c])}`;
      }
    }
  }
  return '';
}
const colOf = (table, name) => T[table].rows.map((r) => r[T[table].columns.indexOf(name)]);
const readTable = (conn, table) => conn.query(
  `SELECT * FROM "${table}" ORDER BY ${T[table].key.map((k) => `"${k}"`).join(', ')}`);

async function main() {
  const conn = await odbc.connect(`DSN=${process.env.KODBC_DSN_CODES}`);
  const start = await lastSeq();

  // The catalog: tables() and columns() (SQLTables, SQLColumns).
  const wantTables = Object.keys(T).filter((t) => t !== 'Guest Tasks').sort();
  const tables = (await conn.tables(null, null, null, 'TABLE')).map((r) => r.TABLE_NAME).sort();
  check(tables.join('|') === wantTables.join('|'), `tables() lists the apps and subtables: ${tables.join(', ')}`);
  for (const table of wantTables) {
    const cols = (await conn.columns(null, null, table, null)).map((r) => r.COLUMN_NAME);
    check(cols.join('|') === T[table].columns.join('|'), `columns(${table}) names REST's fields in order`);
  }

  // Every app read whole, compared cell by cell.
  for (const table of wantTables) {
    const seq = await lastSeq();
    const result = await readTable(conn, table);
    const diff = sameCells(table, result, T[table].rows);
    check(diff === '', `${table}: every cell equals REST's (${diff || `${result.length} rows`})`);
    const apps = [...new Set((await recordReads(seq)).map((r) => r.params.app))];
    check(apps.join() === String(T[table].app), `${table}: read from app ${T[table].app} only`);
  }
  const ids = await conn.query('SELECT "$id", "$revision" FROM "Customers" WHERE "$id" = 1');
  check(typeof ids[0].$id === 'bigint' && ids[0].$id === 1n && typeof ids[0].$revision === 'bigint',
    `BIGINT columns arrive as BigInt (${show(ids[0].$id)}, ${show(ids[0].$revision)})`);
  const exact = await conn.query('SELECT CAST("score" AS VARCHAR) AS score FROM "Events" WHERE "seq" = 1');
  check(exact[0].score.replace(/\.?0+$/, '') === T.Events.rows[0][T.Events.columns.indexOf('score')],
    `CAST(score AS VARCHAR) gives REST's exact decimal (${exact[0].score})`);

  // A filter is pushed: one records request carrying the condition.
  let seq = await lastSeq();
  let result = await conn.query('SELECT * FROM "Events" WHERE "seq" = 12345');
  let reads = await recordReads(seq);
  check(reads.length === 1 && reads[0].params.query.startsWith('seq = "12345"'),
    `WHERE seq = 12345 is one records request with the condition: ${reads.map((r) => r.params.query).join(' | ')}`);
  check(sameCells('Events', result, [T.Events.rows[12344]]) === '', "WHERE seq = 12345 gives REST's record 12345");
  seq = await lastSeq();
  result = await conn.query('SELECT "$id", "name" FROM "Customers" WHERE "country" = \'Japan\' ORDER BY "$id"');
  reads = await recordReads(seq);
  check(reads.length === 1 && reads[0].params.query.startsWith('country in ("Japan")'),
    'WHERE country = \'Japan\' is pushed as country in ("Japan")');
  const countries = colOf('Customers', 'country');
  const japan = colOf('Customers', 'name').filter((_, i) => countries[i] === 'Japan');
  check(result.map((r) => r.name).join('|') === japan.join('|'), `the Japanese customers are REST's (${japan.length})`);

  // A join, computed again from the REST answers.
  result = await conn.query('SELECT o."$id" AS order_id, c."name" AS customer FROM "Orders" o '
    + 'JOIN "Customers" c ON o."customer" = c."customer_code" ORDER BY o."$id"');
  const names = new Map(colOf('Customers', 'customer_code').map((c, i) => [c, colOf('Customers', 'name')[i]]));
  const orderCustomer = colOf('Orders', 'customer');
  const want = colOf('Orders', '$id').flatMap((id, i) => (names.has(orderCustomer[i]) ? [`${id}=${names.get(orderCustomer[i])}`] : []));
  check(result.map((r) => `${r.order_id}=${r.customer}`).join('|') === want.join('|'),
    `Orders JOIN Customers equals the join of the REST answers (${want.length} rows)`);

  // Bound parameters: a BigInt-sized integer and a Japanese text, through a prepared
  // statement executed twice (one lookup by $id each time).
  const stmt = await conn.createStatement();
  await stmt.prepare('SELECT * FROM "Customers" WHERE "$id" = ?');
  for (const id of [3, 13]) {
    seq = await lastSeq();
    await stmt.bind([id]);
    result = await stmt.execute();
    reads = await recordReads(seq);
    check(reads.length === 1 && reads[0].params.query.startsWith(`$id = "${id}"`), `WHERE "$id" = ? with ${id} is one lookup by $id`);
    check(sameCells('Customers', result, [T.Customers.rows[id - 1]]) === '', `the bound $id reads REST's record ${id}`);
  }
  await stmt.close();
  result = await conn.query('SELECT "customer_code" FROM "Customers" WHERE "name" = ?', ['株式会社サンプル']);
  check(result.length === 1 && result[0].customer_code === 'C013', 'a bound Japanese text finds C013');
  check((await writesSince(start)).length === 0, 'no write request during the reads');

  // Labels as column names (the default DSN), and the guest-space DSN.
  const lab = await odbc.connect(`DSN=${process.env.KODBC_DSN_ANSI}`);
  result = await lab.query('SELECT "$id", "Company name", "Credit limit" FROM Customers WHERE "$id" = 2');
  check(result.columns.map((c) => c.name).join('|') === '$id|Company name|Credit limit', 'labels are the column names of the default DSN');
  check(result[0]['Company name'] === 'Globex' && result[0]['Credit limit'] === 50000, 'labelled columns read Globex, 50000');
  await lab.close();
  const guest = await odbc.connect(`DSN=${process.env.KODBC_DSN_GUEST}`);
  const gt = (await guest.tables(null, null, null, 'TABLE')).map((r) => r.TABLE_NAME);
  check(gt.join() === 'Guest Tasks', `the guest DSN lists only Guest Tasks: ${gt.join(', ')}`);
  const diff = sameCells('Guest Tasks', await readTable(guest, 'Guest Tasks'), T['Guest Tasks'].rows);
  check(diff === '', `Guest Tasks: every cell equals REST's ${diff}`);
  await guest.close();

  // A write with bound parameters, read back over REST.
  seq = await lastSeq();
  result = await conn.query('UPDATE "Customers" SET "notes" = ? WHERE "$id" = ?', ['ノード\nnode', 7]);
  const w = await writesSince(seq);
  check(result.count === 1 && w.length === 1 && w[0].effective_method === 'PUT',
    `UPDATE with bound parameters changes 1 row in one PUT (${result.count}; ${w.map((r) => `${r.effective_method} ${r.api}`).join(', ')})`);
  const rec = await getJson('/k/v1/record.json?app=1&id=7', true);
  check(rec.record.notes.value === 'ノード\nnode', 'REST reads the note back exactly');

  await conn.close();
  console.log(`1..${checks}`);
}

main().catch((e) => {
  console.log(`FAIL: ${e.stack || e}${e.odbcErrors ? ` ${JSON.stringify(e.odbcErrors)}` : ''}`);
  process.exit(1);
});
