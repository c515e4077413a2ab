/**
 * The sizes and times the model accepts, each taken from Linux where Linux has one. Past them a program asks for
 * what Linux would refuse, or for what the model cannot count exactly (its numbers are doubles: integers are exact
 * up to 2^53). README "Limits" lists them with their sources.
 */

/**
 * The most one read, write, pread64, pwrite64, sendfile, splice or copy_file_range moves: MAX_RW_COUNT =
 * INT_MAX & PAGE_MASK (include/linux/fs.h), to which rw_verify_area's callers clamp the count (fs/read_write.c).
 * A call never returns more.
 */
export const MAX_RW_COUNT = 0x7ffff000;

/**
 * The largest file: ext4's s_maxbytes with 4 KiB blocks and extents, (2^32 − 1) blocks (fs/ext4/super.c,
 * ext4_max_size), 16 TiB less 4 KiB. Past it, writes fail with EFBIG and lseek with EINVAL (generic_write_checks,
 * generic_file_llseek_size), reads return 0 (filemap_read); a scenario's `file` may not declare a larger one.
 */
export const MAX_FILE_SIZE = (2 ** 32 - 1) * 4096;

/**
 * The largest file offset any Linux file system accepts: MAX_LFS_FILESIZE, loff_t's largest value (2^63 − 1) on
 * 64-bit (include/linux/fs.h). A log that shows one past it is not a log of Linux. As a double it reads 2^63.
 */
export const MAX_LFS_FILESIZE = 2 ** 63;

/**
 * The user address space of x86-64 with 4-level page tables: TASK_SIZE = 2^47 − 4096
 * (arch/x86/include/asm/page_64_types.h). An alloc or mmap larger than that fails with ENOMEM.
 */
export const TASK_SIZE = 2 ** 47 - 4096;

/**
 * The simulated clock counts nanoseconds in a double: exact up to 2^53 ns (Number.MAX_SAFE_INTEGER, about 104 days).
 * A run whose clock would pass it stops with LimitError rather than round its times (a read of 100 ns added to
 * 2^60 ns takes 0 ns).
 */
export const MAX_CLOCK_NS = Number.MAX_SAFE_INTEGER;

/**
 * A program asked the model for something past one of these limits while it ran (a value computed from variables, a
 * clock past MAX_CLOCK_NS): the run stops there with this message, at the operation's line when it is known.
 */
export class LimitError extends Error {
  constructor(message: string, readonly line = 0, readonly col = 0) {
    super(message);
  }
}
