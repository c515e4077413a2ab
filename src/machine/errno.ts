/** The errno values the model can return, with their Linux numbers and strerror texts. */
export const ERRNO = {
  ENOENT: 2,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  EFBIG: 27,
  ESPIPE: 29,
  ENOSYS: 38,
} as const;

export type Errno = keyof typeof ERRNO;

export const ERRNO_TEXT: Record<Errno, string> = {
  ENOENT: 'No such file or directory',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EEXIST: 'File exists',
  EINVAL: 'Invalid argument',
  EFBIG: 'File too large',
  ESPIPE: 'Illegal seek',
  ENOSYS: 'Function not implemented',
};

const BY_NUMBER = new Map<number, Errno>(Object.entries(ERRNO).map(([k, v]) => [v, k as Errno]));

export function errnoName(n: number): Errno | null {
  return BY_NUMBER.get(n) ?? null;
}

/** What a syscall returns: a result, or -1 with an errno. */
export interface OpResult {
  result: number;
  errno: Errno | null;
}

/** Thrown deep inside a syscall (a bad descriptor, a bad address) and turned into its errno at syscall exit. */
export class SyscallError extends Error {
  constructor(readonly errno: Errno) {
    super(errno);
  }
}

export function ok(result: number): OpResult {
  return { result, errno: null };
}

export function err(errno: Errno): OpResult {
  return { result: -1, errno };
}
