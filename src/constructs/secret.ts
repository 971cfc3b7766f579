/**
 * Secret references: config never holds a secret's value, only where Backflow reads it at plan and apply.
 */
import type { SecretReference } from './props';

export class Secret {
  /** The value of environment variable `name` when Backflow runs (not when the app synthesizes). */
  static env(name: string): SecretReference {
    return { env: name };
  }

  /** The contents of a file; relative paths are relative to the cdktf project folder, `~` is the home folder. */
  static file(path: string): SecretReference {
    return { file: path };
  }
}
