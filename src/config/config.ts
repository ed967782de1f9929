/**
 * The one place that reads the environment. Everything else receives a frozen `Config`.
 * A bad value stops start-up with a message naming the variable, never a stack trace.
 */
import path from 'node:path';

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly database: DatabaseTarget;
  readonly redisUrl: string | null;
  /** Undefined: generated and persisted under `dataDir` on first start. */
  readonly adminToken: string | undefined;
  /** Undefined: generated into `dataDir/secret.key` (SQLite only). */
  readonly secret: string | undefined;
  readonly bodyLimitBytes: number;
  /** Jobs one worker process runs at once. */
  readonly workerConcurrency: number;
  readonly whatsapp: {
    readonly graphUrl: string;
    readonly apiVersion: string;
    readonly verifyToken: string | undefined;
    readonly appSecret: string | undefined;
  };
  readonly logLevel: string;
  /** Where generated files (admin token, secret key, the default SQLite file) live. */
  readonly dataDir: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * `http://HOST:PORT`, with an IPv6 address in brackets as URLs write it (HOST=:: listens on
 * every interface). A HOST no URL can hold is HOST's error: PUBLIC_URL was not set.
 */
function defaultPublicUrl(host: string, port: number): string {
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  try {
    new URL(url);
  } catch {
    throw new ConfigError('HOST', `must be a host name or an IP address, got "${host}"`);
  }
  return url;
}

export function parseDatabaseUrl(raw: string, cwd: string): DatabaseTarget {
  if (raw.startsWith('file:')) {
    const file = raw.slice('file:'.length);
    if (file === '') throw new ConfigError('DATABASE_URL', 'file: needs a path, e.g. file:./data/orderline.db');
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(cwd, file) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: raw };
  }
  const scheme = raw.includes(':') ? raw.slice(0, raw.indexOf(':') + 1) : raw;
  throw new ConfigError(
    'DATABASE_URL',
    `unknown scheme "${scheme}": use file:PATH for SQLite or postgres://… for PostgreSQL`,
  );
}

export interface LoadOptions {
  /**
   * False for commands that seal and open no tenant secret (`orderline migrate`): PostgreSQL
   * then does not ask for ORDERLINE_SECRET. A set one is still checked.
   */
  readonly secretRequired?: boolean;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd(), options: LoadOptions = {}): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = nonEmpty(env, 'HOST') ?? '127.0.0.1';
  const givenPublicUrl = nonEmpty(env, 'PUBLIC_URL');
  const publicUrl = givenPublicUrl === undefined ? defaultPublicUrl(host, port) : httpUrl('PUBLIC_URL', givenPublicUrl);
  const database = parseDatabaseUrl(nonEmpty(env, 'DATABASE_URL') ?? 'file:./data/orderline.db', cwd);

  const redisUrl = nonEmpty(env, 'REDIS_URL') ?? null;
  if (redisUrl !== null) {
    throw new ConfigError(
      'REDIS_URL',
      'the Redis (BullMQ) queue is not available in this version; unset REDIS_URL to use the in-process queue on the database',
    );
  }

  const secret = nonEmpty(env, 'ORDERLINE_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('ORDERLINE_SECRET', `must be at least 32 characters (got ${secret.length})`);
  }
  if (secret === undefined && database.kind === 'postgres' && (options.secretRequired ?? true)) {
    throw new ConfigError('ORDERLINE_SECRET', 'is required with PostgreSQL (32+ characters); it encrypts tenant secrets');
  }

  const adminToken = nonEmpty(env, 'ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters');
  }

  const logLevel = nonEmpty(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const apiVersion = nonEmpty(env, 'WHATSAPP_API_VERSION') ?? 'v21.0';
  if (!/^v\d+\.\d+$/.test(apiVersion)) {
    throw new ConfigError('WHATSAPP_API_VERSION', `must look like v21.0, got "${apiVersion}"`);
  }

  const dataDir =
    database.kind === 'sqlite' && database.file !== ':memory:' ? path.dirname(database.file) : path.resolve(cwd, 'data');

  return Object.freeze({
    port,
    host,
    publicUrl,
    database: Object.freeze(database),
    redisUrl,
    adminToken,
    secret,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 64, 1, 1000),
    whatsapp: Object.freeze({
      graphUrl: httpUrl('WHATSAPP_GRAPH_URL', nonEmpty(env, 'WHATSAPP_GRAPH_URL') ?? 'https://graph.facebook.com'),
      apiVersion,
      verifyToken: nonEmpty(env, 'WHATSAPP_VERIFY_TOKEN'),
      appSecret: nonEmpty(env, 'WHATSAPP_APP_SECRET'),
    }),
    logLevel,
    dataDir,
  });
}
