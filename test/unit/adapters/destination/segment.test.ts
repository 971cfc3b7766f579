import type { OutgoingRecord } from '../../../../src/adapters/destination/destination';
import { segmentDestination } from '../../../../src/adapters/destination/segment/segment-destination';
import { MAX_EVENT_BYTES, segmentEvent } from '../../../../src/adapters/destination/segment/segment-event';
import { segmentSettings } from '../../../../src/adapters/destination/segment/segment-settings';

const rec = (fields: Record<string, unknown> | null, op: OutgoingRecord['op'] = 'add'): OutgoingRecord => ({
  seq: 1,
  recordId: '7',
  op,
  idempotencyKey: 'k'.repeat(40),
  fields,
});

const open = (attrs: Record<string, unknown>) =>
  segmentDestination.open({
    attributes: { type: 'segment', write_key: 'wk', ...attrs },
    sync: 's',
    runId: 'r',
  });

describe('segment settings', () => {
  it('picks the regional host, or the endpoint override, and appends /v1/batch', () => {
    expect(segmentSettings({ write_key: 'wk' }).batchUrl).toBe('https://api.segment.io/v1/batch');
    expect(segmentSettings({ write_key: 'wk', region: 'eu' }).batchUrl).toBe(
      'https://events.eu1.segmentapis.com/v1/batch',
    );
    expect(segmentSettings({ write_key: 'wk', endpoint: 'https://proxy.example.com/seg/' }).batchUrl).toBe(
      'https://proxy.example.com/seg/v1/batch',
    );
  });

  it('defaults to identify, 500 events per batch, and refuses an empty write key', () => {
    const s = segmentSettings({ write_key: 'wk' });
    expect(s.call).toBe('identify');
    expect(s.batchSize).toBe(500);
    expect(() => segmentSettings({ write_key: '' })).toThrow(/empty write_key/);
  });
});

describe('segment events', () => {
  it('identify: userId and anonymousId are identities, every other field a trait, null kept', () => {
    const { event, problem } = segmentEvent(
      rec({ userId: 42, anonymousId: null, email: 'a@b.c', plan: null }),
      { call: 'identify' },
    );
    expect(problem).toBeUndefined();
    expect(event).toEqual({
      type: 'identify',
      messageId: 'k'.repeat(40),
      userId: '42',
      traits: { email: 'a@b.c', plan: null },
    });
  });

  it('track: fields become properties of the configured event', () => {
    const { event } = segmentEvent(rec({ anonymousId: 'anon-1', total: 9.5 }), {
      call: 'track',
      event: 'Order Synced',
    });
    expect(event).toEqual({
      type: 'track',
      messageId: 'k'.repeat(40),
      anonymousId: 'anon-1',
      event: 'Order Synced',
      properties: { total: 9.5 },
    });
  });

  it('group: groupId is an identity and required', () => {
    const ok = segmentEvent(rec({ userId: 'u', groupId: 'g1', name: 'Acme' }), { call: 'group' });
    expect(ok.event).toMatchObject({ type: 'group', userId: 'u', groupId: 'g1', traits: { name: 'Acme' } });
    expect(ok.problem).toBeUndefined();
    expect(segmentEvent(rec({ userId: 'u', groupId: null }), { call: 'group' }).problem).toMatch(
      /no groupId/,
    );
  });

  it('a record without userId or anonymousId is a problem, and so is an identity that is not text', () => {
    expect(segmentEvent(rec({ userId: null, email: 'x' }), { call: 'identify' }).problem).toMatch(
      /no userId or anonymousId/,
    );
    expect(segmentEvent(rec({ userId: '' }), { call: 'identify' }).problem).toMatch(/no userId/);
    expect(segmentEvent(rec({ userId: { a: 1 } }), { call: 'identify' }).problem).toMatch(
      /userId must be a string or a number, got object/,
    );
  });

  it('removals cannot be delivered', () => {
    expect(segmentEvent(rec(null, 'remove'), { call: 'identify' }).problem).toMatch(/no delete call/);
  });
});

describe('segment limits', () => {
  it('rejects an event over 32 KB before sending, accepts one just under', () => {
    const d = open({});
    const base = JSON.stringify({
      type: 'identify',
      messageId: 'k'.repeat(40),
      userId: 'u',
      traits: { big: '' },
    });
    const fits = rec({ userId: 'u', big: 'x'.repeat(MAX_EVENT_BYTES - Buffer.byteLength(base)) });
    expect(d.recordProblem(fits)).toBeUndefined();
    expect(d.recordBytes(fits)).toBe(MAX_EVENT_BYTES + 1);
    const over = rec({ userId: 'u', big: 'x'.repeat(MAX_EVENT_BYTES - Buffer.byteLength(base) + 1) });
    expect(d.recordProblem(over)).toBe(
      `event is ${MAX_EVENT_BYTES + 1} bytes encoded; Segment accepts at most 32 KB (32768 bytes) per event`,
    );
  });

  it('caps batches at 500 KB and at most 2,500 events, and cannot remove', () => {
    const d = open({ batch_size: 2500 });
    expect(d.limits.maxBatchBytes).toBeLessThan(500 * 1024);
    expect(d.limits.maxBatchBytes).toBeGreaterThan(490 * 1024);
    expect(d.limits.batchSize).toBe(2500);
    expect(d.supportsRemovals).toBe(false);
    expect(segmentDestination.supportsRemovals).toBe(false);
  });
});
