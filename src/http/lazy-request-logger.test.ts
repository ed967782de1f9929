import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger } from './lazy-request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const parent = pino({ level, base: { service: 'test' } }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const child = vi.spyOn(parent, 'child');
  return { parent, lines, child };
}

describe('LazyRequestLogger', () => {
  it('makes no child for a request that writes nothing', () => {
    const { parent, child } = capture('info');
    const logger = new LazyRequestLogger(parent, { reqId: 'r1' }, {});
    expect(logger.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
  });

  it('writes through one child bound to the request, in every form pino takes', () => {
    const { parent, lines, child } = capture('debug');
    const logger = new LazyRequestLogger(parent, { reqId: 'r2' }, {});
    logger.info({ route: '/orders-create' }, 'request completed');
    logger.warn('plain %s', 'text');
    logger.debug('below');
    logger.trace('not written');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ service: 'test', reqId: 'r2', route: '/orders-create', msg: 'request completed', level: 30 }),
      expect.objectContaining({ reqId: 'r2', msg: 'plain text', level: 40 }),
      expect.objectContaining({ reqId: 'r2', msg: 'below', level: 20 }),
    ]);
  });

  it("keeps the route's own level, and a level set later applies to what follows", () => {
    const { parent, lines } = capture('info');
    const logger = new LazyRequestLogger(parent, { reqId: 'r3' }, { level: 'error' });
    expect(logger.level).toBe('error');
    logger.warn('dropped');
    logger.level = 'debug';
    logger.debug('kept');
    expect(logger.level).toBe('debug');
    expect(parent.level).toBe('info');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it("a child of it carries the request's bindings and its own", () => {
    const { parent, lines } = capture('info');
    new LazyRequestLogger(parent, { reqId: 'r4' }, {}).child({ tenant: 't1' }).error('failed');
    expect(lines).toEqual([expect.objectContaining({ reqId: 'r4', tenant: 't1', msg: 'failed', level: 50 })]);
  });
});
