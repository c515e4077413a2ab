/**
 * Opening a program file (a scenario or a log) for reading. Only a regular file has an end: /dev/zero would be read
 * until memory runs out (the CLI died with std::bad_alloc), a FIFO blocks its reader forever, a directory cannot be
 * read at all. So every reader opens through here: without blocking (O_NONBLOCK: opening a FIFO waits for a writer
 * otherwise), then asks the descriptor itself what it is (no window between a check of the path and the open).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/**
 * A path that is not a regular file. Its `code` is the reason as readers print it (`cannot read PATH: CODE`, as for
 * the file system's own codes such as ENOENT).
 */
export class NotRegularFileError extends Error {
  readonly code = 'not a regular file';
  constructor(readonly path: string) {
    super(`${path}: not a regular file`);
  }
}

/** A descriptor open for reading on the regular file `path`; throws the file system's error or NotRegularFileError. */
export function openRegularFile(path: string): number {
  // O_NONBLOCK is 0 where it does not exist (Windows has no FIFOs to block on).
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } finally {
    if (!regular) closeSync(fd);
  }
  if (!regular) throw new NotRegularFileError(path);
  return fd;
}

/** The whole text of the regular file `path` (UTF-8). */
export function readRegularFile(path: string): string {
  const fd = openRegularFile(path);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
