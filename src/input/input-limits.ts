/**
 * How much input Backflow accepts from files and stored state. Generous for real workspaces (20,000
 * resources make a config of a few MB and a state of a few tens of MB), small enough that a hostile or
 * broken input (a FIFO, `/dev/zero`, a million nested brackets) stops at once with a clear error instead of
 * hanging or exhausting memory.
 */
const MiB = 1024 * 1024;

/** A secret file: a password, token, private key or service-account JSON. */
export const MAX_SECRET_FILE_BYTES = 1 * MiB;
/** One config file (`backflow.json`, `*.backflow.json`, `cdktf.json`, a synthesized stack). */
export const MAX_CONFIG_FILE_BYTES = 64 * MiB;
/** A state (local file, its backup, its journal, or a pg row) and a saved plan. */
export const MAX_STATE_BYTES = 256 * MiB;
export const MAX_PLAN_FILE_BYTES = 256 * MiB;

/** A dbt manifest.json named by `manifest_file` (big projects write a few hundred MB; V8 strings stop at 512 MiB). */
export const MAX_DBT_MANIFEST_BYTES = 512 * MiB;
/** dbt manifests nest user `meta` values, so they get more room than config. */
export const MAX_DBT_MANIFEST_DEPTH = 512;

/** Config nesting: real configs are under 10 levels deep. */
export const MAX_CONFIG_DEPTH = 64;
/** State and plan files wrap config values in a few more levels. */
export const MAX_STATE_DEPTH = 96;
export const MAX_PLAN_DEPTH = 96;

/** `16 MiB`, `512 KiB`: how limits are shown in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
