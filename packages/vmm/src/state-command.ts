import { readFileSync } from 'node:fs';
import { UsageError } from './load-trace.js';
import { checkState, dumpAreas, dumpPageTable, type SavedState } from './saved-state.js';

function loadState(path: string): SavedState {
  // readFileSync would take a number as a file descriptor (and block on a pipe).
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  try {
    return checkState(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${path}: not a vmm saved state (${(error as Error).message})`);
  }
}

/** `vmm pagetable STATE` and `vmm maps STATE`. */
export function stateCommand(
  what: 'pagetable' | 'maps',
  path: string,
  options: { json?: boolean; write?: (line: string) => void } = {},
): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (what !== 'pagetable' && what !== 'maps') {
    throw new RangeError(`what must be 'pagetable' or 'maps', got ${String(what)}`);
  }
  const state = loadState(path);
  if (what === 'maps') {
    if (options.json) write(JSON.stringify(state.vmas));
    else for (const line of dumpAreas(state)) write(line);
  } else if (options.json) {
    write(JSON.stringify(state.pageTable));
  } else {
    for (const line of dumpPageTable(state)) write(line);
  }
  return 0;
}
