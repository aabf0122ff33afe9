/**
 * A CRM port double for sync-core tests: it answers like a CRM that accepts every write, and any method a
 * test neither gives nor expects throws, naming itself. A test passes what it observes or varies.
 */
import type { CrmConnector } from '../../connectors/port.ts';

export function portDouble(over: Partial<CrmConnector>): CrmConnector {
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of this test`);
  };
  return {
    crm: 'hubspot',
    pushChunk: 100,
    availableFields: async () => ({ missing: [], missingOwned: [] }),
    async *pull() {},
    push: async (changes) => ({ written: changes.map((c) => c.ref), failed: [] }),
    syncMembership: async (change) => ({ added: change.add, removed: change.remove, failed: [] }),
    readMembership: async () => ({ members: [], exists: true, calls: 1, pageSize: 250 }),
    fetchCustomer: unused('fetchCustomer'),
    ensureSchema: unused('ensureSchema'),
    readCurrent: unused('readCurrent'),
    accountId: unused('accountId'),
    ensureSegmentTarget: unused('ensureSegmentTarget'),
    doctor: unused('doctor'),
    stats: () => ({ total: 0, byEndpoint: {}, rateLimited: 0 }),
    ...over,
  };
}
