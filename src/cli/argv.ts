/**
 * Terraform users type `-auto-approve`, `-out=plan.tfplan`, `-refresh=false`, `-target=model.x`. Commander
 * speaks GNU style, so single-dash long options are rewritten to their double-dash form first, and
 * `--refresh=false` becomes `--no-refresh`.
 */
const SHORT_FLAGS = new Set(['-c', '-h', '-V']);

export function normalizeArgv(args: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of args) {
    if (passthrough || arg === '--') {
      passthrough = true;
      out.push(arg);
      continue;
    }
    let a = arg;
    if (/^-[a-z][a-z-]+(=.*)?$/.test(a) && !SHORT_FLAGS.has(a.split('=')[0])) a = '-' + a;
    const refresh = /^--refresh=(true|false)$/.exec(a);
    if (refresh) {
      if (refresh[1] === 'false') out.push('--no-refresh');
      continue;
    }
    out.push(a);
  }
  return out;
}
