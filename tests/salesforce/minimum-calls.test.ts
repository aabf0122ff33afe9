import { describe, expect, it } from 'vitest';
import { minimumCalls, minimumTouchpointCalls, minimumWriteCalls } from '../../connectors/salesforce/index.ts';

describe('minimumCalls', () => {
  it('packs 2,000-row pages per object (the recycle bin in the same queryAll), the converted-lead list and the role preload five to a Composite call', () => {
    // Contact 5, Lead 1, converted 1, Opportunity 2, roles 2, Case 3 = 14 subrequests → 3 calls.
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000 })).toEqual({ fullSync: 3, unchangedRerun: 1 });
    // 3 more converted-lead pages: 17 subrequests → 4 calls.
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000, convertedLeads: 6_001 }).fullSync).toBe(4);
  });
  it('switches an object to a Bulk job only above the threshold and when the job costs fewer calls than its pages', () => {
    // 20,000 Contacts: 9 pages left = 2 Composite calls < create + poll + results = 3: REST. 15 subrequests → 3 calls.
    expect(minimumCalls({ contacts: 20_000, deals: 0, tickets: 0, bulkThreshold: 10_000 }).fullSync).toBe(3);
    // 100,000: 49 pages left = 10 calls > 3 (create, poll, one result read sized from the probe): probe + 6 others = 7 → 2 calls + 3.
    expect(minimumCalls({ contacts: 100_000, deals: 0, tickets: 0, bulkThreshold: 10_000 }).fullSync).toBe(2 + 3);
  });
});

describe('minimumTouchpointCalls', () => {
  const rows = { Task: 193_135, Event: 27_061, EmailMessage: 84_732, EmailMessageRelation: 49_472, CampaignMember: 1_720 };
  it('reads big objects by one Bulk job each (probe + 3) and the rest five pages a call', () => {
    // Task, EmailMessage, relations by Bulk (3 probes + 9); Event 14 pages + 1 campaign page: 18 subrequests → 4 + 9.
    expect(minimumTouchpointCalls(rows, 'full', 10_000)).toBe(4 + 9);
    // REST only: 97 + 14 + 43 + 25 + 1 = 180 pages → 36 calls.
    expect(minimumTouchpointCalls(rows, 'full', 100_000_000)).toBe(36);
  });
  it('reads one queryAll per object on later runs', () => {
    expect(minimumTouchpointCalls({ Task: 0, Event: 0, EmailMessage: 0, CampaignMember: 0 }, 'incremental')).toBe(1);
    expect(minimumTouchpointCalls({ Task: 40_000, Event: 0 }, 'incremental', 2_000)).toBe(5);
  });
});

describe('minimumWriteCalls', () => {
  it('writes an object above the threshold, and all campaign adds together when a job pays, in one ingest job of 4 calls; the rest five Collections a call', () => {
    // Contact and Lead by Bulk (2 × 4), campaign adds by Bulk (4); tasks 7,870 (40 Collections, 8 calls) by one Task
    // insert job (4 + successfulResults); Opportunity 2,445 (13 Collections: fewer calls than a job) and Case 1,999
    // (10) share 23 subrequests → 5 calls.
    expect(minimumWriteCalls({ updated: { Contact: 12_683, Lead: 7_317, Opportunity: 2_445, Case: 1_999 }, membersAdded: 21_571, membersRemoved: 0, tasksCreated: 7_870 }, 2_000)).toBe(3 * 4 + 5 + 5);
    // Campaign adds pay for a job only when it costs fewer calls than their Collections: 3,000 adds are 15 → 3 calls.
    expect(minimumWriteCalls({ updated: {}, membersAdded: 3_000, membersRemoved: 0 }, 2_000)).toBe(3);
    // Removals: lookups (300 ids a query) and deletes (200 a call): 2 + 3 = 5 subrequests, one call.
    expect(minimumWriteCalls({ updated: {}, membersAdded: 0, membersRemoved: 450 })).toBe(1);
    expect(minimumWriteCalls({ updated: {}, membersAdded: 0, membersRemoved: 0 })).toBe(0);
  });
});
