import type { TestProject } from 'vitest/node';
import { dropLeftoverDatabases, postgresReachable, PG_ADMIN_URL } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const reachable = await postgresReachable();
  if (!reachable) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required under CI=true but ${PG_ADMIN_URL} cannot be reached`);
    }
    console.warn(`\n[orderline tests] PostgreSQL at ${PG_ADMIN_URL} is not reachable: PostgreSQL suites are SKIPPED.\n`);
  } else {
    await dropLeftoverDatabases();
  }
  project.provide('postgres', reachable);
}
