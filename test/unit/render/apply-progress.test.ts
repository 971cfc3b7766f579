import {
  applyFailed,
  applyFinished,
  applyPausedSyncs,
  applyResumedSyncs,
  applyStarted,
  applyStillRunning,
  applySummary,
  duration,
} from '../../../src/render/apply-progress';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

describe('apply progress lines', () => {
  it("uses Terraform's words for each action", () => {
    expect(applyStarted('model.x', 'create')).toBe('model.x: Creating...');
    expect(applyFinished('model.x', 'create', 0.4)).toBe('model.x: Creation complete after 0s');
    expect(applyStarted('model.x', 'update')).toBe('model.x: Modifying...');
    expect(applyFinished('model.x', 'update', 3)).toBe('model.x: Modifications complete after 3s');
    expect(applyStarted('source.w', 'replace')).toBe('source.w: Replacing...');
    expect(applyFinished('source.w', 'replace', 65)).toBe('source.w: Replacement complete after 1m5s');
    expect(applyStarted('sync.s', 'delete')).toBe('sync.s: Destroying...');
    expect(applyFinished('sync.s', 'delete', 1)).toBe('sync.s: Destruction complete after 1s');
    expect(applyStillRunning('model.x', 'create', 10)).toBe('model.x: Still creating... [10s elapsed]');
  });

  it('reports a failure, indenting the rest of a multi-line message', () => {
    expect(applyFailed('model.x', 'create', 'relation does not exist\nHINT: check the schema')).toBe(
      'model.x: Creation failed: relation does not exist\n  HINT: check the schema',
    );
  });

  it('reports the orchestrated pause of syncs', () => {
    expect(applyPausedSyncs('sync.orders_hourly', 'model.big_orders')).toBe(
      'sync.orders_hourly: Paused while model.big_orders changes...',
    );
    expect(applyResumedSyncs('sync.orders_hourly', 'model.big_orders')).toBe(
      'sync.orders_hourly: Resumed after the change to model.big_orders',
    );
  });

  it('summarises an apply and a destroy byte for byte', () => {
    expect(applySummary({ added: 1, changed: 0, destroyed: 0 })).toBe(
      'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.',
    );
    expect(applySummary({ added: 0, changed: 0, destroyed: 4 }, 'destroy')).toBe(
      'Destroy complete! Resources: 4 destroyed.',
    );
  });

  it('colours only when asked', () => {
    expect(applyStarted('model.x', 'create', { color: false })).not.toMatch(ANSI);
    expect(applyStarted('model.x', 'create', { color: true })).toMatch(ANSI);
    expect(applySummary({ added: 1, changed: 0, destroyed: 0 }, 'normal', { color: true })).toMatch(ANSI);
    expect(applyFailed('model.x', 'update', 'boom', { color: false })).toBe(
      'model.x: Modifications failed: boom',
    );
  });

  it('formats durations as Go does, truncated to seconds', () => {
    expect([0, 0.9, 59, 60, 61, 3600, 3723].map(duration)).toEqual([
      '0s',
      '0s',
      '59s',
      '1m0s',
      '1m1s',
      '1h0m0s',
      '1h2m3s',
    ]);
  });
});
