// Generated strace logs for the benchmarks, shaped as `strace -f -tt -T -y` prints them (see
// test/fixtures/strace/cp.strace): a copy in 128 KiB calls as cp does it with read/write, the same with 1 MiB calls,
// and the copy mixed with random 4 KiB pread64s of an index file. Written in 1 MiB pieces; nothing random but a
// seeded generator, so that every run of the bench replays the same log.

import { closeSync, openSync, writeSync } from 'node:fs';

const PID = 4242;
/** The first bytes of libc as strace shows the loader's read of it. */
const DATA = '"\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\20t\\2\\0\\0\\0\\0\\0"...';

/**
 * What strace shows of a buffer of file data: its first 32 bytes, quoted and escaped as strace quotes them (printable
 * ASCII as is, `"` and `\\` escaped, \\t \\n \\v \\f \\r by name, any other byte in octal, three digits when an octal
 * digit follows), then `...`. The bytes come from a seeded generator, different for every block as a real file's are:
 * a log whose every call shows the same bytes would let a reader compare lines instead of parsing them.
 */
function dataShown(rand) {
  const named = { 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
  const bytes = [];
  for (let i = 0; i < 32; i++) {
    // Half the bytes printable, as in most files that are not text: sizes, offsets and zeros between strings.
    const r = rand();
    bytes.push(r < 0.5 ? 0x20 + Math.floor(rand() * 95) : r < 0.7 ? 0 : Math.floor(rand() * 256));
  }
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else if (named[c]) out += `\\${named[c]}`;
    else {
      const next = bytes[i + 1];
      const octalFollows = next !== undefined && next >= 0x30 && next <= 0x37;
      out += `\\${octalFollows ? c.toString(8).padStart(3, '0') : c.toString(8)}`;
    }
  }
  return `${out}"...`;
}

/** A seeded xorshift32 generator of numbers in [0, 1): the same log at every run of the bench. */
function seeded(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A writer of log lines with strace's pid and -tt timestamp prefix; time moves on by each call's duration. */
function logWriter(path) {
  const fd = openSync(path, 'w');
  let buf = '';
  let lines = 0;
  let us = 36_000_000_000; // 10:00:00 in µs of the day
  const ts = () => {
    const s = Math.floor(us / 1e6);
    const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
    const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return `${hh}:${mm}:${ss}.${String(us % 1e6).padStart(6, '0')}`;
  };
  return {
    get lines() {
      return lines;
    },
    /** One call: `text` then ` = result <duration>`; `durUs` is the -T duration in µs. */
    call(text, result, durUs) {
      buf += `${PID}  ${ts()} ${text} = ${result} <0.${String(durUs).padStart(6, '0')}>\n`;
      us += durUs + 3 + (lines % 7);
      lines++;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    },
    raw(text) {
      buf += `${PID}  ${ts()} ${text}\n`;
      lines++;
    },
    close() {
      writeSync(fd, buf);
      closeSync(fd);
    },
  };
}

/** What a dynamically linked cp does before it copies: the loader, libc, the locale, the two files. */
function prologue(w, src, dst, size) {
  w.call(`execve("/usr/bin/cp", ["cp", "${src}", "${dst}"], 0x7ffd1c3e2f58 /* 24 vars */)`, 0, 231);
  w.call('brk(NULL)', '0x55a400afe000', 3);
  w.call('access("/etc/ld.so.preload", R_OK)', '-1 ENOENT (No such file or directory)', 8);
  w.call('openat(AT_FDCWD</home/user>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC)', '3</etc/ld.so.cache>', 9);
  w.call('newfstatat(3</etc/ld.so.cache>, "", {st_mode=S_IFREG|0644, st_size=39571, ...}, AT_EMPTY_PATH)', 0, 5);
  w.call('mmap(NULL, 39571, PROT_READ, MAP_PRIVATE, 3</etc/ld.so.cache>, 0)', '0x7f1946bbb000', 13);
  w.call('close(3</etc/ld.so.cache>)', 0, 7);
  w.call('openat(AT_FDCWD</home/user>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC)', '3</usr/lib/x86_64-linux-gnu/libc.so.6>', 10);
  w.call(`read(3</usr/lib/x86_64-linux-gnu/libc.so.6>, ${DATA}, 832)`, 832, 8);
  w.call('newfstatat(3</usr/lib/x86_64-linux-gnu/libc.so.6>, "", {st_mode=S_IFREG|0755, st_size=1926232, ...}, AT_EMPTY_PATH)', 0, 7);
  w.call('mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0)', '0x7f19469d9000', 9);
  w.call('close(3</usr/lib/x86_64-linux-gnu/libc.so.6>)', 0, 7);
  w.call('arch_prctl(ARCH_SET_FS, 0x7f19469d6740)', 0, 7);
  w.call('set_tid_address(0x7f19469d6a10)', PID, 6);
  w.call('geteuid()', 0, 7);
  w.call(`newfstatat(AT_FDCWD</home/user>, "${src}", {st_mode=S_IFREG|0644, st_size=${size}, ...}, 0)`, 0, 14);
  w.call(`openat(AT_FDCWD</home/user>, "${src}", O_RDONLY)`, `3<${src}>`, 9);
  w.call(`newfstatat(3<${src}>, "", {st_mode=S_IFREG|0644, st_size=${size}, ...}, AT_EMPTY_PATH)`, 0, 7);
  w.call(`openat(AT_FDCWD</home/user>, "${dst}", O_WRONLY|O_CREAT|O_EXCL, 0644)`, `4<${dst}>`, 81);
  w.call(`newfstatat(4<${dst}>, "", {st_mode=S_IFREG|0644, st_size=0, ...}, AT_EMPTY_PATH)`, 0, 7);
  w.call(`fadvise64(3<${src}>, 0, 0, POSIX_FADV_SEQUENTIAL)`, 0, 8);
}

function epilogue(w, src, dst, chunk) {
  w.call(`read(3<${src}>, "", ${chunk})`, 0, 6);
  w.call(`close(4<${dst}>)`, 0, 11);
  w.call(`close(3<${src}>)`, 0, 9);
  w.call('lseek(0</dev/null>, 0, SEEK_CUR)', 0, 8);
  w.call('close(0</dev/null>)', 0, 7);
  w.raw('exit_group(0)                     = ?');
  w.raw('+++ exited with 0 +++');
}

/**
 * cp of a file in `chunk`-byte read/write pairs, `lines` lines in all: the file is as large as the log makes it
 * (a million lines of 128 KiB calls move 64 GiB through the page cache).
 */
export function generateCopy(path, lines, chunk = 128 * 1024) {
  const w = logWriter(path);
  const src = '/data/src.bin';
  const dst = '/data/dst.bin';
  const pairs = Math.max(1, Math.floor((lines - 28) / 2));
  prologue(w, src, dst, pairs * chunk);
  // The -T durations of a copy: a read or write of a cached page costs a few µs per 4 KiB.
  const dur = Math.max(6, Math.round(chunk / 6500));
  const rand = seeded(0x2545f491);
  for (let i = 0; i < pairs; i++) {
    // cp writes the bytes it has just read: both calls show the same block.
    const data = dataShown(rand);
    w.call(`read(3<${src}>, ${data}, ${chunk})`, chunk, dur + (i % 5));
    w.call(`write(4<${dst}>, ${data}, ${chunk})`, chunk, dur - 3 + (i % 3));
  }
  epilogue(w, src, dst, chunk);
  w.close();
  return { lines: w.lines, bytes: pairs * chunk };
}

/**
 * The 128 KiB copy with two random 4 KiB pread64s of a 64 GiB index file after each pair (a lookup per block copied):
 * half the calls hit random pages, which fragment the page cache into single-page folios.
 */
export function generateMixed(path, lines) {
  const w = logWriter(path);
  const src = '/data/src.bin';
  const dst = '/data/dst.bin';
  const idx = '/data/index.db';
  const chunk = 128 * 1024;
  const idxPages = 16 * 1024 * 1024;
  const rounds = Math.max(1, Math.floor((lines - 32) / 4));
  prologue(w, src, dst, rounds * chunk);
  w.call(`openat(AT_FDCWD</home/user>, "${idx}", O_RDONLY)`, `5<${idx}>`, 9);
  w.call(`newfstatat(5<${idx}>, "", {st_mode=S_IFREG|0644, st_size=${idxPages * 4096}, ...}, AT_EMPTY_PATH)`, 0, 7);
  const rand = seeded(0x9e3779b9);
  const shown = seeded(0x2545f491);
  for (let i = 0; i < rounds; i++) {
    const data = dataShown(shown);
    w.call(`read(3<${src}>, ${data}, ${chunk})`, chunk, 21 + (i % 5));
    w.call(`write(4<${dst}>, ${data}, ${chunk})`, chunk, 18 + (i % 3));
    for (let k = 0; k < 2; k++) {
      // Lookups favour a hot tenth of the index, as real ones do: some hit, most miss.
      const page = rand() < 0.5 ? Math.floor(rand() * idxPages / 10) : Math.floor(rand() * idxPages);
      w.call(`pread64(5<${idx}>, ${dataShown(shown)}, 4096, ${page * 4096})`, 4096, 9 + (i % 4));
    }
  }
  w.call(`close(5<${idx}>)`, 0, 7);
  epilogue(w, src, dst, chunk);
  w.close();
  return { lines: w.lines, bytes: rounds * chunk };
}
