import { describe, expect, it } from 'vitest';
import { minimumCalls } from '../../connectors/salesforce/index.ts';

describe('minimumCalls', () => {
  it('packs a deletions query plus 2,000-row pages per object, the converted-lead list and the role preload five to a Composite call', () => {
    // Contact 1 + 5, Lead 1 + 1, converted 1, Opportunity 1 + 2, roles 2, Case 1 + 3 = 18 subrequests → 4 calls.
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000 })).toEqual({ fullSync: 4, unchangedRerun: 1 });
    // 3 more converted-lead pages: 21 subrequests → 5 calls.
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000, convertedLeads: 6_001 }).fullSync).toBe(5);
  });
  it('switches an object to a Bulk job only above the threshold and when the job costs fewer calls than its pages', () => {
    // 20,000 Contacts: 9 pages left = 2 Composite calls < create + poll + results = 3: REST. 20 subrequests → 4 calls.
    expect(minimumCalls({ contacts: 20_000, deals: 0, tickets: 0, bulkThreshold: 10_000 }).fullSync).toBe(4);
    // 100,000: 49 pages left = 10 calls > 4 (create, poll, 2 result pages of 50,000): deletions + probe + 6 others = 8 → 2 calls + 4.
    expect(minimumCalls({ contacts: 100_000, deals: 0, tickets: 0, bulkThreshold: 10_000 }).fullSync).toBe(2 + 4);
  });
});
