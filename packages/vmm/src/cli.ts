#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UsageError } from './load-trace.js';
import { replayCommand } from './replay-command.js';

const program = new Command()
  .name('vmm')
  .description(
    'A Linux-exact virtual-memory simulator: replay kernel traces, inspect address spaces.',
  )
  .exitOverride();

program
  .command('replay')
  .description('Replay vmtrace/1 files (.jsonl or .jsonl.gz) and compare every op with the kernel.')
  .argument('<files...>', 'trace files')
  .option('--json', 'one JSON object per trace on stdout')
  .option('--show <n>', 'mismatches to explain per trace', (v) => Number.parseInt(v, 10), 3)
  .action((files: string[], opts: { json?: boolean; show: number }) => {
    process.exitCode = replayCommand(files, { json: opts.json, show: opts.show });
  });

try {
  program.parse();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageError) {
    process.stderr.write(`vmm: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
