import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './001-initial.js';
import { messaging } from './002-messaging.js';
import { carts } from './003-carts.js';
import { conversations } from './004-conversations.js';
import { eventsDeriveModel } from './005-events-derive-model.js';
import { leanHotIndexes } from './006-lean-hot-indexes.js';
import { jobsDueByKind } from './007-jobs-due-by-kind.js';
import { tenantLocale } from './008-tenant-locale.js';
import { alertRepeats } from './009-alert-repeats.js';
import { sendSlots } from './010-send-slots.js';
import { optIns } from './011-opt-ins.js';
import { inboundHandled } from './012-inbound-handled.js';
import { parkedChains } from './013-parked-chains.js';
import { tenantBusinessAccount } from './014-tenant-business-account.js';
import { alertSubjects } from './015-alert-subjects.js';

/** Migrations live in code (not files on disk) so a built package carries them. */
export const migrations: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '001-initial': initial,
      '002-messaging': messaging,
      '003-carts': carts,
      '004-conversations': conversations,
      '005-events-derive-model': eventsDeriveModel,
      '006-lean-hot-indexes': leanHotIndexes,
      '007-jobs-due-by-kind': jobsDueByKind,
      '008-tenant-locale': tenantLocale,
      '009-alert-repeats': alertRepeats,
      '010-send-slots': sendSlots,
      '011-opt-ins': optIns,
      '012-inbound-handled': inboundHandled,
      '013-parked-chains': parkedChains,
      '014-tenant-business-account': tenantBusinessAccount,
      '015-alert-subjects': alertSubjects,
    };
  },
};
