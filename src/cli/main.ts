/**
 * The process entry point: the only place that decides exit codes and exits.
 * 0 success, 1 error, 2 changes present (plan --detailed-exitcode).
 */
import { CommanderError } from 'commander';
import { normalizeArgv } from './argv';
import { printError, useColor } from './output';
import { buildProgram } from './program';

export function main(argv: string[]): void {
  const color = useColor(argv.includes('--no-color') || argv.includes('-no-color'), process.stderr);
  let pending: Promise<number> | undefined;
  const program = buildProgram((code) => {
    pending = code;
  });
  try {
    program.parse(normalizeArgv(argv.slice(2)), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
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

/** Exits once stdout and stderr have flushed, so piped output is never cut short. */
function exit(code: number): void {
  let waiting = 2;
  const done = (): void => {
    if (--waiting === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
