/**
 * `backflow fmt [-check] [-diff]`: rewrites the folder's JSON config files (`backflow.json`,
 * `*.backflow.json`) in the canonical layout and lists the ones it changed, as `terraform fmt` does. With
 * `-check` nothing is written and the exit code is 3 when a file needs formatting (Terraform's code), so CI
 * can fail on it. TypeScript apps are formatted by their own tools (prettier).
 */
import { readConfigText } from '../../config/load';
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { findConfigFiles } from '../../config/find-files';
import { formatJsonConfig } from '../../config/format-json';
import { UserError } from '../../errors';
import { createTwoFilesPatch } from 'diff';

export interface FmtFlags {
  config?: string;
  check?: boolean;
  diff?: boolean;
}

export async function fmtCommand(flags: FmtFlags): Promise<number> {
  const dir = resolve(flags.config ?? '.');
  const unparsable: string[] = [];
  let changed = 0;
  for (const file of await findConfigFiles(dir)) {
    const name = relative(process.cwd(), file) || file;
    const text = readConfigText(file, name);
    const formatted = formatJsonConfig(text);
    if (formatted === undefined) {
      unparsable.push(name);
      continue;
    }
    if (formatted === text) continue;
    changed++;
    process.stdout.write(`${name}\n`);
    if (flags.diff)
      process.stdout.write(createTwoFilesPatch(name, name, text, formatted, '', '', { context: 3 }));
    if (!flags.check) writeFileSync(file, formatted);
  }
  if (unparsable.length > 0)
    throw new UserError(
      `Not valid JSON, so not formatted: ${unparsable.join(', ')}`,
      'Run `backflow validate` to see where.',
    );
  return flags.check && changed > 0 ? 3 : 0;
}
