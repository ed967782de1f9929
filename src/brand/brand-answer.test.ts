import { describe, expect, it } from 'vitest';
import { isEmptyJson, judgeCancel, judgeGet } from './brand-answer.js';
import type { BrandExchange } from './brand-http.js';

const answered = (status: number, text: string): BrandExchange => ({ kind: 'answered', status, text, latencyMs: 1 });

describe('judgeGet', () => {
  it.each([
    [404, ''],
    [400, '{"status":"failure","statusCode":400,"error":"Bad Request!!"}'],
    [200, ''],
    [200, '  '],
    [200, '{}'],
    [200, '[]'],
    [200, 'null'],
    [200, '{"status":"success","statusCode":200,"customer":{}}'],
    [200, '{"status":"failure","statusCode":404,"error":"Not Found!!"}'],
  ])('%i %j is not found', (status, text) => {
    expect(judgeGet(answered(status, text)).result).toEqual({ kind: 'not_found' });
  });

  it.each([
    [500, 'unavailable', true],
    [503, 'unavailable', true],
    [429, 'unavailable', true],
    [401, 'unavailable', false],
    [403, 'unavailable', false],
    [418, 'malformed', false],
    [400, 'malformed', false],
  ] as const)('%i is %s (retryable: %s)', (status, failure, retryable) => {
    const judged = judgeGet(answered(status, 'nope'));
    expect(judged.result).toMatchObject({ kind: 'failure', failure, httpStatus: status });
    expect(judged.retryable).toBe(retryable);
  });

  it('timeouts and network errors are retryable faults of the brand; a cancel by the caller is neither', () => {
    expect(judgeGet({ kind: 'timeout', cause: 't', latencyMs: 5 })).toMatchObject({ retryable: true, brandFault: true, result: { failure: 'timeout' } });
    expect(judgeGet({ kind: 'network', cause: 'n', latencyMs: 5 })).toMatchObject({ retryable: true, brandFault: true, result: { failure: 'unavailable' } });
    expect(judgeGet({ kind: 'cancelled', cause: 'c', latencyMs: 5 })).toMatchObject({ retryable: false, brandFault: false, cancelled: true });
  });

  it('keeps ids above 2^53 exactly', () => {
    expect(judgeGet(answered(200, '{"id": 4331283087516123456}')).result).toEqual({ kind: 'body', body: { id: '4331283087516123456' } });
  });
});

describe('judgeCancel', () => {
  it.each([
    [200, '{"status":"success","statusCode":200}', 'cancelled'],
    [200, '', 'cancelled'],
    [201, 'ok', 'cancelled'],
    [200, '{"status":"failure","statusCode":400,"error":"Bad payload!!"}', 'refused'],
    [400, '{"status":"failure","statusCode":400,"error":"Bad payload!!","message":"shipped"}', 'refused'],
    [409, '', 'refused'],
    [404, '', 'not_found'],
    [500, '', 'unavailable'],
  ])('%i %j → %s', (status, text, kind) => {
    const { result } = judgeCancel(answered(status, text));
    expect(result.kind === 'failure' ? result.failure : result.kind).toBe(kind);
  });
});

describe('isEmptyJson', () => {
  it('recognises empty answers and wrappers of nothing, but not data', () => {
    expect([null, {}, [], { orders: [] }, { order: null }, { data: {} }].every(isEmptyJson)).toBe(true);
    expect([{ id: 1 }, [{}], { orders: [1] }, 0, ''].some(isEmptyJson)).toBe(false);
  });
});
