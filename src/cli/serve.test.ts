import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { banner } from './serve.js';

describe("serve's banner", () => {
  const config = loadConfig({}, '/tmp/orderline-banner');
  const curlLine = (lines: string[]) => lines.find((line) => line.includes('curl -X POST')) ?? '';

  it('shows a curl that runs as printed: the token file when generated, $ADMIN_TOKEN when set in the environment', () => {
    const fromFile = banner(config, 'http://127.0.0.1:3000', { token: 'olat_x', file: '/srv/data/admin-token', generated: false });
    expect(curlLine(fromFile)).toContain('-H "Authorization: Bearer $(cat /srv/data/admin-token)"');
    const fromEnv = banner(config, 'http://127.0.0.1:3000', { token: 'secret-token-from-env', file: null, generated: false });
    expect(curlLine(fromEnv)).toContain('-H "Authorization: Bearer $ADMIN_TOKEN"');
    expect(fromEnv.join('\n')).not.toContain('secret-token-from-env');
  });
});
