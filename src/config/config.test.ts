import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl, type Config } from './config.js';

const CWD = path.resolve('/srv/orderline');
const SECRET = 'x'.repeat(32);
const PG = 'postgres://orderline:pw@db.internal:5432/orderline';

/** The ConfigError `load` throws; fails the test when it throws nothing or something else. */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

function rejected(env: Record<string, string>): ConfigError {
  return configError(() => loadConfig(env, CWD));
}

describe('loadConfig defaults', () => {
  const config = loadConfig({}, CWD);

  it('listens on 127.0.0.1:3000 and derives the public URL from it', () => {
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('stores in SQLite under ./data of the working directory, with generated secrets', () => {
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(CWD, 'data', 'orderline.db') });
    expect(config.dataDir).toBe(path.join(CWD, 'data'));
    expect(config.redisUrl).toBeNull();
    expect(config.adminToken).toBeUndefined();
    expect(config.secret).toBeUndefined();
  });

  it('takes the documented limits, Graph API and log level', () => {
    expect(config.bodyLimitBytes).toBe(1_048_576);
    expect(config.workerConcurrency).toBe(64);
    expect(config.whatsapp).toEqual({
      graphUrl: 'https://graph.facebook.com',
      apiVersion: 'v21.0',
      verifyToken: undefined,
      appSecret: undefined,
    });
    expect(config.logLevel).toBe('info');
  });

  it('treats empty and blank variables as unset', () => {
    const blank = loadConfig(
      { PORT: '', HOST: '  ', DATABASE_URL: '', REDIS_URL: '', ORDERLINE_SECRET: ' ', LOG_LEVEL: '', WORKER_CONCURRENCY: ' ' },
      CWD,
    );
    expect(blank).toEqual(config);
  });

  it('reads the working directory from process.cwd() when none is given', () => {
    expect(loadConfig({}).dataDir).toBe(path.resolve(process.cwd(), 'data'));
  });
});

describe('loadConfig from the environment', () => {
  it('takes PORT, HOST, PUBLIC_URL and the other documented variables', () => {
    const config = loadConfig(
      {
        PORT: ' 8080 ',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://orders.example.com/',
        ADMIN_TOKEN: 'admin-token-0123456789',
        ORDERLINE_SECRET: SECRET,
        BODY_LIMIT_BYTES: '2048',
        WORKER_CONCURRENCY: ' 48 ',
        WHATSAPP_GRAPH_URL: 'http://127.0.0.1:9999/graph/',
        WHATSAPP_API_VERSION: 'v22.0',
        WHATSAPP_VERIFY_TOKEN: 'verify-me',
        WHATSAPP_APP_SECRET: 'app-secret',
        LOG_LEVEL: 'debug',
      },
      CWD,
    );
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toBe('https://orders.example.com');
    expect(config.adminToken).toBe('admin-token-0123456789');
    expect(config.secret).toBe(SECRET);
    expect(config.bodyLimitBytes).toBe(2048);
    expect(config.workerConcurrency).toBe(48);
    expect(config.whatsapp).toEqual({
      graphUrl: 'http://127.0.0.1:9999/graph',
      apiVersion: 'v22.0',
      verifyToken: 'verify-me',
      appSecret: 'app-secret',
    });
    expect(config.logLevel).toBe('debug');
  });

  it('derives the default public URL from HOST and PORT', () => {
    expect(loadConfig({ HOST: 'localhost', PORT: '8081' }, CWD).publicUrl).toBe('http://localhost:8081');
  });

  it('takes an IPv6 HOST, bracketed in the default public URL', () => {
    expect(loadConfig({ HOST: '::', PORT: '8081' }, CWD)).toMatchObject({ host: '::', publicUrl: 'http://[::]:8081' });
    expect(loadConfig({ HOST: '::1' }, CWD).publicUrl).toBe('http://[::1]:3000');
  });

  it('names HOST, not the unset PUBLIC_URL, when the default public URL cannot be made from it', () => {
    expect(rejected({ HOST: '999.1.1.1' }).variable).toBe('HOST');
  });
});

describe('DATABASE_URL', () => {
  it('resolves a relative file: path against the working directory and keeps the data beside it', () => {
    const config = loadConfig({ DATABASE_URL: 'file:./var/shop.db' }, CWD);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(CWD, 'var', 'shop.db') });
    expect(config.dataDir).toBe(path.join(CWD, 'var'));
    expect(parseDatabaseUrl('file:shop.db', CWD)).toEqual({ kind: 'sqlite', file: path.join(CWD, 'shop.db') });
  });

  it('keeps an absolute file: path and :memory:', () => {
    const absolute = path.resolve('/var/lib/orderline/o.db');
    expect(parseDatabaseUrl(`file:${absolute}`, CWD)).toEqual({ kind: 'sqlite', file: absolute });
    const memory = loadConfig({ DATABASE_URL: 'file::memory:' }, CWD);
    expect(memory.database).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(memory.dataDir).toBe(path.join(CWD, 'data'));
  });

  it('refuses file: without a path', () => {
    expect(rejected({ DATABASE_URL: 'file:' }).variable).toBe('DATABASE_URL');
  });

  it('accepts postgres:// and postgresql:// (with ORDERLINE_SECRET)', () => {
    const config = loadConfig({ DATABASE_URL: PG, ORDERLINE_SECRET: SECRET }, CWD);
    expect(config.database).toEqual({ kind: 'postgres', url: PG });
    expect(config.dataDir).toBe(path.join(CWD, 'data'));
    const long = 'postgresql://u@localhost/db';
    expect(loadConfig({ DATABASE_URL: long, ORDERLINE_SECRET: SECRET }, CWD).database).toEqual({ kind: 'postgres', url: long });
  });

  it('refuses an unknown scheme, naming DATABASE_URL and the supported ones', () => {
    const error = rejected({ DATABASE_URL: 'mysql://x' });
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).toMatch(/^DATABASE_URL: /);
    expect(error.message).toContain('mysql:');
    expect(error.message).toContain('file:');
    expect(error.message).toContain('postgres://');
    expect(rejected({ DATABASE_URL: 'orderline.db' }).variable).toBe('DATABASE_URL');
  });

  it('refuses a postgres:// URL that does not parse', () => {
    expect(rejected({ DATABASE_URL: 'postgres://u:p@[bad/db', ORDERLINE_SECRET: SECRET }).variable).toBe('DATABASE_URL');
  });
});

describe('REDIS_URL', () => {
  it('stops start-up with a clear message instead of being ignored', () => {
    const error = rejected({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(error.variable).toBe('REDIS_URL');
    expect(error.message).toMatch(/^REDIS_URL: /);
    expect(error.message).toMatch(/not available/);
    expect(error.message).toMatch(/unset REDIS_URL/);
  });
});

describe('WORKER_CONCURRENCY', () => {
  it('takes 1 to 1000 jobs at once', () => {
    expect(loadConfig({ WORKER_CONCURRENCY: '1' }, CWD).workerConcurrency).toBe(1);
    expect(loadConfig({ WORKER_CONCURRENCY: '1000' }, CWD).workerConcurrency).toBe(1000);
  });

  it('stops start-up on anything else, naming the variable and the range', () => {
    for (const value of ['0', '1001']) {
      const error = rejected({ WORKER_CONCURRENCY: value });
      expect(error.variable).toBe('WORKER_CONCURRENCY');
      expect(error.message).toBe(`WORKER_CONCURRENCY: must be between 1 and 1000, got ${value}`);
    }
    expect(rejected({ WORKER_CONCURRENCY: 'many' }).message).toBe('WORKER_CONCURRENCY: must be a whole number, got "many"');
  });
});

describe('ORDERLINE_SECRET', () => {
  it('is not asked for with PostgreSQL by a command that seals no secret (migrate), but a short one is still refused', () => {
    expect(loadConfig({ DATABASE_URL: PG }, CWD, { secretRequired: false }).secret).toBeUndefined();
    expect(configError(() => loadConfig({ DATABASE_URL: PG, ORDERLINE_SECRET: 'short' }, CWD, { secretRequired: false })).variable).toBe('ORDERLINE_SECRET');
  });

  it('must be at least 32 characters', () => {
    const error = rejected({ ORDERLINE_SECRET: 'x'.repeat(31) });
    expect(error.variable).toBe('ORDERLINE_SECRET');
    expect(error.message).toContain('32');
    expect(loadConfig({ ORDERLINE_SECRET: SECRET }, CWD).secret).toBe(SECRET);
  });

  it('is required with PostgreSQL', () => {
    const error = rejected({ DATABASE_URL: PG });
    expect(error.variable).toBe('ORDERLINE_SECRET');
    expect(error.message).toMatch(/PostgreSQL/);
  });
});

describe('invalid values name their variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '3000.5'],
    ['PORT', '65536'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_LEVEL', 'INFO'],
    ['PUBLIC_URL', 'orders.example.com'],
    ['PUBLIC_URL', 'ftp://orders.example.com'],
    ['WHATSAPP_API_VERSION', '21.0'],
    ['WHATSAPP_API_VERSION', 'v21'],
    ['WHATSAPP_GRAPH_URL', 'graph.facebook.com'],
    ['BODY_LIMIT_BYTES', '1mb'],
    ['BODY_LIMIT_BYTES', '100'],
    ['WORKER_CONCURRENCY', '0'],
    ['WORKER_CONCURRENCY', '1001'],
    ['WORKER_CONCURRENCY', '-4'],
    ['WORKER_CONCURRENCY', '8.5'],
    ['ADMIN_TOKEN', 'short'],
  ])('%s=%s', (variable, value) => {
    const error = rejected({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.name).toBe('ConfigError');
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('quotes the bad value back', () => {
    expect(rejected({ PORT: 'abc' }).message).toContain('"abc"');
    expect(rejected({ LOG_LEVEL: 'verbose' }).message).toContain('"verbose"');
  });
});

describe('the returned config', () => {
  it('is frozen, nested parts included', () => {
    const config: Config = loadConfig({ ORDERLINE_SECRET: SECRET }, CWD);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.whatsapp)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.database as { kind: string }).kind = 'postgres';
    }).toThrow(TypeError);
    expect(config.port).toBe(3000);
    expect(config.database.kind).toBe('sqlite');
  });
});
