export { loadTrace, UsageError } from './load-trace.js';
export type { ReplayCommandOptions } from './replay-command.js';
export { replayCommand, replayFileOnFreshMachine } from './replay-command.js';
