import { renderHuman } from '../../../src/render/human';
import { renderJson } from '../../../src/render/json-plan';
import { renderMarkdown } from '../../../src/render/markdown';
import { PlanBuilder, secret } from './plan-builder';

/** Every view of a plan, colour and not. */
function allOutputs(plan: ReturnType<PlanBuilder['build']>): string[] {
  return [
    renderJson(plan),
    renderHuman(plan, { color: false }),
    renderHuman(plan, { color: true }),
    renderMarkdown(plan),
  ];
}

describe('secrets in every view', () => {
  const FP_OLD = 'hmac-sha256:0123456789abcdef0123456789abcdef';
  const FP_NEW = 'hmac-sha256:fedcba9876543210fedcba9876543210';
  const plan = new PlanBuilder()
    .update(
      'source.warehouse',
      { settings: { host: 'a', password: secret('PG_PASSWORD_REF', FP_OLD) } },
      { settings: { host: 'a', password: secret('PG_PASSWORD_REF', FP_NEW) } },
    )
    .create('destination.crm', {
      url: 'https://hooks.example.com',
      headers: {
        Authorization: { $sensitive: { ref: { file: '/secret/path/token.txt' }, fingerprint: FP_OLD } },
      },
    })
    .delete('destination.old', { headers: { Authorization: secret('OLD_TOKEN_REF', FP_NEW) } })
    .drifted('source.other', 'changed', [
      { path: 'settings.password', before: secret('DRIFT_REF', FP_OLD), after: secret('DRIFT_REF', FP_NEW) },
    ])
    .build();

  it('never prints a fingerprint or a reference', () => {
    for (const out of allOutputs(plan)) {
      for (const leak of [
        FP_OLD,
        FP_NEW,
        '0123456789abcdef',
        'hmac-sha256',
        'PG_PASSWORD_REF',
        '/secret/path',
        'OLD_TOKEN_REF',
        'DRIFT_REF',
        '$sensitive',
      ]) {
        expect(out).not.toContain(leak);
      }
    }
  });

  it('shows (sensitive value changed) when the fingerprint moved', () => {
    const human = renderHuman(plan, { color: false });
    expect(human).toContain('~ password = (sensitive value changed)');
    expect(renderMarkdown(plan)).toContain('!           password = (sensitive value changed)');
  });

  it('shows (sensitive value) for a secret added or removed', () => {
    const human = renderHuman(plan, { color: false });
    expect(human).toContain('+ Authorization = (sensitive value)');
    expect(human).toContain('- Authorization = (sensitive value) -> null');
  });

  it('shows a change of reference as a change, and hides an unchanged secret', () => {
    const repointed = new PlanBuilder()
      .update(
        'source.w',
        { password: secret('A', 'fp'), host: 'x' },
        { password: secret('B', 'fp'), host: 'y' },
      )
      .build();
    expect(renderHuman(repointed, { color: false })).toContain('~ password = (sensitive value changed)');
    const same = new PlanBuilder()
      .update(
        'source.w',
        { password: secret('A', 'fp'), host: 'x' },
        { password: secret('A', 'fp'), host: 'y' },
      )
      .build();
    const text = renderHuman(same, { color: false });
    expect(text).not.toContain('password');
    expect(text).toContain('# (1 unchanged attribute hidden)');
  });

  it('shows a secret that replaced a plain value without printing either secret', () => {
    const p = new PlanBuilder()
      .update('destination.d', { token: 'plain' }, { token: secret('T', 'fp') })
      .build();
    expect(renderHuman(p, { color: false })).toContain('~ token = "plain" -> (sensitive value)');
  });
});
