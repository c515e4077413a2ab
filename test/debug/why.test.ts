/**
 * The panel's "why is this page in its state" question: the iomachine/why request names the page by file id and
 * index (no text to parse) and answers exactly what the console's `why <path> <index>` answers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WHY_REQUEST, WhyArgs, WhyResult } from '../../src/shared/messages';
import { failure, Session } from './helpers';

async function ask(s: Session, args: WhyArgs | Record<string, unknown>): Promise<string> {
  const r = await s.dc.customRequest(WHY_REQUEST, args);
  return (r.body as WhyResult).text;
}

describe('iomachine/why', () => {
  test('names the page by the file id the state carries; the same answer as the console', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      await s.seek(45);
      const state = await s.state();
      const file = state.pageCache.files.find((f) => f.path === '/srv/index.html');
      assert.ok(file, 'the file is in the state');
      assert.equal(await ask(s, { fileId: file.fileId, index: 1 }), await s.evaluate('why /srv/index.html 1'));
      await s.seek(8);
      assert.equal(await ask(s, { fileId: file.fileId, index: 1 }), await s.evaluate('why /srv/index.html 1'));
    } finally {
      await s.close();
    }
  });

  test('an unknown file, wrong arguments, and no program', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      assert.match(await ask(s, { fileId: 99, index: 0 }), /no such file in the machine/);
      assert.match(await failure(s.dc.customRequest(WHY_REQUEST, { fileId: '0', index: 1 })), /needs a whole 'fileId' and 'index'/);
      assert.match(await failure(s.dc.customRequest(WHY_REQUEST, {})), /needs a whole 'fileId' and 'index'/);
    } finally {
      await s.close();
    }
    const fresh = await Session.start();
    try {
      assert.match(await failure(fresh.dc.customRequest(WHY_REQUEST, { fileId: 0, index: 0 })), /launch first/);
    } finally {
      await fresh.close();
    }
  });
});
