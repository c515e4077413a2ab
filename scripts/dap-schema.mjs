// Extracts the part of the Debug Adapter Protocol's JSON schema the adapter speaks into
// src/debug/protocol/dapSchema.json: the requests it serves (arguments and responses), the events it sends, and
// every definition they reach. The adapter validates requests with it; the fuzzer checks responses and events.
//
//   node scripts/dap-schema.mjs <debugAdapterProtocol.json> <commit>
//
// The input is debugAdapterProtocol.json of github.com/microsoft/debug-adapter-protocol at <commit>.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, commit] = process.argv.slice(2);
if (!input || !/^[0-9a-f]{40}$/.test(commit ?? '')) {
  console.error('usage: node scripts/dap-schema.mjs <debugAdapterProtocol.json> <40-hex commit>');
  process.exit(2);
}
const upstream = JSON.parse(readFileSync(input, 'utf8'));
const defs = upstream.definitions;

// Kept in step with SUPPORTED_COMMANDS in src/debug/protocol/commands.ts (a test checks both agree).
const COMMANDS = [
  'initialize', 'configurationDone', 'launch', 'restart', 'disconnect', 'terminate', 'setBreakpoints',
  'setFunctionBreakpoints', 'setExceptionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints', 'continue', 'next',
  'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'pause', 'gotoTargets', 'goto', 'threads', 'stackTrace', 'source',
  'scopes', 'variables', 'setVariable', 'evaluate', 'completions', 'readMemory', 'exceptionInfo',
];
const EVENTS = ['initialized', 'stopped', 'terminated', 'output', 'invalidated'];

const cap = (s) => s[0].toUpperCase() + s.slice(1);
const roots = ['ProtocolMessage', 'Request', 'Response', 'Event', 'ErrorResponse'];
for (const c of COMMANDS) {
  for (const kind of ['Request', 'Response']) {
    const name = `${cap(c)}${kind}`;
    if (!defs[name]) throw new Error(`no ${name} in the schema`);
    roots.push(name);
  }
}
for (const e of EVENTS) {
  const name = `${cap(e)}Event`;
  if (!defs[name]) throw new Error(`no ${name} in the schema`);
  roots.push(name);
}

const keep = new Set();
const visit = (name) => {
  if (keep.has(name)) return;
  if (!defs[name]) throw new Error(`dangling reference to ${name}`);
  keep.add(name);
  JSON.stringify(defs[name], (k, v) => {
    if (k === '$ref' && typeof v === 'string') visit(v.replace('#/definitions/', ''));
    return v;
  });
};
roots.forEach(visit);

const out = {
  $comment: [
    'Part of the Debug Adapter Protocol JSON schema (definitions only, each unchanged): the requests this adapter',
    'serves, their responses, the events it sends and what they reference. Source:',
    `https://github.com/microsoft/debug-adapter-protocol/blob/${commit}/debugAdapterProtocol.json`,
    '(MIT License, Copyright (c) Microsoft Corporation). Regenerate with scripts/dap-schema.mjs.',
  ].join(' '),
  definitions: Object.fromEntries(Object.keys(defs).filter((n) => keep.has(n)).map((n) => [n, defs[n]])),
};
writeFileSync('src/debug/protocol/dapSchema.json', JSON.stringify(out, null, '\t') + '\n');
console.log(`kept ${keep.size} of ${Object.keys(defs).length} definitions`);
