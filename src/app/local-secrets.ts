/**
 * Secrets generated on first start when the environment gives none: the admin token and
 * (SQLite only) the key that seals tenant secrets. Each is written once, mode 0600, and
 * read back on later starts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';

export interface AdminTokenSource {
  token: string;
  /** Where the token lives when it was generated or read from disk; null when from ADMIN_TOKEN. */
  file: string | null;
  /** True only on the start that created it: the one time it is printed. */
  generated: boolean;
}

function readOrCreate(file: string, make: () => string): { value: string; generated: boolean } {
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    if (value !== '') return { value, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = make();
  try {
    // 'wx' fails if another process created it meanwhile; then we read theirs.
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, generated: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: fs.readFileSync(file, 'utf8').trim(), generated: false };
  }
}

export function adminTokenOf(config: Config): AdminTokenSource {
  if (config.adminToken !== undefined) return { token: config.adminToken, file: null, generated: false };
  const file = path.join(config.dataDir, 'admin-token');
  const { value, generated } = readOrCreate(file, () => 'olat_' + randomBytes(24).toString('base64url'));
  return { token: value, file, generated };
}

export function sealingSecretOf(config: Config): string {
  if (config.secret !== undefined) return config.secret;
  return readOrCreate(path.join(config.dataDir, 'secret.key'), () => randomBytes(32).toString('base64url')).value;
}
