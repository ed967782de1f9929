/**
 * The databases every storage-touching suite runs against: real SQLite (a temp file) and
 * real PostgreSQL (a throwaway database). Use with `describe.each(databaseTargets())`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { DatabaseTarget } from '../../src/config/config.js';
import { createTestDatabase } from './postgres.js';

export interface TargetFactory {
  name: 'sqlite' | 'postgres';
  /** Skip the suite (no PostgreSQL outside CI). */
  skip: boolean;
  create(): Promise<{ target: DatabaseTarget; dataDir: string; cleanup(): Promise<void> }>;
}

export function tempDir(prefix = 'orderline-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function databaseTargets(): TargetFactory[] {
  return [
    {
      name: 'sqlite',
      skip: false,
      create: async () => {
        const dir = tempDir();
        return {
          target: { kind: 'sqlite', file: path.join(dir, 'orderline.db') },
          dataDir: dir,
          cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
      },
    },
    {
      name: 'postgres',
      skip: !inject('postgres'),
      create: async () => {
        const db = await createTestDatabase();
        const dir = tempDir();
        return {
          target: { kind: 'postgres', url: db.url },
          dataDir: dir,
          cleanup: async () => {
            await db.drop();
            fs.rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
