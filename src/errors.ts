/**
 * Typed errors. Anything thrown as a `UserError` is printed by the CLI as a clear message with exit code 1
 * and no stack trace; anything else is a bug and is printed with its stack.
 */
import type { Diagnostic } from './diagnostics';

export class UserError extends Error {
  /** Extra lines printed under the message: what to do next. */
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
  }
}

/** Several problems found at once (config validation, plan rules), each a diagnostic. */
export class DiagnosticsError extends UserError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], message = 'Invalid configuration') {
    super(message);
    this.name = 'DiagnosticsError';
    this.diagnostics = diagnostics;
  }
}

export class StateLockedError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'StateLockedError';
  }
}
