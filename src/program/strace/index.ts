/** Replaying strace logs on the modeled machine: `loadStrace(text, path)` / `loadStraceFile(path)` give a program. */
export { isStracePath, loadStrace, loadStraceFile, loadStraceLines, type StraceInfo, type StraceLoaded } from './load';
export { FileSource, textSource, type LineSource } from './lines';
export { splitArgs } from './args';
export { parseLine, LineKind, type ParsedLine } from './parse';
export { StraceSource } from './source';
export { syscallNumber } from './syscalls';
