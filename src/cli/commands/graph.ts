/**
 * `backflow graph [-type=mermaid]`: the configuration's resources and their dependencies, as DOT (default,
 * like `terraform graph`) or Mermaid. Config only: no state, no warehouse, no secret needed.
 */
import { UserError } from '../../errors';
import { renderDot, renderMermaid } from '../../graph/render-graph';
import { forEachWorkspace, type GlobalOptions } from '../workspace';

export async function graphCommand(flags: GlobalOptions & { type?: string }): Promise<number> {
  const type = flags.type ?? 'dot';
  if (type !== 'dot' && type !== 'mermaid')
    throw new UserError(`unknown graph -type "${type}"`, 'Use one of: dot, mermaid.');
  const each = { color: flags.color, headerTo: 'stderr' as const };
  return forEachWorkspace({ ...flags, readSecrets: false }, each, async (desired) => {
    const nodes = [...desired.resources.values()].map((r) => ({
      address: r.address,
      dependsOn: r.dependsOn,
    }));
    process.stdout.write((type === 'dot' ? renderDot(nodes) : renderMermaid(nodes)) + '\n');
    return 0;
  });
}
