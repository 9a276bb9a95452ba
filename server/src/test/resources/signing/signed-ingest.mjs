// Signed ingest from Node 18+: node signed-ingest.mjs, with LARCH_URL, LARCH_KEY and LARCH_SIGNING_SECRET set.
import { createHmac } from 'node:crypto';

const body = JSON.stringify({ events: [{ message: 'hello signed' }] });
const timestamp = Math.floor(Date.now() / 1000).toString();
const signature = createHmac('sha256', process.env.LARCH_SIGNING_SECRET).update(`${timestamp}.${body}`).digest('hex');
const response = await fetch(`${process.env.LARCH_URL}/api/log`, {
  method: 'POST',
  headers: {
    'Authorization': `Bearer ${process.env.LARCH_KEY}`,
    'Content-Type': 'application/json',
    'X-Larch-Timestamp': timestamp,
    'X-Larch-Signature': `v1=${signature}`,
  },
  body,
});
console.log(response.status, await response.text());
process.exit(response.status === 202 ? 0 : 1);
