/**
 * The rules of the house that a reviewer cannot keep by eye: no source file over 500 lines, and no import circles
 * (type-only imports included: a circle of types still ties two rooms together).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

/** From out/test/ (compiled) back to the project root. */
const ROOT = path.join(__dirname, '../..');
const MAX_LINES = 500;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const FILES = ['src', 'webview'].flatMap((d) => sources(path.join(ROOT, d)));

/** The project files a module imports (relative specifiers only; packages are outside the house). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const spec = m[1] ?? m[2];
    const base = path.resolve(path.dirname(file), spec);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => existsSync(c) && statSync(c).isFile());
    if (hit) out.push(hit);
  }
  return out;
}

test('no source file in src/ or webview/ is over 500 lines', () => {
  const big = FILES.map((f) => ({ f: path.relative(ROOT, f), n: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((x) => x.n > MAX_LINES)
    .map((x) => `${x.f} (${x.n} lines)`);
  assert.deepEqual(big, []);
});

test('no import circles in src/ or webview/', () => {
  const graph = new Map(FILES.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      const s = state.get(g);
      if (s === 'open') circles.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(ROOT, x)).join(' → '));
      else if (!s) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of FILES) if (!state.has(f)) visit(f);
  assert.deepEqual(circles, []);
});
