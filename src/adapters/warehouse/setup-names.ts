/**
 * Names printed into `backflow source setup-sql` are checked before any dialect prints them: an admin
 * pastes the script into a SQL console (and the gcloud lines into a shell), so a newline in a user or
 * database name would end a `--` comment or a quoted name and turn the rest of the line into a statement of
 * the pull request's choosing. Control characters (C0, DEL, C1, and the Unicode line and paragraph
 * separators) are refused in every setting and in the managed schema; each dialect still quotes every name.
 */
import { UserError } from '../../errors';
import type { ReadSchema, WarehouseSettings } from './warehouse';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether `text` holds a character that must never be printed into setup SQL (see above). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

function check(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (CONTROL.test(value)) {
      const at = value.search(CONTROL);
      throw new UserError(
        `${where} contains a control character (U+${value.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')} at position ${at}), so it cannot be printed into setup SQL`,
        'Names of users, roles, databases, schemas and hosts never contain line breaks or other control characters: fix the setting.',
      );
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => check(v, `${where}[${i}]`));
  }
}

export function assertPrintableNames(
  settings: WarehouseSettings,
  managedSchema: string,
  reads: readonly ReadSchema[] = [],
): void {
  for (const [key, value] of Object.entries(settings)) check(value, `settings.${key}`);
  check(managedSchema, 'managed_schema');
  for (const r of reads) {
    check(r.database?.text, 'a database the models read');
    check(r.schema?.text, 'a schema the models read');
  }
}
