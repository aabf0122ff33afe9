import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hubspotFullFloor,
  hubspotIncrementalFloor,
  hubspotRateFloorSeconds,
  hubspotTouchpointFloor,
  hubspotTouchpointIncrementalFloor,
  salesforceFullFloor,
  salesforceIncrementalFloor,
  salesforceTouchpointFloor,
  salesforceWrites,
  type HubspotState,
} from '../../bench/floors.ts';

const none = { contacts: 0, deals: 0, tickets: 0 };
const noWrites = { updated: none, listsChanged: 0 };

describe('the independent floor', () => {
  it('knows nothing of Parcours: it imports no connector, sync or engine code', () => {
    const source = readFileSync(new URL('../../bench/floors.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports.filter((p) => /connectors\/|\/src\//.test(p ?? ''))).toEqual([]);
  });

  describe('HubSpot', () => {
    const state: HubspotState = { live: { contacts: 20_000, deals: 8_000, tickets: 10_000 }, archived: none, modified: none };

    it('takes the cheapest of list-with-associations and search + v4 association reads, per object', () => {
      const f = hubspotFullFloor(state, noWrites);
      // All by search: 100 + 40 + 50 pages, v4 contact–deal ⌈8,000/1,000⌉ = 8 and contact–ticket 10, pipelines 2.
      expect(f.reads).toMatchObject({ calls: 210, search: 190, standard: 20 });
      expect(f.reads.strategy).toBe('search contacts, search deals, search tickets + v4 associations + 2 pipelines');
      // All by list (associations on the contact pages): 200 + 80 + 100 + 2.
      expect(f.candidates.find((c) => c.strategy.startsWith('list contacts, list deals, list tickets'))?.calls).toBe(382);
      expect(f.candidates).toHaveLength(8);
      expect(f.candidates.map((c) => c.calls)).toEqual([...f.candidates.map((c) => c.calls)].sort((a, b) => a - b));
      expect(f.calls).toBe(210);
    });

    it('adds full batches of the records that changed and one add-and-remove call per changed list', () => {
      const f = hubspotFullFloor(state, { updated: { contacts: 20_000, deals: 3_000, tickets: 50 }, listsChanged: 4 });
      expect(f.writes.calls).toBe(200 + 30 + 1 + 4);
      expect(f.calls).toBe(210 + 235);
    });

    it('floors an unchanged re-run at one empty search and one archived page per object', () => {
      const f = hubspotIncrementalFloor(state, noWrites);
      expect(f.calls).toBe(6);
      expect(f.reads).toMatchObject({ search: 3, standard: 3 });
    });

    it('pages the records modified since the last run and re-reads the links of modified deals', () => {
      const f = hubspotIncrementalFloor({ ...state, modified: { contacts: 20_000, deals: 3_000, tickets: 0 }, archived: { contacts: 150, deals: 0, tickets: 0 } }, noWrites);
      // Search 100 + 15 + 1; archived 2 + 1 + 1; v4 deal→contact 3.
      expect(f.calls).toBe(116 + 4 + 3);
      expect(f.candidates[1]?.calls).toBe(210 + 4);
    });

    it('times the calls against the burst window and search budget running side by side', () => {
      // 190 searches: 5 at once, then 5 per second → the last leaves after 37 s; 200 standard calls need 10 s.
      expect(hubspotRateFloorSeconds({ standard: 200, search: 190 }, { max: 100, intervalMs: 10_000 })).toBe(37);
      expect(hubspotRateFloorSeconds({ standard: 500, search: 10 }, { max: 100, intervalMs: 10_000 })).toBe(40);
      expect(hubspotRateFloorSeconds({ standard: 4, search: 3 }, { max: 100, intervalMs: 10_000 })).toBe(0);
    });
  });

  describe('Salesforce', () => {
    it('packs 2,000-row query pages five to a Composite call', () => {
      const f = salesforceFullFloor({ rows: { Contact: 12_000, Lead: 8_000, Opportunity: 6_000, Case: 7_000, OpportunityContactRole: 6_000, OpportunityHistory: 20_000 }, modified: {} }, { updated: {}, membersAdded: 0, membersRemoved: 0 });
      // Pages 6 + 4 + 3 + 4 + 3 + 10 = 30 → REST 30, Composite 6.
      expect(f.candidates.find((c) => c.strategy === 'REST query, one call per page')?.calls).toBe(30);
      expect(f.reads).toMatchObject({ calls: 6, strategy: 'Composite, 5 query pages per call' });
      expect(f.calls).toBe(6);
    });

    it('reads a very large object by a Bulk 2.0 query job when that is cheaper', () => {
      const f = salesforceFullFloor({ rows: { Contact: 1, Lead: 1, Opportunity: 1, Case: 1, OpportunityContactRole: 1, OpportunityHistory: 100_000 }, modified: {} }, { updated: {}, membersAdded: 0, membersRemoved: 0 });
      // Composite alone: ⌈(5 + 50)/5⌉ = 11; Bulk for the history (3) + one Composite for the rest = 4.
      expect(f.reads.calls).toBe(4);
      expect(f.reads.strategy).toBe('Bulk 2.0 query for OpportunityHistory, Composite for the rest');
    });

    it('writes through Collections in Composite calls, or Bulk 2.0 ingest jobs where fewer', () => {
      const w = salesforceWrites({ updated: { Contact: 12_000, Lead: 8_000, Opportunity: 500, Case: 0 }, membersAdded: 3_000, membersRemoved: 0 });
      // Bulk for Contact and Lead (2 × 4: create, upload, close, one poll whose job info counts no failed record —
      // get_job_info) + ⌈(3 + 15) / 5⌉ = 4 Composite calls.
      expect(w.calls).toBe(12);
      // One request per Collections call: ⌈20,500/200⌉ + ⌈3,000/200⌉ = 103 + 15.
      expect(w.plain).toBe(118);
      expect(salesforceWrites({ updated: { Contact: 150 }, membersAdded: 0, membersRemoved: 0 }).calls).toBe(1);
      expect(salesforceWrites({ updated: {}, membersAdded: 0, membersRemoved: 0 }).calls).toBe(0);
      // Removals first look up the CampaignMember ids: 1 query page + 1 delete = 2 subrequests, one call.
      expect(salesforceWrites({ updated: {}, membersAdded: 0, membersRemoved: 150 }).calls).toBe(1);
      // Bulk 2.0 ingest inserts CampaignMembers too: 21,571 adds are one job (4 calls), not ⌈108 / 5⌉ = 22 Composite calls.
      const adds = salesforceWrites({ updated: {}, membersAdded: 21_571, membersRemoved: 0 });
      expect(adds.calls).toBe(4);
      expect(adds.detail).toContain('Bulk 2.0 ingest for CampaignMember insert');
    });

    it('counts the tasks a run creates and changes: creates share Collections calls with member adds (types may mix)', () => {
      // 150 adds + 7,870 task creates = ⌈8,020/200⌉ = 41 Collections → 9 Composite calls, or Bulk for the tasks (4) + 1.
      const w = salesforceWrites({ updated: {}, membersAdded: 150, membersRemoved: 0, tasksCreated: 7_870, tasksUpdated: 10 });
      expect(w.calls).toBe(4 + 1);
      expect(w.detail).toContain('Bulk 2.0 ingest for Task insert');
      expect(w.plain).toBe(1 + 41);
      expect(salesforceWrites({ updated: {}, membersAdded: 0, membersRemoved: 0, tasksCreated: 300 }).calls).toBe(1);
    });

    it('adds the touchpoint reads to a sync: their queries share Composite calls and Bulk jobs with the records\' ', () => {
      const rows = { Contact: 12_683, Lead: 7_317, Opportunity: 12_324, Case: 14_587, OpportunityContactRole: 12_324, OpportunityHistory: 55_402 };
      const tp = { Task: { rows: 193_135 }, Event: { rows: 27_061 }, EmailMessage: { rows: 84_732 }, EmailMessageRelation: { rows: 49_472 }, CampaignMember: { rows: 1_720 } };
      const none = { updated: {}, membersAdded: 0, membersRemoved: 0 };
      const f = salesforceFullFloor({ rows, modified: {} }, none, tp);
      // Records alone: Bulk for the history (3) + 33 pages in 7 calls = 10; touchpoints alone: 3 jobs + 15 pages in 3 = 12.
      expect(f.parts.records.calls).toBe(10);
      expect(f.parts.touchpoints?.calls).toBe(12);
      // Together: 4 jobs (12) + 48 pages in 10 calls = 22.
      expect(f.reads.calls).toBe(22);
      expect(f.reads.strategy).toBe('Bulk 2.0 query for OpportunityHistory+Task+EmailMessage+EmailMessageRelation, Composite for the rest');
      expect(salesforceFullFloor({ rows, modified: {} }, none).parts.touchpoints).toBeNull();
      // A later run: the changed rows of records and touchpoints, one queryAll each, packed: 9 queries → 2 calls.
      const later = salesforceIncrementalFloor({ rows, modified: {} }, none, { Task: { rows: 0 }, Event: { rows: 0 }, EmailMessage: { rows: 0 }, CampaignMember: { rows: 0 } });
      expect(later.calls).toBe(2);
      expect(later.parts.records.calls).toBe(1);
      expect(later.parts.touchpoints?.calls).toBe(1);
    });

    it('floors an unchanged re-run at one Composite call of five queryAll requests', () => {
      const rows = { Contact: 12_000, Lead: 8_000, Opportunity: 6_000, Case: 7_000, OpportunityContactRole: 6_000, OpportunityHistory: 20_000 };
      const f = salesforceIncrementalFloor({ rows, modified: { Contact: 0, Lead: 0, Opportunity: 0, Case: 0, OpportunityContactRole: 0, OpportunityHistory: 0 } }, { updated: {}, membersAdded: 0, membersRemoved: 0 });
      expect(f.calls).toBe(1);
      expect(f.candidates.find((c) => c.strategy === 'changes since last run: REST query, one call per page')?.calls).toBe(5);
    });

    it('reads stage history again only for changed opportunities', () => {
      const rows = { Contact: 20_000, Opportunity: 10_000, OpportunityHistory: 30_000 };
      const changed = salesforceIncrementalFloor({ rows, modified: { Opportunity: 4_000, OpportunityHistory: 2_500 } }, { updated: {}, membersAdded: 0, membersRemoved: 0 });
      // Contact 1, Lead 1, Opportunity 2, Case 1, roles 1, history 2 = 8 pages → 2 Composite calls.
      expect(changed.candidates.find((c) => c.strategy === 'changes since last run: REST query, one call per page')?.calls).toBe(8);
      expect(changed.calls).toBe(2);
      // A full re-read would be 10 + 5 + 15 pages: 6 Composite calls.
      expect(changed.candidates.find((c) => c.strategy === 'full re-read: Composite, 5 query pages per call')?.calls).toBe(6);
      const unchanged = salesforceIncrementalFloor({ rows, modified: { OpportunityHistory: 0 } }, { updated: {}, membersAdded: 0, membersRemoved: 0 });
      expect(unchanged.candidates.find((c) => c.strategy === 'changes since last run: REST query, one call per page')?.calls).toBe(5);
    });
  });

  describe('HubSpot touchpoints', () => {
    // 20,000 contacts' worth: 300,000 records over seven objects, 11,000 contacts with a form conversion.
    const state = { live: { calls: 50_000, emails: 170_000, meetings: 35_000, notes: 24_000, communications: 11_000, postal_mail: 2_000, feedback_submissions: 8_000 }, converted: 11_000, contacts: 20_000 };

    it('takes search + v4 (0.008 calls per record) over listing (0.01) for every object with more than a few hundred records', () => {
      const f = hubspotTouchpointFloor(state, { max: 100, intervalMs: 10_000 });
      // Search pages 250 + 850 + 175 + 120 + 55 + 10 + 40 = 1,500, v4 3 × (50 + 170 + 35 + 24 + 11 + 2 + 8) = 900, forms 55 searches.
      expect(f.reads).toMatchObject({ strategy: 'search + v4 associations for every object', search: 1_555, standard: 900, calls: 2_455 });
      expect(f.calls).toBe(2_455);
      // One page of 100 calls: listed (1 call, links on the page); conversions still searched (55 < 200 contact pages).
      const small = hubspotTouchpointFloor({ ...state, live: { calls: 100 } }, { max: 100, intervalMs: 10_000 });
      expect(small.reads.calls).toBe(1 + 55);
    });

    it('prefers listing a small object (one page carries its links; search would add three v4 reads)', () => {
      const f = hubspotTouchpointFloor({ live: { postal_mail: 150 }, converted: 0, contacts: 0 }, { max: 100, intervalMs: 10_000 });
      expect(f.reads).toMatchObject({ strategy: 'list with associations for every object', calls: 3, standard: 3, search: 0 });
    });

    it('floors an unchanged re-run at one search and one archived page per object, and one conversions search', () => {
      const f = hubspotTouchpointIncrementalFloor(state, { max: 100, intervalMs: 10_000 });
      expect(f.reads).toMatchObject({ calls: 7 + 7 + 1, search: 8, standard: 7 });
      const busy = hubspotTouchpointIncrementalFloor({ ...state, modified: { emails: 1_200 }, archived: { notes: 250 }, convertedSince: 10 }, { max: 100, intervalMs: 10_000 });
      // Emails: 6 searches + 3 × 2 v4 reads; notes: 3 archived pages.
      expect(busy.reads.calls).toBe(6 + 6 + 6 + 3 + 6 + 1);
    });

        it('finds the fastest mix when both budgets run side by side: some objects listed, the rest searched', () => {
      const f = hubspotTouchpointFloor(state, { max: 100, intervalMs: 10_000 });
      expect(hubspotRateFloorSeconds(f.reads, { max: 100, intervalMs: 10_000 })).toBe(310); // ⌈1,555 / 5⌉ − 1 windows of a second
      expect(f.fastestSeconds).toBeLessThan(200);
      expect(f.fastest.standard).toBeGreaterThan(f.reads.standard);
      expect(f.fastest.calls).toBeGreaterThan(f.calls);
    });
  });

  describe('Salesforce touchpoints', () => {
    const reads = { Task: { rows: 170_000 }, Event: { rows: 27_000 }, EmailMessage: { rows: 71_000 }, EmailMessageRelation: { rows: 40_000 }, CampaignMember: { rows: 1_700 } };

    it('counts REST pages of 2,000 and takes the cheapest of REST, Composite and Bulk 2.0 queryAll mixes', () => {
      const f = salesforceTouchpointFloor(reads);
      // 85 + 14 + 36 + 20 + 1 pages.
      expect(f.restPages).toBe(156);
      expect(f.candidates.find((c) => c.strategy === 'REST queryAll, one call per page')?.calls).toBe(156);
      expect(f.candidates.find((c) => c.strategy === 'Composite, 5 query pages per call')?.calls).toBe(32);
      // Bulk for the three biggest (3 × 3); Event's 14 pages and the campaign page in ⌈15/5⌉ Composite calls.
      expect(f.calls).toBe(12);
      expect(f.reads.strategy).toBe('Bulk 2.0 queryAll for Task+EmailMessage+EmailMessageRelation, Composite for the rest');
      // Event by Bulk too: 4 × 3 + ⌈1/5⌉ = 13.
      expect(f.candidates.find((c) => c.strategy === 'Bulk 2.0 queryAll for Task+Event+EmailMessage+EmailMessageRelation, Composite for the rest')?.calls).toBe(13);
      expect(f.candidates.map((c) => c.calls)).toEqual([...f.candidates.map((c) => c.calls)].sort((a, b) => a - b));
    });

    it('caps pages at 200 rows when a read selects two long-text fields', () => {
      const f = salesforceTouchpointFloor({ Task: { rows: 10_000, longTextFields: 2 } });
      expect(f.restPages).toBe(50);
      expect(salesforceTouchpointFloor({ Task: { rows: 10_000, longTextFields: 1 } }).restPages).toBe(5);
      // Every object is read at least once, even when empty.
      expect(salesforceTouchpointFloor({ Task: { rows: 0 }, Event: { rows: 0 } }).restPages).toBe(2);
    });
  });
});
