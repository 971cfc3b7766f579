/**
 * `BACKFLOW_IN_AUTOMATION` (Terraform's `TF_IN_AUTOMATION`): set to any non-empty value in CI, it drops the
 * hints that tell a person at a terminal which command to type next, since in a pipeline nobody types them.
 * Results, errors and their fixes are never dropped.
 */
export function inAutomation(): boolean {
  const v = process.env.BACKFLOW_IN_AUTOMATION;
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** Writes a next-step hint to stdout unless running in automation. */
export function hint(text: string): void {
  if (!inAutomation()) process.stdout.write(text);
}
