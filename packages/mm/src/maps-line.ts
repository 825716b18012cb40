// One canonical /proc/PID/maps line (shared/conformance/FORMAT.md): the five
// fields `start-end perms offset dev inode` separated by single spaces, then one
// space and the name when there is one. Traces are read through this parser, so
// it refuses anything else instead of returning NaN fields.

/** The fields of a canonical maps line. */
export interface ParsedLine {
  start: number;
  end: number;
  perms: string;
  offset: number;
  dev: string;
  ino: number;
  name: string;
}

// Lower-case hex addresses and offset, perms [r-][w-][x-][sp], dev MM:mm in hex,
// inode decimal, and an optional name (which may contain spaces).
const LINE =
  /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][sp]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: (.+))?$/;

/**
 * Parse a canonical maps line. TypeError for a non-string, RangeError for a line
 * that is not canonical. Addresses past 2^53 (`[vsyscall]`) come back rounded.
 */
export function parseMapsLine(line: string): ParsedLine {
  if (typeof line !== 'string') {
    throw new TypeError(`a maps line must be a string, got ${typeof line}`);
  }
  const m = LINE.exec(line);
  if (m === null) throw new RangeError(`not a canonical maps line: ${JSON.stringify(line)}`);
  return {
    start: Number.parseInt(m[1], 16),
    end: Number.parseInt(m[2], 16),
    perms: m[3],
    offset: Number.parseInt(m[4], 16),
    dev: m[5],
    ino: Number(m[6]),
    name: m[7] ?? '',
  };
}
