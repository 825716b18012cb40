#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { demoCommand } from './demo-command.js';
import { ExecError } from './exec.js';
import { execCommand } from './exec-command.js';
import { UsageError } from './load-trace.js';
import { replayCommand } from './replay-command.js';
import { stateCommand } from './state-command.js';

const program = new Command()
  .name('vmm')
  .description(
    'A Linux-exact virtual-memory simulator: replay kernel traces, inspect address spaces.',
  )
  .exitOverride();

program
  .command('demo')
  .description(
    'Replay a bundled trace of a real program (python3) and show the address space it built.',
  )
  .option('--trace <file>', 'replay this vmtrace instead of the bundled one')
  .option('--json', 'the figures as JSON')
  .action((opts: { trace?: string; json?: boolean }) => {
    process.exitCode = demoCommand({ trace: opts.trace, json: opts.json });
  });

program
  .command('replay')
  .description('Replay vmtrace/1 files (.jsonl or .jsonl.gz) and compare every op with the kernel.')
  .argument('<files...>', 'trace files')
  .option('--json', 'one JSON object per trace on stdout')
  .option('--verbose', 'print every operation and its maps delta')
  .option('--save <state>', 'write the final address space (VMAs, raw page-table frames) to a file')
  .option('--show <n>', 'mismatches to explain per trace', (v) => Number.parseInt(v, 10), 3)
  .action(
    (files: string[], opts: { json?: boolean; verbose?: boolean; save?: string; show: number }) => {
      process.exitCode = replayCommand(files, {
        json: opts.json,
        verbose: opts.verbose,
        save: opts.save,
        show: opts.show,
        progress: process.stderr.isTTY === true && !opts.json && !opts.verbose,
      });
    },
  );

program
  .command('pagetable')
  .description(
    'Dump the page-table tree of a saved state (vmm replay --save), read from its raw entries.',
  )
  .argument('<state>', 'a file written by vmm replay --save')
  .option('--json', 'the raw saved page-table frames')
  .action((state: string, opts: { json?: boolean }) => {
    process.exitCode = stateCommand('pagetable', state, { json: opts.json });
  });

program
  .command('maps')
  .description(
    'The area list of a saved state: maps lines with pgoff, anon_vma and the VM_* flags.',
  )
  .argument('<state>', 'a file written by vmm replay --save')
  .option('--json', 'the areas as JSON')
  .action((state: string, opts: { json?: boolean }) => {
    process.exitCode = stateCommand('maps', state, { json: opts.json });
  });

program
  .command('exec')
  .description(
    'Load an x86_64 ELF executable into a fresh address space as Linux does (no randomization) and print its maps.',
  )
  .argument('<elf>', 'the executable')
  .argument('[args...]', 'its arguments (argv[1]...)')
  .option('--json', 'maps, entry point, stack pointer and auxiliary vector as JSON')
  .action((elf: string, args: string[], opts: { json?: boolean }) => {
    process.exitCode = execCommand(elf, args, { json: opts.json });
  });

try {
  program.parse();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageError || error instanceof ExecError) {
    process.stderr.write(`vmm: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
