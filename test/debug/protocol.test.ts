/** The adapter's boundary as units: the frame reader, the request checks against the DAP schema, the command lists. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capabilities } from '../../src/debug/capabilities';
import { SUPPORTED_COMMANDS, UNSUPPORTED_COMMANDS, refusal } from '../../src/debug/protocol/commands';
import dapSchema from '../../src/debug/protocol/dapSchema.json';
import { FrameReader, MAX_BODY } from '../../src/debug/protocol/frames';
import { checkArguments, checkMessage } from '../../src/debug/protocol/validate';

function read(chunks: (string | Buffer)[]): { bodies: string[]; warnings: string[] } {
  const bodies: string[] = [];
  const warnings: string[] = [];
  const r = new FrameReader((b) => bodies.push(b), (w) => warnings.push(w));
  for (const c of chunks) r.push(typeof c === 'string' ? Buffer.from(c) : c);
  return { bodies, warnings };
}

const frame = (json: string) => `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;

describe('frame reader', () => {
  test('frames back to back, and the same bytes one at a time, give the same bodies', () => {
    const text = frame('{"a":1}') + frame('{"b":"é ✓"}') + frame('{"c":[1,2]}');
    const whole = read([text]);
    const bytes = Buffer.from(text);
    const split = read([...bytes].map((b) => Buffer.from([b])));
    assert.deepEqual(whole.bodies, ['{"a":1}', '{"b":"é ✓"}', '{"c":[1,2]}']);
    assert.deepEqual(split.bodies, whole.bodies);
    assert.deepEqual(whole.warnings, []);
  });

  test('a Content-Length longer than the body does not swallow the next frame', () => {
    const r = read([`Content-Length: 300\r\n\r\n{"seq":1}`, frame('{"seq":2}')]);
    assert.deepEqual(r.bodies, ['{"seq":1}', '{"seq":2}']);
    assert.match(r.warnings.join('\n'), /longer than its body/);
  });

  test('a Content-Length shorter than the body: the rest is skipped as junk before the next header', () => {
    const r = read([`Content-Length: 4\r\n\r\n{"seq":1}`, frame('{"seq":2}')]);
    assert.deepEqual(r.bodies, ['{"se', '{"seq":2}']);
    assert.match(r.warnings.join('\n'), /skipped 5 bytes before a frame header/);
  });

  test('headers without a length, lengths past the limit, empty bodies are skipped with a warning', () => {
    const r = read(['Content-Type: x\r\n\r\n', `Content-Length: ${MAX_BODY + 1}\r\n\r\n`, frame(''), frame('{"ok":true}')]);
    assert.deepEqual(r.bodies, ['{"ok":true}']);
    assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
  });

  test('a JSON string holding a header text is not a frame boundary', () => {
    const body = JSON.stringify({ expression: 'Content-Length: 5\r\n\r\n{}' });
    assert.deepEqual(read([frame(body)]).bodies, [body]);
  });
});

describe('request checks against the DAP schema', () => {
  test('the messages the issue asks for name the argument and what was expected', () => {
    assert.equal(checkArguments('setExceptionBreakpoints', { filters: 'dma-interrupt' }), "setExceptionBreakpoints: 'filters' must be an array of filter ids");
    assert.equal(checkArguments('stackTrace', {}), "stackTrace needs a numeric 'threadId'");
    assert.equal(checkArguments('stackTrace', { threadId: '1' }), "stackTrace: 'threadId' must be a whole number (32-bit)");
    assert.equal(checkArguments('readMemory', { memoryReference: 'x' }), "readMemory needs a numeric 'count'");
    assert.equal(checkArguments('setBreakpoints', { source: {}, breakpoints: [{ line: '12' }] }), "setBreakpoints: 'breakpoints[0].line' must be a whole number ≥ 0");
    assert.equal(checkArguments('launch', { program: 'x', machine: { disk: 'tape' } }), 'launch: machine key \'disk\': expected one of "hdd", "ssd", "nvme", got "tape"');
    assert.equal(checkArguments('launch', { program: 'x', checkpointEvery: '50' }), "launch: 'checkpointEvery' must be a whole number of events between checkpoints");
    assert.equal(checkArguments('restart', { arguments: { program: 7 } }), "restart: 'arguments.program' must be the path of a .iosim scenario or .strace log");
  });

  test('well-formed requests pass, extra properties included (clients add their own)', () => {
    assert.equal(checkArguments('launch', { program: 'x', type: 'iomachine', request: 'launch', name: 'n', __sessionId: 'abc', stateEvents: true, cwd: '/' }), null);
    assert.equal(checkArguments('next', { threadId: 1, granularity: 'instruction', singleThread: false }), null);
    assert.equal(checkArguments('threads', undefined), null);
    assert.equal(checkArguments('configurationDone', undefined), null);
  });

  test('responses and events are checked against their definitions', () => {
    const ok = { seq: 3, type: 'response', request_seq: 2, command: 'stackTrace', success: true, body: { stackFrames: [{ id: 100, name: 'main', line: 1, column: 1 }] } };
    assert.equal(checkMessage(ok), null);
    assert.match(checkMessage({ ...ok, body: { stackFrames: [{ id: null, name: 'x', line: 1, column: 1 }] } }) ?? '', /id must be integer/);
    assert.match(checkMessage({ seq: 1, type: 'event', event: 'stopped', body: {} }) ?? '', /reason/);
  });
});

describe('what is served', () => {
  test('the extracted schema holds exactly the requests the adapter serves', () => {
    const requests = Object.keys(dapSchema.definitions).filter((n) => n.endsWith('Request') && n !== 'Request').map((n) => n[0].toLowerCase() + n.slice(1, -'Request'.length));
    assert.deepEqual([...requests].sort(), [...SUPPORTED_COMMANDS].sort());
  });

  test('capabilities announce nothing the adapter refuses; refused requests say so by name', () => {
    const caps = capabilities() as Record<string, unknown>;
    for (const [command, cap] of Object.entries(UNSUPPORTED_COMMANDS)) {
      if (cap) assert.notEqual(caps[cap], true, cap);
      assert.equal(refusal(command), `'${command}' is not supported`);
    }
    assert.equal(refusal('frobnicate'), "unknown request 'frobnicate'");
    assert.equal(refusal('next'), null);
    assert.equal(refusal('iomachine/seek'), null);
  });
});
