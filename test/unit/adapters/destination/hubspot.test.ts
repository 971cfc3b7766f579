import { DeliveryError, type OutgoingRecord } from '../../../../src/adapters/destination/destination';
import { errorReason, rejectedByAnswer } from '../../../../src/adapters/destination/hubspot/hubspot-answer';
import { hubspotDestination } from '../../../../src/adapters/destination/hubspot/hubspot-destination';
import { hubspotValue, idKey, upsertInput } from '../../../../src/adapters/destination/hubspot/hubspot-input';
import { hubspotSettings } from '../../../../src/adapters/destination/hubspot/hubspot-settings';

const rec = (
  seq: number,
  fields: Record<string, unknown> | null,
  op: OutgoingRecord['op'] = 'add',
): OutgoingRecord => ({
  seq,
  recordId: String(seq),
  op,
  idempotencyKey: `key-${seq}`,
  fields,
});

describe('hubspot settings', () => {
  it('builds the upsert URL from endpoint and object type, caps batches at 100', () => {
    const s = hubspotSettings({ token: 't', id_property: 'email', batch_size: 500 });
    expect(s.upsertUrl).toBe('https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert');
    expect(s.batchSize).toBe(100);
    expect(
      hubspotSettings({ token: 't', id_property: 'k', object_type: '2-123', endpoint: 'http://127.0.0.1:9/' })
        .upsertUrl,
    ).toBe('http://127.0.0.1:9/crm/v3/objects/2-123/batch/upsert');
    expect(() => hubspotSettings({ token: '', id_property: 'email' })).toThrow(/empty token/);
  });
});

describe('hubspot values', () => {
  it.each([
    [null, ''],
    ['text', 'text'],
    [true, 'true'],
    [false, 'false'],
    [12, '12'],
    [12.5, '12.5'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [['a', 'b'], 'a;b'],
    [{ x: 1 }, '{"x":1}'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
  ])('%p → %p', (value, text) => {
    expect(hubspotValue(value)).toBe(text);
  });
});

describe('hubspot inputs', () => {
  it('takes id from the field named like id_property, with every field a property', () => {
    const { input, problem } = upsertInput(rec(1, { email: 'A@B.co', firstname: 'Ann', score: 3 }), 'email');
    expect(problem).toBeUndefined();
    expect(input).toEqual({
      id: 'A@B.co',
      idProperty: 'email',
      properties: { email: 'A@B.co', firstname: 'Ann', score: '3' },
      objectWriteTraceId: 'key-1',
    });
  });

  it('falls back to the primary key when id_property is not mapped; an empty id is a problem', () => {
    expect(upsertInput(rec(9, { name: 'x' }), 'external_id').input.id).toBe('9');
    expect(upsertInput(rec(9, { email: null }), 'email').problem).toMatch(/no value for email/);
    expect(upsertInput(rec(9, null, 'remove'), 'email').problem).toMatch(/cannot delete/);
  });

  it('compares emails without case', () => {
    expect(idKey('email', ' A@B.co')).toBe(idKey('email', 'a@b.co'));
    expect(idKey('external_id', 'A')).not.toBe(idKey('external_id', 'a'));
  });
});

describe('hubspot answers', () => {
  const batch = [rec(1, { email: 'a@x.io' }), rec(2, { email: 'bad' }), rec(3, { email: 'c@x.io' })];
  const inputs = batch.map((r) => upsertInput(r, 'email').input);

  it('maps errors to records by objectWriteTraceId, and keeps the property messages', () => {
    const body = {
      status: 'COMPLETE',
      results: [
        { id: '1', objectWriteTraceId: 'key-1' },
        { id: '3', objectWriteTraceId: 'key-3' },
      ],
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'VALIDATION_ERROR',
          message:
            'Property values were not valid: [{"isValid":false,"message":"Email address bad is invalid","error":"INVALID_EMAIL","name":"email"}]',
          context: { objectWriteTraceId: ['key-2'] },
        },
      ],
    };
    expect(rejectedByAnswer(body, batch, inputs, 'hs')).toEqual(
      new Map([[2, 'Property values were not valid: Email address bad is invalid (INVALID_EMAIL)']]),
    );
  });

  it('maps errors by context.ids too, emails without case', () => {
    const body = {
      errors: [{ category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['C@X.IO'] } }],
    };
    expect(rejectedByAnswer(body, batch, inputs, 'hs')).toEqual(new Map([[3, 'OBJECT_NOT_FOUND: gone']]));
  });

  it('an error naming no record: records without a result get it; without trace ids the batch is split', () => {
    const body = {
      results: [{ id: '1', objectWriteTraceId: 'key-1' }],
      errors: [{ category: 'X', message: 'boom', context: {} }],
    };
    expect(rejectedByAnswer(body, batch, inputs, 'hs')).toEqual(
      new Map([
        [2, 'X: boom'],
        [3, 'X: boom'],
      ]),
    );
    const untraced = { results: [{ id: '1' }], errors: [{ message: 'boom' }] };
    expect(() => rejectedByAnswer(untraced, batch, inputs, 'hs')).toThrow(DeliveryError);
    try {
      rejectedByAnswer(untraced, batch, inputs, 'hs');
    } catch (e) {
      expect((e as DeliveryError).kind).toBe('invalid');
    }
  });

  it('no errors: everything accepted', () => {
    expect(rejectedByAnswer({ status: 'COMPLETE', results: [] }, batch, inputs, 'hs').size).toBe(0);
    expect(errorReason({ message: 'Property values were not valid: not json' })).toBe(
      'Property values were not valid: not json',
    );
  });
});

describe('hubspot destination', () => {
  it('cannot remove; 100 inputs per request', () => {
    const d = hubspotDestination.open({
      attributes: { type: 'hubspot', token: 't', id_property: 'email' },
      sync: 's',
      runId: 'r',
    });
    expect(d.supportsRemovals).toBe(false);
    expect(hubspotDestination.supportsRemovals).toBe(false);
    expect(d.limits.batchSize).toBe(100);
    expect(d.recordProblem(rec(1, { email: '' }))).toMatch(/no value for email/);
  });
});
