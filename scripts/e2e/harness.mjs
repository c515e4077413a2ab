// Assertions that wait for the screen, and the failure they raise: what was expected, what was on screen, and
// the screenshot taken at that moment (the runner adds its path).

export class E2EFailure extends Error {
  constructor(what, expected, actual) {
    super(`${what}\n    expected: ${expected}\n    on screen: ${show(actual)}`);
    this.name = 'E2EFailure';
    this.what = what;
    this.expected = expected;
    this.actual = actual;
  }
}

function show(v) {
  if (v === undefined) return '(nothing)';
  const s = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  const t = s.length > 2500 ? `${s.slice(0, 2500)}… (${s.length} characters)` : s;
  return t.includes('\n') ? `\n      ${t.split('\n').join('\n      ')}` : t;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the screen with `read` until `ok(value)` holds; fails after `timeout` ms with the last value read.
 * `expected` says in words what should have been there.
 */
export async function eventually(what, expected, read, ok, { timeout = 20_000, interval = 150 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (await ok(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new E2EFailure(what, expected, lastError && last === undefined ? `(could not read it: ${lastError.message.split('\n')[0]})` : last);
    }
    await sleep(interval);
  }
}

/** `eventually` for text: every pattern (string or RegExp) must match. */
export function textMatches(text, patterns) {
  return patterns.every((p) => (typeof p === 'string' ? text.includes(p) : p.test(text)));
}

export function describePatterns(patterns) {
  return patterns.map((p) => (typeof p === 'string' ? JSON.stringify(p) : String(p))).join(' and ');
}

export async function eventuallyText(what, read, patterns, opts) {
  return eventually(what, `text containing ${describePatterns(patterns)}`, read, (t) => typeof t === 'string' && textMatches(t, patterns), opts);
}

export { sleep };
