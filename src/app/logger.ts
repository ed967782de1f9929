import pino, { type Logger } from 'pino';

/** Paths that could carry a secret are censored wherever they appear in a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-guest-id"]',
  'headers.authorization',
  'headers["x-guest-id"]',
  'guestKey',
  'token',
  'accessToken',
  'appSecret',
  'apiKey',
  '*.guestKey',
  '*.accessToken',
  '*.appSecret',
  '*.apiKey',
  '*.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'orderline' } }, destination);
}
