// One read of an app through Cybozu's @kintone/rest-api-client, unmodified, for
// scripts/bench.sh. Prints one JSON line: {"rows": N, "seconds": S}.
//
//   node sdk_read.mjs BASE_URL APP cursor|id
//
// The SDK is the one the e2e tests pin (tests/e2e/node/node_modules); SDK_DIR names that
// directory. The time covers creating the client and reading every record, with the
// SDK's defaults (500 records per request).
import { createRequire } from 'node:module';
import path from 'node:path';

const [baseUrl, app, method] = process.argv.slice(2);
if (!baseUrl || !app || !['cursor', 'id'].includes(method)) {
  console.error('usage: node sdk_read.mjs BASE_URL APP cursor|id');
  process.exit(2);
}
const sdkDir = process.env.SDK_DIR;
const require = createRequire(path.join(sdkDir, 'package.json'));
const { KintoneRestAPIClient } = require('@kintone/rest-api-client');

const started = performance.now();
const client = new KintoneRestAPIClient({
  // The SDK accepts plain http only for the host name "localhost".
  baseUrl: baseUrl.replace('127.0.0.1', 'localhost'),
  auth: { username: 'demo', password: 'demo' },
});
const records =
  method === 'cursor'
    ? await client.record.getAllRecordsWithCursor({ app })
    : await client.record.getAllRecordsWithId({ app });
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ rows: records.length, seconds }));
