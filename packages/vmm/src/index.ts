export type { ElfImage, ElfProgramHeader } from './elf.js';
export { ElfFormatError, ET, PF, PT, parseElf } from './elf.js';
export type { ExecFile, ExecOptions, ExecResult } from './exec.js';
export { AT, ExecError, execElf } from './exec.js';
export { execCommand, execOnFreshMachine, formatDev, openExecFile } from './exec-command.js';
export { loadTrace, UsageError } from './load-trace.js';
export type { ReplayCommandOptions } from './replay-command.js';
export { replayCommand, replayFileOnFreshMachine } from './replay-command.js';
