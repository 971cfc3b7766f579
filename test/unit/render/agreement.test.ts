import { renderHuman } from '../../../src/render/human';
import { toJsonPlan } from '../../../src/render/json-plan';
import { renderMarkdown } from '../../../src/render/markdown';
import { kitchenSinkPlan } from './plan-builder';

// The human and Markdown views render from the JSON plan; this pins that they say the same things.
describe('the three views agree', () => {
  const plan = kitchenSinkPlan();
  const json = toJsonPlan(plan);
  const human = renderHuman(plan, { color: false });
  const md = renderMarkdown(plan);
  const changed = json.resource_changes.filter((rc) => rc.change.actions[0] !== 'no-op');

  it('on which resources change', () => {
    const humanAddresses = [...human.matchAll(/^ {2}# ([a-z_]+\.\S+) (?:will be|must be)/gm)].map(
      (m) => m[1],
    );
    const mdAddresses = [...md.matchAll(/<summary><code>(\S+)<\/code> (?:will be|must be)/g)].map(
      (m) => m[1],
    );
    expect(humanAddresses).toEqual(changed.map((rc) => rc.address));
    // The Markdown view lists by address, so a pull-request comment is stable (see markdown.ts).
    expect(mdAddresses).toEqual(changed.map((rc) => rc.address).sort());
  });

  it('on what drifted', () => {
    const drifted = json.resource_drift.map((rc) => rc.address);
    expect([...human.matchAll(/^ {2}# (\S+) has (?:changed|been deleted)/gm)].map((m) => m[1])).toEqual(
      drifted,
    );
    expect(
      [...md.matchAll(/<summary><code>(\S+)<\/code> has (?:changed|been deleted)/g)].map((m) => m[1]),
    ).toEqual([...drifted].sort());
  });

  it('on the counts', () => {
    const line = `Plan: ${json.summary.add} to add, ${json.summary.change} to change, ${json.summary.destroy} to destroy.`;
    expect(human.split('\n').at(-1)).toBe(line);
    expect(md).toContain(`**${line}**`);
    const tableTotal = [...md.matchAll(/^\| [^|]+ \| (\d+) \|/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(tableTotal).toBe(changed.length);
  });

  it('on the diagnostics', () => {
    for (const d of json.diagnostics) {
      expect(human).toContain(`Warning: ${d.summary}`);
      expect(md).toContain(`**Warning: ${d.summary}**`);
    }
  });
});
