/**
 * The process entry point: the only place that decides exit codes and exits.
 * 0 success, 1 error, 2 changes present (plan --detailed-exitcode).
 */
import type { CommanderError } from 'commander';
import { UserError } from '../errors';
import { normalizeArgv } from './argv';
import { printError, useColor } from './output';
import { watchBrokenPipes } from './signals';

export function main(argv: string[]): void {
  const color = useColor(argv.includes('--no-color') || argv.includes('-no-color'), process.stderr);
  watchBrokenPipes();
  let args = normalizeArgv(argv.slice(2));
  // Terraform's global `-chdir=DIR`, before the command: run as if started in DIR.
  const chdir = /^--chdir(?:=(.*))?$/.exec(args[0] ?? '');
  if (chdir) {
    const dir = chdir[1] ?? args[1];
    args = args.slice(chdir[1] === undefined ? 2 : 1);
    try {
      if (dir === undefined || dir === '') throw new Error('no folder given');
      process.chdir(dir);
    } catch (err) {
      printError(
        new UserError(
          `Cannot run in the -chdir folder: chdir ${dir ?? ''}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
          'Write -chdir=DIR before the command, with DIR an existing folder.',
        ),
        color,
      );
      exit(1);
      return;
    }
  }
  // `backflow --version [--json]` prints what `backflow version` prints, as Terraform's does.
  if (['--version', '-V', '-v'].includes(args[0] ?? '')) args = ['version', ...args.slice(1)];
  // `version` needs no command parser: answering it without loading commander keeps it as cheap as
  // starting Node (see bench/startup.js).
  if (args[0] === 'version' && args.slice(1).every((a) => a === '--json')) {
    const { versionCommand } = require('./commands/version') as typeof import('./commands/version');
    void versionCommand({ json: args.length > 1 }).then(exit);
    return;
  }
  let pending: Promise<number> | undefined;
  const { buildProgram } = require('./program') as typeof import('./program');
  const program = buildProgram((code) => {
    pending = code;
  });
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    if (isCommanderError(err)) {
      // commander has printed its message on stderr; machines asked for JSON still get one document.
      if (err.exitCode !== 0) printParseErrorJson(args, err);
      exit(err.exitCode === 0 ? 0 : 1);
      return;
    }
    printError(err, color);
    exit(1);
    return;
  }
  if (!pending) {
    program.outputHelp();
    exit(1);
    return;
  }
  pending.then(exit, (err: unknown) => {
    printError(err, color);
    exit(1);
  });
}

function isCommanderError(err: unknown): err is CommanderError {
  const { CommanderError: Class } = require('commander') as typeof import('commander');
  return err instanceof Class;
}

/** With `--json` (or `--format json`), a flag or argument error as the command's JSON failure document. */
function printParseErrorJson(args: string[], err: CommanderError): void {
  const json =
    args.includes('--json') ||
    args.includes('--format=json') ||
    args.some((a, i) => a === '--format' && args[i + 1] === 'json');
  if (!json) return;
  const { parseErrorDocument } = require('./parse-error-json') as typeof import('./parse-error-json');
  process.stdout.write(JSON.stringify(parseErrorDocument(args, err.message)) + '\n');
}

/** Exits once stdout and stderr have flushed, so piped output is never cut short. */
function exit(code: number): void {
  let waiting = 2;
  const done = (): void => {
    if (--waiting === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
