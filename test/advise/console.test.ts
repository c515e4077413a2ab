/** The debug console's `advise`: the same advice as `iosim advise`, for the program being debugged. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Session } from '../debug/helpers';

const LOG = path.join(__dirname, '../../../test/fixtures/advise/tiny.strace');

test('advise in the debug console names the loop, its lines and the methods, without moving the session', async () => {
  const s = await Session.start();
  await s.launch({ program: LOG, stopOnEntry: true });
  try {
    const r = await s.dc.evaluateRequest({ expression: 'advise', context: 'repl' });
    const text = r.body.result;
    assert.match(text, /loop 1: lines 494-526, .*: \/tmp\/advise\/small\.bin → TCP:\[127\.0\.0\.1:8767->127\.0\.0\.1:59332\]/);
    assert.match(text, /^\s+sendfile\+sg-dma\s+17\s+34\s/m);
    assert.match(text, /16 read\+write pairs → /);
    assert.match(text, /assumes the bytes pass through unchanged/);
    // The session is where it was: still stopped on entry, at the log's first line.
    const st = await s.dc.stackTraceRequest({ threadId: 1 });
    assert.ok(st.body.stackFrames.length > 0);
    const help = await s.dc.evaluateRequest({ expression: 'help', context: 'repl' });
    assert.match(help.body.result, /^advise\s/m);
  } finally {
    await s.close();
  }
});
