import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseVmtrace, type Vmtrace, VmtraceFormatError } from '@vmem/mm';

/** A user mistake the CLI reports in one line (no stack trace), exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Read a vmtrace/1 file, plain or gzip-compressed (detected by its magic bytes). */
export function loadTrace(path: string): Vmtrace {
  // readFileSync would take a number as a file descriptor (and block on a pipe).
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let text: string;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    try {
      text = gunzipSync(data).toString('utf8');
    } catch (error) {
      throw new UsageError(`${path}: not a valid gzip file (${(error as Error).message})`);
    }
  } else {
    text = data.toString('utf8');
  }
  try {
    return parseVmtrace(text);
  } catch (error) {
    if (error instanceof VmtraceFormatError)
      throw new UsageError(`${path}: not a vmtrace/1 trace: ${error.message}`);
    throw error;
  }
}
