// Starts the kintone-sandbox binary for a test file and stops it afterwards.
// The binary comes from $SANDBOX_BIN (set by scripts/test.sh) or the default target dir.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBin = path.resolve(here, '../../../../target/release/kintone-sandbox');

export async function startSandbox(args = []) {
  const bin = process.env.SANDBOX_BIN || defaultBin;
  const child = spawn(bin, ['--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sandbox did not print its URL within 60 s')), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  // The JS SDK accepts plain http only for the host name "localhost".
  const localhostUrl = url.replace('127.0.0.1', 'localhost');
  return {
    url,
    localhostUrl,
    async admin(method, p, body) {
      const res = await fetch(url + p, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json();
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}

// Builds an app with every writable field type through the official client, the way a
// user would (preview APIs, then deploy), and waits for the deploy to finish.
export async function createAllTypesApp(client, name) {
  const { app } = await client.app.addApp({ name });
  const options = (names) =>
    Object.fromEntries(names.map((n, i) => [n, { label: n, index: String(i) }]));
  await client.app.addFormFields({
    app,
    properties: {
      code: { type: 'SINGLE_LINE_TEXT', code: 'code', label: 'Code', unique: true },
      title: { type: 'SINGLE_LINE_TEXT', code: 'title', label: 'Title' },
      memo: { type: 'MULTI_LINE_TEXT', code: 'memo', label: 'Memo' },
      rich: { type: 'RICH_TEXT', code: 'rich', label: 'Rich' },
      num: { type: 'NUMBER', code: 'num', label: 'Number' },
      twice: { type: 'CALC', code: 'twice', label: 'Twice', expression: 'num*2', format: 'NUMBER' },
      check: { type: 'CHECK_BOX', code: 'check', label: 'Check', options: options(['A', 'B', 'C']) },
      radio: {
        type: 'RADIO_BUTTON', code: 'radio', label: 'Radio',
        options: options(['r1', 'r2']), defaultValue: 'r1',
      },
      drop: { type: 'DROP_DOWN', code: 'drop', label: 'Drop', options: options(['low', 'mid', 'high']) },
      multi: { type: 'MULTI_SELECT', code: 'multi', label: 'Multi', options: options(['x', 'y', 'z']) },
      link: { type: 'LINK', code: 'link', label: 'Link', protocol: 'WEB' },
      day: { type: 'DATE', code: 'day', label: 'Day' },
      at: { type: 'TIME', code: 'at', label: 'At' },
      when: { type: 'DATETIME', code: 'when', label: 'When' },
      owner: { type: 'USER_SELECT', code: 'owner', label: 'Owner' },
      dept: { type: 'ORGANIZATION_SELECT', code: 'dept', label: 'Department' },
      team: { type: 'GROUP_SELECT', code: 'team', label: 'Team' },
      file: { type: 'FILE', code: 'file', label: 'File' },
      items: {
        type: 'SUBTABLE', code: 'items', label: 'Items',
        fields: {
          item: { type: 'SINGLE_LINE_TEXT', code: 'item', label: 'Item' },
          qty: { type: 'NUMBER', code: 'qty', label: 'Qty' },
        },
      },
    },
  });
  await client.app.deployApp({ apps: [{ app }] });
  for (let i = 0; i < 100; i++) {
    const { apps } = await client.app.getDeployStatus({ apps: [app] });
    if (apps[0].status === 'SUCCESS') return app;
    if (apps[0].status === 'FAIL') throw new Error('deploy failed');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('deploy did not finish');
}

// A deterministic record using every field type; `i` varies the values.
export function sampleRecord(i) {
  return {
    code: { value: `C${String(i).padStart(5, '0')}` },
    title: { value: i % 7 === 0 ? '日本語のタイトル 🍣' : `title ${i}` },
    memo: { value: `line one\nline two ${i}` },
    rich: { value: `<b>bold ${i}</b>` },
    num: { value: String(i * 3 - 10) },
    check: { value: i % 2 ? ['A', 'C'] : ['B'] },
    radio: { value: i % 2 ? 'r2' : 'r1' },
    drop: { value: ['low', 'mid', 'high'][i % 3] },
    multi: { value: i % 3 ? ['x', 'z'] : [] },
    link: { value: `https://example.com/${i}` },
    day: { value: `2026-0${1 + (i % 9)}-1${i % 10}` },
    at: { value: `1${i % 10}:3${i % 6}` },
    when: { value: `2026-03-0${1 + (i % 9)}T0${i % 10}:15:00Z` },
    owner: { value: [{ code: 'demo' }] },
    dept: { value: i % 4 === 0 ? [] : [{ code: i % 2 ? 'sales' : 'dev' }] },
    team: { value: [{ code: 'admins' }, { code: 'developers' }] },
    items: {
      value: [
        { value: { item: { value: `apple ${i}` }, qty: { value: String(i % 5) } } },
        { value: { item: { value: 'pear' }, qty: { value: '2' } } },
      ],
    },
  };
}

// The user-visible values of a record, without ids and server-set fields.
export function comparable(record) {
  const out = {};
  for (const [code, field] of Object.entries(record)) {
    if (['$id', '$revision'].includes(code)) continue;
    if (['RECORD_NUMBER', 'CREATOR', 'MODIFIER', 'CREATED_TIME', 'UPDATED_TIME', '__ID__', '__REVISION__'].includes(field.type)) continue;
    if (field.type === 'SUBTABLE') {
      out[code] = field.value.map((row) => comparable(row.value));
    } else if (field.type === 'FILE') {
      out[code] = field.value.map((f) => ({ name: f.name, size: f.size }));
    } else if (['USER_SELECT', 'ORGANIZATION_SELECT', 'GROUP_SELECT'].includes(field.type)) {
      out[code] = field.value.map((u) => u.code);
    } else {
      out[code] = field.value;
    }
  }
  return out;
}
