/**
 * The commonest lines of a log, read straight from their bytes: a read, write, pread64 or pwrite64 that succeeded,
 * with or without the pid prefix, the timestamp and the duration, whole or split by another process's line:
 *
 *   4242  10:00:00.000123 read(5</data/f0.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000021>
 *   4242  10:00:00.000130 write(4<pipe:[91]>, "\177ELF\2\1\1"..., 131072 <unfinished ...>
 *   4242  10:00:00.000170 <... write resumed>) = 131072 <0.000040>
 *
 * No string is made of a whole call: the prefix is read from the front, the result, the duration and the numbers
 * that end the arguments from the back, and the data string in the middle is never looked at (the first half of a
 * split call keeps its arguments as text, as the general path does). Whatever does not have exactly these shapes (a
 * failure, a result with text, a hexadecimal count, an -i prefix, another name) is left to the general parser
 * (parse.ts), which reads these lines to the very same values: the replay takes the fast path only when both would
 * agree.
 */

/** Whether the replay and the load take the fast path (tests turn it off to compare with the general one). */
export const fastPath = { enabled: true };

/** Which part of a call the line holds (FastCall.kind), as parse.ts's LineKind. */
export const enum FastKind {
  Call = 0,
  /** The first half: `read(3, <unfinished ...>` (its arguments are bytes[argsStart, argsEnd)). */
  Unfinished = 1,
  /** The second half, with nothing but the result: `<... read resumed>) = 5`. */
  Resumed = 2,
}

/** Which call (FastCall.op). */
export const enum FastOp {
  Read = 0,
  Write = 1,
  Pread = 2,
  Pwrite = 3,
}

const NAMES = ['read', 'write', 'pread64', 'pwrite64'];

/** One line, read; a single object is reused for every line (the replay copies what it keeps). */
export class FastCall {
  kind: FastKind = FastKind.Call;
  op: FastOp = FastOp.Read;
  /** The name as the general parser gives it (the same interned string). */
  name = '';
  /** -1 without a pid prefix. */
  pid = -1;
  /** NaN without a timestamp. */
  tsSec = NaN;
  tsNs = NaN;
  tsTod = false;
  /** 1-based column of the name (the prefix is ASCII: bytes are characters). */
  col = 0;
  /** Unfinished: where its arguments are (bytes[argsStart, argsEnd) of the line). */
  bytes: Buffer | null = null;
  argsStart = 0;
  argsEnd = 0;
  /** Call: the descriptor the arguments start with. */
  fd = 0;
  /**
   * Call: where its -y decoration's text starts (`/etc/passwd>, ...` of `3</etc/passwd>, ...`), as the line has it
   * (escapes unread); -1 without one. The replay compares it with what its table names (Replayer.lineFast): a
   * different name goes the general way.
   */
  decoStart = -1;
  /** The last number of the arguments (read: the count asked; pread64: the offset; pwrite64: the offset). */
  last = NaN;
  /** The number before it (pread64: the count asked). */
  prev = NaN;
  /** The result (a byte count), and the -T duration in ns (NaN without -T); 0 and NaN for a first half. */
  r = 0;
  durNs = NaN;
  /**
   * Call: where the line holds `name(args)` and its result, bytes[callStart, callEnd) and bytes[retStart, retEnd),
   * when the line is plain enough that logText.ts's completeCall reads it to the very same ranges (no `[pid N]`
   * prefix, a space before the name after a timestamp, a ')' that ends arguments of at most MAX_ARGS bytes);
   * callEnd is -1 otherwise.
   */
  callStart = 0;
  callEnd = -1;
  retStart = 0;
  retEnd = 0;
  /**
   * Call: the line read, bytes[start, end); where its -tt clock was read at its fixed places (the index after the
   * hour's digits, less start; -1: a timestamp of another shape, or none) and that hour; whether its -T duration was
   * read at its fixed places. What repeat.ts needs to read such a line's like again from these places only.
   */
  start = 0;
  end = 0;
  clockAt = -1;
  hour = 0;
  durFixed = false;
  /**
   * Call: where parseFast read it, for repeat.ts to find a like line from these bytes alone: bytes[start, frontEnd)
   * are all it read from the front (up to the byte after the descriptor), bytes[tailStart, end) all it read from the
   * back (from the comma before the numbers that end the arguments, or before the ')' of a write); argsAt is where
   * the arguments start and closeAt where they end (the ')', or where one was looked for); callOk whether the line
   * allows callEnd (its prefix and its ')') but for the length of the arguments.
   */
  frontEnd = 0;
  tailStart = 0;
  argsAt = 0;
  closeAt = 0;
  callOk = false;
}

/** The longest arguments a call's text gives whole (strace -s 65536 prints whole buffers); logText.ts cuts longer ones. */
export const MAX_ARGS = 400;

const POW10 = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/** Fractional seconds after a dot, as ns in f.tsNs (digits past the ninth are read and dropped); the index after them. */
function fraction(b: Uint8Array, i: number, end: number, f: FastCall): number {
  let v = 0;
  let n = 0;
  let c = 0;
  while (i < end && (c = b[i] - 48) >>> 0 <= 9) {
    if (n < 9) {
      v = v * 10 + c;
      n++;
    }
    i++;
  }
  f.tsNs = v * POW10[n];
  return i;
}

/**
 * The number that ends at `from` and follows a comma (`, 4096` read right to left): its value in f.last, and the
 * comma's index; -1 for anything else (no digits, more than 15, not after a comma and spaces). This is what
 * rw.ts reads there from text (lastComma, then numberAt) whenever it has this shape.
 */
function tailNumber(b: Uint8Array, from: number, min: number, f: FastCall): number {
  let j = from;
  let v = 0;
  let place = 1;
  let c = 0;
  while (j >= min && (c = b[j] - 48) >>> 0 <= 9) {
    v += c * place;
    place *= 10;
    j--;
  }
  if (j === from || from - j > 15) return -1;
  while (j >= min && b[j] === 32) j--;
  if (j < min || b[j] !== 44) return -1;
  f.last = v;
  return j;
}

/**
 * The length of the name at i when it is read, write, pread64 or pwrite64 (its FastOp: 4, 5, 7, 8); 0 otherwise.
 * Small enough for the compiler to inline into parseFast (the rarer p-names are read apart).
 */
function nameLen(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === 114) return i + 3 < end && b[i + 1] === 101 && b[i + 2] === 97 && b[i + 3] === 100 ? 4 : 0;
  if (c === 119) return i + 4 < end && b[i + 1] === 114 && b[i + 2] === 105 && b[i + 3] === 116 && b[i + 4] === 101 ? 5 : 0;
  return c === 112 ? pNameLen(b, i, end) : 0;
}

/** nameLen for a name that starts with 'p': pread64 (7) or pwrite64 (8); 0 otherwise. */
function pNameLen(b: Uint8Array, i: number, end: number): number {
  if (i + 6 >= end) return 0;
  const d = b[i + 1];
  if (d === 114 && b[i + 2] === 101 && b[i + 3] === 97 && b[i + 4] === 100 && b[i + 5] === 54 && b[i + 6] === 52) return 7;
  if (d === 119 && i + 7 < end && b[i + 2] === 114 && b[i + 3] === 105 && b[i + 4] === 116 && b[i + 5] === 101 && b[i + 6] === 54 && b[i + 7] === 52) return 8;
  return 0;
}

/** ' <unfinished ...>', the end of the first half of a split call. */
const UNFINISHED = [32, 60, 117, 110, 102, 105, 110, 105, 115, 104, 101, 100, 32, 46, 46, 46, 62];
/** ' resumed>', after the name of the second half. */
const RESUMED = [32, 114, 101, 115, 117, 109, 101, 100, 62];

function endsWith(b: Uint8Array, e: number, min: number, tail: number[]): boolean {
  const at = e - tail.length;
  if (at < min) return false;
  for (let k = 0; k < tail.length; k++) if (b[at + k] !== tail[k]) return false;
  return true;
}

function opOf(len: number): FastOp {
  return len === 4 ? FastOp.Read : len === 5 ? FastOp.Write : len === 7 ? FastOp.Pread : FastOp.Pwrite;
}


/**
 * Reads bytes b[s, e) into `f` when the line is one of the shapes above (a call that succeeded, the first half of
 * one, or a second half that holds only a plain result); false otherwise (nothing is to be concluded from `f` then).
 * Every number is read in place into a local (this runs twice for every line of a log: once a pass); the
 * commonest shapes (a -tt timestamp, a -T duration) are read at fixed places, and the function calls no helper on
 * the way of the commonest lines (it is too big for the compiler to inline them: each would be a call).
 */
export function parseFast(b: Buffer, s: number, e: number, f: FastCall): boolean {
  let i = s;
  let c = 0;
  while (i < e && b[i] === 32) i++;
  if (i >= e) return false;
  let pid = -1;
  const bracket = b[i] === 91;
  if (bracket) {
    // [pid N]
    if (!(i + 4 < e && b[i + 1] === 112 && b[i + 2] === 105 && b[i + 3] === 100 && b[i + 4] === 32)) return false;
    let j = i + 5;
    while (j < e && b[j] === 32) j++;
    let k = j;
    let v = 0;
    while (k < e && (c = b[k] - 48) >>> 0 <= 9) {
      v = v * 10 + c;
      k++;
    }
    if (k === j || k >= e || b[k] !== 93) return false;
    pid = v;
    i = k + 1;
    while (i < e && b[i] === 32) i++;
  }
  let tsSec = NaN;
  let tsNs = NaN;
  let tod = false;
  let clockAt = -1;
  let hour = 0;
  if (i < e && (c = b[i] - 48) >>> 0 <= 9) {
    let k = i;
    let v = 0;
    while (k < e && (c = b[k] - 48) >>> 0 <= 9) {
      v = v * 10 + c;
      k++;
    }
    let d = k < e ? b[k] : -1;
    if (d === 32 && pid < 0) {
      // `1234 ` (-f -o, -ff)
      pid = v;
      i = k;
      while (i < e && b[i] === 32) i++;
      if (i < e && (c = b[i] - 48) >>> 0 <= 9) {
        k = i;
        v = 0;
        while (k < e && (c = b[k] - 48) >>> 0 <= 9) {
          v = v * 10 + c;
          k++;
        }
        d = k < e ? b[k] : -1;
      } else {
        d = -1;
      }
    }
    let clock = false;
    if (d === 58 && k + 13 < e && b[k + 3] === 58 && b[k + 6] === 46) {
      // HH:MM:SS.uuuuuu (-tt), the commonest: `:MM:SS.uuuuuu` at fixed places and then a byte that is no digit,
      // read as the loops below read them (each digit checked as c >>> 0 <= 9: a byte below '0' wraps high).
      const us = clockMicros(b, k);
      if (us >= 0 && (b[k + 13] - 48) >>> 0 > 9) {
        tsSec = v * 3600 + Math.floor(us / 1e6);
        tsNs = (us % 1e6) * 1000;
        tod = true;
        i = k + 13;
        clock = true;
        clockAt = k - s;
        hour = v;
      }
    }
    if (clock) {
      // read above
    } else if (d === 58) {
      // HH:MM:SS[.frac]
      let k2 = k + 1;
      let mm = 0;
      while (k2 < e && (c = b[k2] - 48) >>> 0 <= 9) {
        mm = mm * 10 + c;
        k2++;
      }
      if (k2 === k + 1 || k2 >= e || b[k2] !== 58) return false;
      let k3 = k2 + 1;
      let ss = 0;
      while (k3 < e && (c = b[k3] - 48) >>> 0 <= 9) {
        ss = ss * 10 + c;
        k3++;
      }
      if (k3 === k2 + 1) return false;
      tsSec = v * 3600 + mm * 60 + ss;
      tsNs = 0;
      tod = true;
      i = k3;
      if (i < e && b[i] === 46) {
        i = fraction(b, i + 1, e, f);
        tsNs = f.tsNs;
      }
    } else if (d === 46) {
      // seconds.frac (-ttt, -r)
      tsSec = v;
      i = fraction(b, k + 1, e, f);
      tsNs = f.tsNs;
    }
    // Otherwise i is where it was: at digits (no call name starts with one) or after the pid.
    while (i < e && b[i] === 32) i++;
  }
  if (i >= e) return false;
  f.pid = pid;
  f.tsSec = tsSec;
  f.tsNs = tsNs;
  f.tsTod = tod;
  let kind = FastKind.Call;
  let len: number;
  let nameAt = i;
  let argsStart: number;
  if (b[i] === 60) {
    // <... name resumed>
    if (!(i + 4 < e && b[i + 1] === 46 && b[i + 2] === 46 && b[i + 3] === 46 && b[i + 4] === 32)) return false;
    nameAt = i + 5;
    len = nameLen(b, nameAt, e);
    if (len === 0) return false;
    const k = nameAt + len;
    if (k + RESUMED.length > e) return false;
    for (let m = 0; m < RESUMED.length; m++) if (b[k + m] !== RESUMED[m]) return false;
    kind = FastKind.Resumed;
    argsStart = k + RESUMED.length;
  } else {
    len = nameLen(b, i, e);
    if (len === 0 || i + len >= e || b[i + len] !== 40) return false;
    argsStart = i + len + 1;
    // ' <unfinished ...>' ends in '.>', which a duration (`<0.000012>`) never does.
    if (b[e - 1] === 62 && b[e - 2] === 46 && endsWith(b, e, argsStart, UNFINISHED)) {
      // No result yet (nor a duration).
      const op = opOf(len);
      f.kind = FastKind.Unfinished;
      f.op = op;
      f.name = NAMES[op];
      f.col = i - s + 1;
      f.r = 0;
      f.durNs = NaN;
      f.bytes = b;
      f.argsStart = argsStart;
      f.argsEnd = e - UNFINISHED.length;
      return true;
    }
  }
  // From the back, each field read once, right to left (values up to 15 digits: exact, as read left to right).
  const min = argsStart + 1;
  let j = e - 1;
  let dur = NaN;
  let fixed = false;
  if (b[j] === 62 && j - 10 >= min && b[j - 7] === 46 && b[j - 9] === 60 && b[j - 10] === 32) {
    // ` <S.uuuuuu>` (-T), the commonest: at fixed places, read as the loops below read them.
    dur = durationNsAt(b, j);
    if (dur === dur) {
      j -= 11;
      fixed = true;
    }
  }
  if (!fixed && b[j] === 62) {
    // ` <secs.frac>` (-T)
    j--;
    const fracEnd = j;
    let ns = 0;
    let place = 1;
    while (j >= min && (c = b[j] - 48) >>> 0 <= 9) {
      ns += c * place;
      place *= 10;
      j--;
    }
    const fracDigits = fracEnd - j;
    if (b[j] !== 46 || fracDigits > 9) return false;
    j--;
    const secsEnd = j;
    let secs = 0;
    place = 1;
    while (j >= min && (c = b[j] - 48) >>> 0 <= 9) {
      secs += c * place;
      place *= 10;
      j--;
    }
    if (j === secsEnd || secsEnd - j > 15 || b[j] !== 60 || b[j - 1] !== 32) return false;
    dur = secs * 1e9 + ns * POW10[fracDigits];
    j -= 2;
  }
  // ` = N`: a plain, non-negative result with nothing after it
  const rEnd = j;
  let r = 0;
  let place = 1;
  while (j >= min && (c = b[j] - 48) >>> 0 <= 9) {
    r += c * place;
    place *= 10;
    j--;
  }
  if (j === rEnd || rEnd - j > 15 || j - 2 < argsStart || b[j] !== 32 || b[j - 1] !== 61 || b[j - 2] !== 32) return false;
  // The arguments end before the ')' that precedes ' = '.
  let close = j - 2;
  while (close > argsStart && b[close - 1] === 32) close--;
  if (b[close - 1] === 41) close--;
  const op = opOf(len);
  if (kind === FastKind.Resumed) {
    // Only the result: the arguments are all in the first half.
    if (close !== argsStart) return false;
    f.kind = kind;
    f.op = op;
    f.name = NAMES[op];
    f.col = nameAt - s + 1;
    f.r = r;
    f.durNs = dur;
    return true;
  }
  // The lowest byte read from the back: the ')' (or the byte before where it was looked for) of a write.
  let tail = close - 1;
  // The descriptor they start with.
  let a = argsStart;
  while (a < close && b[a] === 32) a++;
  let fd = 0;
  let k = a;
  while (k < close && (c = b[k] - 48) >>> 0 <= 9) {
    fd = fd * 10 + c;
    k++;
  }
  // `0x3`: a raw (-e raw=) argument, in hex: the general path reads it (dispatch.ts).
  if (k === a || (b[k] | 32) === 120) return false;
  // The -y decoration after it starts here (where it ends, the replay finds by comparing it: Replayer.lineFast).
  const decoStart = b[k] === 60 ? k + 1 : -1;
  // The numbers that end the arguments: `, N)` (read: the count; pwrite64: the offset; pread64: `, count, offset)`).
  let last = NaN;
  let prev = NaN;
  if (op !== FastOp.Write) {
    const k1 = tailNumber(b, close - 1, argsStart, f);
    if (k1 < 0) return false;
    last = f.last;
    tail = k1;
    if (op === FastOp.Pread) {
      const k2 = tailNumber(b, k1 - 1, argsStart, f);
      if (k2 < 0) return false;
      prev = f.last;
      tail = k2;
    }
  }
  f.kind = kind;
  f.op = op;
  f.name = NAMES[op];
  f.col = i - s + 1;
  f.r = r;
  f.durNs = dur;
  f.fd = fd;
  f.decoStart = decoStart;
  f.last = last;
  f.prev = prev;
  f.callStart = i;
  const callOk = !bracket && (Number.isNaN(f.tsSec) || b[i - 1] === 32) && b[close] === 41;
  f.callEnd = callOk && close - argsStart <= MAX_ARGS ? close + 1 : -1;
  f.callOk = callOk;
  f.argsAt = argsStart;
  f.closeAt = close;
  f.frontEnd = k + 1;
  f.tailStart = tail;
  f.retStart = j + 1;
  f.retEnd = rEnd + 1;
  f.start = s;
  f.end = e;
  f.clockAt = clockAt;
  f.hour = hour;
  f.durFixed = fixed;
  return true;
}

/**
 * The -tt clock's `:MM:SS.uuuuuu` whose first ':' is b[k], read at its fixed places: microseconds past the hour,
 * (MM × 60 + SS) × 10^6 + uuuuuu, or -1 when one of them is no digit (each checked as c >>> 0 <= 9: a byte below '0'
 * wraps high). parseFast and the repeat reader (repeat.ts) both read a clock here, so they cannot read it apart.
 */
export function clockMicros(b: Uint8Array, k: number): number {
  const m0 = b[k + 1] - 48;
  const m1 = b[k + 2] - 48;
  const s0 = b[k + 4] - 48;
  const s1 = b[k + 5] - 48;
  const u0 = b[k + 7] - 48;
  const u1 = b[k + 8] - 48;
  const u2 = b[k + 9] - 48;
  const u3 = b[k + 10] - 48;
  const u4 = b[k + 11] - 48;
  const u5 = b[k + 12] - 48;
  if (
    m0 >>> 0 <= 9 && m1 >>> 0 <= 9 && s0 >>> 0 <= 9 && s1 >>> 0 <= 9 && u0 >>> 0 <= 9 && u1 >>> 0 <= 9 &&
    u2 >>> 0 <= 9 && u3 >>> 0 <= 9 && u4 >>> 0 <= 9 && u5 >>> 0 <= 9
  ) {
    return ((m0 * 10 + m1) * 60 + (s0 * 10 + s1)) * 1e6 + (((u0 * 10 + u1) * 100 + (u2 * 10 + u3)) * 100 + (u4 * 10 + u5));
  }
  return -1;
}

/**
 * The -T duration ` <S.uuuuuu>` whose '>' is b[j], read at its fixed places, in ns; NaN when one of them is no digit.
 * parseFast and the repeat reader (repeat.ts) both read a duration here.
 */
export function durationNsAt(b: Uint8Array, j: number): number {
  const d = b[j - 8] - 48;
  const u0 = b[j - 6] - 48;
  const u1 = b[j - 5] - 48;
  const u2 = b[j - 4] - 48;
  const u3 = b[j - 3] - 48;
  const u4 = b[j - 2] - 48;
  const u5 = b[j - 1] - 48;
  if (d >>> 0 <= 9 && u0 >>> 0 <= 9 && u1 >>> 0 <= 9 && u2 >>> 0 <= 9 && u3 >>> 0 <= 9 && u4 >>> 0 <= 9 && u5 >>> 0 <= 9) {
    return ((((u0 * 10 + u1) * 100 + (u2 * 10 + u3)) * 100) + (u4 * 10 + u5)) * 1000 + d * 1e9;
  }
  return NaN;
}
