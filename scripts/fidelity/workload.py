"""The workloads of issue 12's table, each on one file (the first argument after the workload's name).

Run under `iosim record --cold FILE -- python3 -S -I workload.py NAME FILE`. Only os calls, so that the log shows
exactly the reads and fadvise calls; the random offsets come from a fixed linear congruential generator (no import).
"""
import os
import sys

K32 = 32 * 1024


def main(name, path):
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    if name == 'read32k':
        os.read(fd, K32)
    elif name == 'read32k-x2':
        os.read(fd, K32)
        os.read(fd, K32)
    elif name == 'random-4k-x1000':
        pages = size // 4096
        x = 12345
        for _ in range(1000):
            x = (x * 1103515245 + 12345) % 2147483648
            os.pread(fd, 4096, (x % pages) * 4096)
    elif name == 'fadv-random-read32k-x3':
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        for _ in range(3):
            os.read(fd, K32)
    elif name == 'fadv-willneed':
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    elif name == 'fadv-sequential-1m':
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        for _ in range(32):
            os.read(fd, K32)
    elif name == 'read-1m':
        for _ in range(32):
            os.read(fd, K32)
    else:
        sys.exit('unknown workload ' + name)
    os.close(fd)


main(sys.argv[1], sys.argv[2])
