import { describe, expect, it } from 'vitest';
import { minimumCalls } from '../../connectors/salesforce/index.ts';

describe('minimumCalls', () => {
  it('counts a deletions query plus 2,000-row pages per object, the converted-lead list and the role preload', () => {
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000 })).toEqual({ fullSync: 18, unchangedRerun: 9 });
    expect(minimumCalls({ contacts: 10_000, deals: 3_000, tickets: 5_000, convertedLeads: 4_001 }).fullSync).toBe(20);
  });
  it('switches an object above the threshold to probe + job + poll + result pages', () => {
    // Contacts: 1 deletions + 1 probe + 1 create + 1 poll + 1 result page; Lead 2 + converted 1; Opportunity 2 + roles 1; Case 2.
    expect(minimumCalls({ contacts: 20_000, deals: 0, tickets: 0, bulkThreshold: 10_000 }).fullSync).toBe(5 + 3 + 3 + 2);
  });
});
