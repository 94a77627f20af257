// flock(2) through bun:ffi: an exclusive, non-blocking lock on an open file that the kernel drops
// when the process dies, however it dies. Why not SQLite's locking (BEGIN EXCLUSIVE) or
// fcntl(F_SETLK): those are POSIX record locks, owned by the process and dropped when it closes
// *any* descriptor of the file, and in testing a bun:sqlite connection's exclusive lock vanished
// right after it was taken in about one start in ten. flock locks belong to the open file
// description we hold, so nothing else in the process can release them by accident.

import { dlopen, FFIType, read, type Pointer } from "bun:ffi";

const lockExclusive = 2;
const lockNonBlocking = 4;
const lockUnlock = 8;
/** EWOULDBLOCK on Linux (EAGAIN) and on macOS (35). */
const wouldBlockErrnos = new Set([11, 35]);

interface Libc {
  flock(fd: number, operation: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc !== undefined) return libc;
  const problems: string[] = [];
  for (const [path, errnoSymbol] of [
    ["libc.so.6", "__errno_location"],
    ["libc.so", "__errno_location"],
    ["libc.musl-x86_64.so.1", "__errno_location"],
    ["libSystem.B.dylib", "__error"],
  ] as const) {
    try {
      const lib = dlopen(path, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoOf = lib.symbols[errnoSymbol] as () => Pointer | null;
      libc = {
        flock: (fd, operation) => lib.symbols.flock(fd, operation) as number,
        errno: () => {
          const at = errnoOf();
          return at === null ? -1 : read.i32(at, 0);
        },
      };
      return libc;
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  throw new Error(`flock is not available: ${problems.join("; ")}`);
}

/** Takes the exclusive lock on `fd` if no one holds it; false if someone does. */
export function tryLockExclusive(fd: number): boolean {
  const c = loadLibc();
  if (c.flock(fd, lockExclusive | lockNonBlocking) === 0) return true;
  const errno = c.errno();
  if (wouldBlockErrnos.has(errno)) return false;
  throw new Error(`flock(${fd}, LOCK_EX|LOCK_NB) failed with errno ${errno}`);
}

export function unlock(fd: number): void {
  if (loadLibc().flock(fd, lockUnlock) !== 0) throw new Error(`flock(${fd}, LOCK_UN) failed with errno ${loadLibc().errno()}`);
}
