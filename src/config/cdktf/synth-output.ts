/**
 * A synth output folder (`cdktf.out`): `manifest.json` lists the stacks and where each one's
 * `stacks/<name>/cdk.tf.json` is. Without a manifest (hand-written or copied output read with --synth-dir)
 * every `stacks/<name>/cdk.tf.json` is a stack.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors';
import { MAX_CONFIG_FILE_BYTES } from '../../input/input-limits';
import { readBoundedFileIfExists } from '../../input/read-bounded-file';
import { suggestion } from '../did-you-mean';

export const MANIFEST = 'manifest.json';
export const STACK_FILE = 'cdk.tf.json';

export interface StackRef {
  name: string;
  /** Absolute path of the stack's cdk.tf.json. */
  path: string;
}

/** A stack name becomes a state folder (`.backflow/<stack>/`): no separators, no dot-only names. */
const STACK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export async function listStacks(outdir: string, opts: { requireManifest: boolean }): Promise<StackRef[]> {
  const info = await stat(outdir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new UserError(
      `Synth output folder ${outdir} does not exist`,
      'Pass the folder `cdktf synth` wrote (cdktf.out by default).',
    );
  }
  const manifestPath = join(outdir, MANIFEST);
  const text = readBoundedFileIfExists(manifestPath, {
    what: 'cdktf manifest',
    maxBytes: MAX_CONFIG_FILE_BYTES,
    fix: `Run \`cdktf synth\` again, or pass the folder it wrote.`,
  })?.toString('utf8');
  let stacks: StackRef[];
  if (text !== undefined) stacks = fromManifest(text, manifestPath, outdir);
  else if (opts.requireManifest)
    throw new UserError(
      `The cdktf app finished but wrote no ${MANIFEST} to ${outdir}`,
      'Does the app call app.synth()? It must not set App({ outdir }): Backflow passes the folder in CDKTF_OUTDIR.',
    );
  else stacks = await scanStacks(outdir);
  if (stacks.length === 0)
    throw new UserError(
      `The cdktf app synthesized no stacks (${outdir})`,
      'Create at least one TerraformStack holding Backflow constructs.',
    );
  for (const s of stacks) {
    if (!STACK_NAME.test(s.name))
      throw new UserError(
        `Stack name ${JSON.stringify(s.name)} cannot name a state folder`,
        'Use letters, digits, "_", "-" and "." in stack ids.',
      );
  }
  return stacks;
}

function fromManifest(text: string, manifestPath: string, outdir: string): StackRef[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new UserError(`${manifestPath} is not valid JSON`);
  }
  const stacks = (manifest as { stacks?: unknown } | null)?.stacks;
  if (typeof stacks !== 'object' || stacks === null || Array.isArray(stacks))
    throw new UserError(`${manifestPath} has no "stacks" object: is it a cdktf manifest?`);
  return Object.entries(stacks as Record<string, unknown>).map(([key, entry]) => {
    const e = (entry ?? {}) as { name?: unknown; synthesizedStackPath?: unknown };
    const name = typeof e.name === 'string' ? e.name : key;
    const rel =
      typeof e.synthesizedStackPath === 'string' ? e.synthesizedStackPath : join('stacks', name, STACK_FILE);
    if (!rel.endsWith('.json'))
      throw new UserError(
        `Stack ${name} was synthesized as HCL (${rel})`,
        'Backflow reads cdk.tf.json: do not set hclOutput or SYNTH_HCL_OUTPUT=true.',
      );
    return { name, path: resolve(outdir, rel) };
  });
}

async function scanStacks(outdir: string): Promise<StackRef[]> {
  const folder = join(outdir, 'stacks');
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const out: StackRef[] = [];
  for (const e of entries.filter((d) => d.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(folder, e.name, STACK_FILE);
    if (await stat(path).catch(() => undefined)) out.push({ name: e.name, path });
  }
  return out;
}

/** The stacks to plan: all of them, or the one `--stack` names (an unknown name lists the stacks). */
export function selectStacks(stacks: StackRef[], wanted: string | undefined): StackRef[] {
  if (wanted === undefined) return stacks;
  const found = stacks.find((s) => s.name === wanted);
  if (found !== undefined) return [found];
  const names = stacks.map((s) => s.name);
  throw new UserError(
    `No stack "${wanted}" in the cdktf app${suggestion(wanted, names)}`,
    `Stacks: ${names.join(', ')}.`,
  );
}
