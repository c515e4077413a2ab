/**
 * Requests checked at the boundary, before any handler sees them: DAP requests against the protocol's published
 * schema (dapSchema.json), launch arguments against the launch schema the extension contributes (package.json),
 * the extension's own requests against schemas typed by src/shared/messages.ts. A request that does not fit is
 * answered with one sentence naming the argument and what was expected; handlers can trust their arguments' types.
 * Responses and events can be checked the same way (the fuzzer does).
 */
import Ajv, { ErrorObject, JSONSchemaType, SchemaObject, ValidateFunction } from 'ajv';
import pkg from '../../../package.json';
import { COMPARE_REQUEST, CompareArgs, EXPORT_REQUEST, ExportArgs, SEEK_REQUEST, SeekArgs, WHY_REQUEST, WhyArgs } from '../../shared/messages';
import dapSchema from './dapSchema.json';

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const ajv = new Ajv({
  // The DAP schema carries its own annotations (_enum, enumDescriptions) that strict mode would refuse.
  strict: false,
  verbose: true,
  formats: Object.fromEntries(Object.entries(INT_RANGES).map(([name, [lo, hi]]) => [name, { type: 'number', validate: (n: number) => n >= lo && n <= hi }])),
});
ajv.addSchema(dapSchema as SchemaObject, 'dap');

/** Arguments the adapter reads besides the contributed launch schema: DAP's own and the extension's. */
const LAUNCH_EXTRAS: Record<string, SchemaObject> = {
  noDebug: { type: 'boolean' },
  __restart: {},
  stateEvents: { type: 'boolean' },
};

const contributed = pkg.contributes.debuggers[0].configurationAttributes.launch as SchemaObject;
export const LAUNCH_SCHEMA: SchemaObject = { ...contributed, properties: { ...contributed.properties, ...LAUNCH_EXTRAS } };

const seekArgs: JSONSchemaType<SeekArgs> = { type: 'object', properties: { position: { type: 'number' } }, required: ['position'] };
const exportArgs: JSONSchemaType<ExportArgs> = { type: 'object', properties: { path: { type: 'string', minLength: 1 } }, required: ['path'] };
const compareArgs: JSONSchemaType<CompareArgs> = {
  type: 'object',
  properties: { size: { type: 'string', nullable: true }, disk: { type: 'string', nullable: true }, warm: { type: 'boolean', nullable: true } },
};
const whyArgs: JSONSchemaType<WhyArgs> = {
  type: 'object', properties: { fileId: { type: 'integer' }, index: { type: 'integer' } }, required: ['fileId', 'index'],
};

/** Schemas of arguments that are not DAP's (or that DAP leaves open: a launch is the adapter's to define). */
const OWN_ARGUMENTS: Record<string, SchemaObject> = {
  launch: LAUNCH_SCHEMA,
  restart: { type: 'object', properties: { arguments: LAUNCH_SCHEMA } },
  [SEEK_REQUEST]: seekArgs,
  [EXPORT_REQUEST]: exportArgs,
  [COMPARE_REQUEST]: compareArgs,
  [WHY_REQUEST]: whyArgs,
};

/** What some arguments must be, where the type alone says too little: "'program' must be …". */
const EXPECTED: Record<string, string> = {
  'launch.program': 'the path of a .iosim scenario or .strace log',
  'launch.trace': 'the path of the file to write the trace to',
  'launch.cwd': 'the directory relative paths are resolved against',
  'launch.checkpointEvery': 'a whole number of events between checkpoints',
};

/** What some requests need, as a whole phrase: "iomachine/seek needs …" (missing or ill-typed alike). */
const NEEDS: Record<string, string> = {
  [`${SEEK_REQUEST}.position`]: "a numeric 'position'",
  [`${WHY_REQUEST}.fileId`]: "a whole 'fileId' and 'index'",
  [`${WHY_REQUEST}.index`]: "a whole 'fileId' and 'index'",
  'goto.targetId': "a 'targetId' from gotoTargets",
};

/** Nouns for the items of some arrays. */
const ITEMS: Record<string, string> = { filters: 'filter ids', lines: 'line numbers', areas: 'area names' };

const cache = new Map<string, ValidateFunction | null>();

function argumentsValidator(command: string): ValidateFunction | null {
  if (cache.has(command)) return cache.get(command)!;
  let v: ValidateFunction | null = null;
  const own = OWN_ARGUMENTS[command];
  if (own) v = ajv.compile(own);
  else {
    // Most requests name their arguments XArguments, a few XRequestArguments: the request's definition says which.
    const request = (dapSchema.definitions as Record<string, { allOf?: { properties?: { arguments?: { $ref?: string } } }[] }>)[`${command[0].toUpperCase()}${command.slice(1)}Request`];
    const ref = request?.allOf?.[1]?.properties?.arguments?.$ref;
    if (ref) v = ajv.getSchema(`dap${ref}`) ?? null;
  }
  cache.set(command, v);
  return v;
}

/**
 * Null when the arguments fit the request; otherwise the message of the error response. Absent arguments are
 * checked as an empty object, so the message names what is missing.
 */
export function checkArguments(command: string, args: unknown): string | null {
  const v = argumentsValidator(command);
  if (!v) return null;
  if (v(args ?? {})) return null;
  return describeError(command, v.errors?.[0]);
}

/** A response or event checked against its definition in the protocol; null when it fits. */
export function checkMessage(message: Readonly<Record<string, unknown>>): string | null {
  const name = message.type === 'event' ? definitionOf(message.event, 'Event', 'Event')
    : message.success === false ? 'ErrorResponse' : definitionOf(message.command, 'Response', 'Response');
  const v = ajv.getSchema(`dap#/definitions/${name}`);
  if (!v || v(message)) return null;
  const e = v.errors?.[0];
  return `${name}: ${e?.instancePath || '(root)'} ${e?.message ?? 'does not fit'}`;
}

function definitionOf(name: unknown, suffix: string, fallback: string): string {
  if (typeof name !== 'string' || !name) return fallback;
  const def = `${name[0].toUpperCase()}${name.slice(1)}${suffix}`;
  return def in dapSchema.definitions ? def : fallback;
}

function describeError(command: string, e: ErrorObject | undefined): string {
  if (!e) return `${command}: the arguments do not fit the request`;
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = e.keyword === 'required' ? String((e.params as { missingProperty: string }).missingProperty) : null;
  const at = missing === null ? path : [...path, missing];
  // A restart's arguments are a launch's: the same words for them.
  const asLaunch = command === 'restart' && at[0] === 'arguments';
  const named = asLaunch ? at.slice(1) : at;
  const key = `${asLaunch ? 'launch' : command}.${named.filter((p) => !/^\d+$/.test(p)).join('.')}`;
  if (NEEDS[key]) return `${command} needs ${NEEDS[key]}`;
  if (EXPECTED[key]) return `${command}: '${dotted(at)}' must be ${EXPECTED[key]}`;
  if (missing !== null) {
    const schema = propertySchema(e.parentSchema, missing);
    const numeric = schema?.type === 'integer' || schema?.type === 'number';
    return `${command} needs ${numeric ? 'a numeric' : /^[aeiou]/i.test(missing) ? 'an' : 'a'} '${dotted(at)}'`;
  }
  // A key of the launch's machine block: the words the loader uses for a bad value.
  if ((command === 'launch' || asLaunch) && named[0] === 'machine' && named.length === 2) {
    return `${command}: machine key '${named[1]}': expected ${describe(e.parentSchema)}, got ${JSON.stringify(e.data)}`;
  }
  if (!path.length) return `${command}: the arguments must be ${describe(e.parentSchema)}`;
  return `${command}: '${dotted(path)}' must be ${describe(e.parentSchema, path[path.length - 1])}`;
}

/** `breakpoints[0].name` from ['breakpoints', '0', 'name']. */
function dotted(path: string[]): string {
  return path.reduce((s, p) => (/^\d+$/.test(p) ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

function resolve(schema: unknown): SchemaObject | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const s = schema as SchemaObject;
  if (typeof s.$ref === 'string') {
    const target = ajv.getSchema(s.$ref.startsWith('#') ? `dap${s.$ref}` : s.$ref)?.schema;
    return resolve(target);
  }
  return s;
}

function propertySchema(parent: unknown, name: string): SchemaObject | undefined {
  const p = resolve(parent);
  return resolve((p?.properties as Record<string, unknown> | undefined)?.[name]);
}

function refName(schema: unknown): string | null {
  const ref = (schema as SchemaObject | undefined)?.$ref;
  return typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : null;
}

/** What a schema asks for, in words: "an array of filter ids", "an integer from 0", "one of 'hdd', 'ssd'". */
function describe(schema: unknown, name = ''): string {
  const s = resolve(schema);
  if (!s) return 'something else';
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((x: unknown) => JSON.stringify(x)).join(', ')}`;
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const words = types.map((t) => {
    switch (t) {
      case 'array': {
        const item = refName(s.items);
        const inner = resolve(s.items);
        const noun = ITEMS[name] ?? (item ? `${item} objects` : inner?.type === 'string' ? 'strings' : inner?.type === 'integer' ? 'integers' : inner?.type === 'object' ? 'objects' : 'values');
        return `an array of ${noun}`;
      }
      case 'integer': {
        const bits = s.format === 'int32' || s.format === 'uint32' ? ' (32-bit)' : '';
        const min = s.format === 'uint32' || s.format === 'uint64' ? 0 : s.format === 'int64' ? undefined : s.minimum;
        return `a whole number${min !== undefined ? ` ≥ ${min}` : ''}${bits}`;
      }
      case 'number': return 'a number';
      case 'string': return s.minLength ? 'a non-empty string' : 'a string';
      case 'boolean': return types.length > 1 ? 'a boolean' : 'true or false';
      case 'object': return 'an object';
      case 'null': return 'null';
    }
    return t;
  });
  if (!words.length) return 'something else';
  return words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
