// Typed results for expected failures. Success is one frozen singleton and
// each failure kind is a frozen singleton too, so no path allocates a result.

/** Success. */
export interface Ok {
  readonly ok: true;
}

/** An expected failure, named by a POSIX-style errno ('ENOMEM', 'EEXIST', ...). */
export interface Failure {
  readonly ok: false;
  readonly errno: string;
}

/** What backend calls and set operations answer. */
export type Result = Ok | Failure;

/** The success singleton. */
export const OK: Ok = Object.freeze({ ok: true });

const failures = new Map<string, Failure>();

/** The frozen failure singleton for `errno` (e.g. `failure('ENOMEM')`). */
export function failure(errno: string): Failure {
  if (typeof errno !== 'string' || errno.length === 0) {
    throw new TypeError(`errno must be a non-empty string, got ${String(errno)}`);
  }
  let f = failures.get(errno);
  if (f === undefined) {
    f = Object.freeze({ ok: false, errno });
    failures.set(errno, f);
  }
  return f;
}
