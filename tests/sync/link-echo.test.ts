/**
 * Echo safety of a linked installation (issue 16): a value Parcours wrote on one side arriving on the other side
 * without Parcours writing it there is an echo of HubSpot's Salesforce integration; someone's own edit is not.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { findEchoes } from '../../src/sync/link-echo.ts';
import { contact } from '../store/fixtures.ts';

const HS = 'hubspot:default';
const SF = 'salesforce:default';
const OWNED = {
  hubspot: { stage: 'parcours_stage', segments: 'parcours_segments' },
  salesforce: { stage: 'Parcours_Stage__c', segments: 'Parcours_Segments__c' },
};

describe('findEchoes', () => {
  let store: Store;
  beforeEach(async () => {
    store = openStore(':memory:');
    const link = await store.saveLink({ id: 'acme', hubspot: HS, salesforce: SF, source: 'admin', label: 'ACME' });
    await store.replaceLinkIdentity(link.id, {
      matches: [
        { hubspot: { kind: 'contact', objectType: 'contacts', id: '101' }, salesforce: { kind: 'contact', objectType: 'Contact', id: '003A' }, reason: 'integration-id', email: null },
        { hubspot: { kind: 'contact', objectType: 'contacts', id: '102' }, salesforce: { kind: 'contact', objectType: 'Lead', id: '00QB' }, reason: 'email', email: 'b@example.com' },
      ],
      conflicts: [],
    }, 1000);
  });

  /** Both sides as the last pulls read them, and what Parcours wrote (run 1 then run 2). */
  async function seed(values: { hs101: string; sf003A: string; hs102?: string; sf00QB?: string }): Promise<void> {
    await store.applyPullBatch(HS, { kind: 'contact', records: [contact('101', { raw: { parcours_stage: values.hs101 } }), contact('102', { raw: { parcours_stage: values.hs102 ?? 'consideration', parcours_segments: 'smb;new' } })], removed: [], cursor: { after: '102' } });
    await store.applyPullBatch(SF, { kind: 'contact', records: [contact('003A', { objectType: 'Contact', raw: { Parcours_Stage__c: values.sf003A } }), contact('00QB', { objectType: 'Lead', raw: { Parcours_Stage__c: values.sf00QB ?? 'consideration', Parcours_Segments__c: 'new;smb' } })], removed: [], cursor: { after: '00QB' } });
    const hsRun1 = await store.startRun({ installation: HS, crm: 'hubspot', mode: 'full', dryRun: false, startedAt: 100 });
    const sfRun1 = await store.startRun({ installation: SF, crm: 'salesforce', mode: 'full', dryRun: false, startedAt: 100 });
    await store.recordWrites(HS, hsRun1, [{ kind: 'contact', id: '101', before: {}, after: { parcours_stage: 'decision' } }, { kind: 'contact', id: '102', before: {}, after: { parcours_stage: 'consideration', parcours_segments: 'smb;new' } }], 110);
    await store.recordWrites(SF, sfRun1, [{ kind: 'contact', id: '003A', before: {}, after: { Parcours_Stage__c: 'decision' } }, { kind: 'contact', id: '00QB', before: {}, after: { Parcours_Stage__c: 'consideration', Parcours_Segments__c: 'smb;new' } }], 120);
    const hsRun2 = await store.startRun({ installation: HS, crm: 'hubspot', mode: 'incremental', dryRun: false, startedAt: 200 });
    const sfRun2 = await store.startRun({ installation: SF, crm: 'salesforce', mode: 'incremental', dryRun: false, startedAt: 200 });
    await store.recordWrites(HS, hsRun2, [{ kind: 'contact', id: '101', before: { parcours_stage: 'decision' }, after: { parcours_stage: 'purchase' } }], 210);
    await store.recordWrites(SF, sfRun2, [{ kind: 'contact', id: '003A', before: { Parcours_Stage__c: 'decision' }, after: { Parcours_Stage__c: 'purchase' } }], 220);
  }

  it('finds nothing when each side holds what Parcours wrote there (segments in another order are the same)', async () => {
    await seed({ hs101: 'purchase', sf003A: 'purchase' });
    const r = await findEchoes(store, (await store.getLink('acme'))!, OWNED);
    expect(r.pairs).toBe(2);
    expect(r.fields).toEqual(['stage', 'segments']);
    expect(r.findings).toEqual([]);
  });

  it('reports a value Parcours wrote on the other side arriving after its own write (the integration copied it back)', async () => {
    // Salesforce shows "decision" again: Parcours wrote "purchase" there; "decision" is what it wrote on HubSpot earlier.
    await seed({ hs101: 'purchase', sf003A: 'decision' });
    const r = await findEchoes(store, (await store.getLink('acme'))!, OWNED);
    expect(r.findings).toEqual([{
      side: 'salesforce', record: { kind: 'contact', objectType: 'Contact', id: '003A' }, field: 'Parcours_Stage__c', value: 'decision', wroteHere: 'purchase',
      from: { side: 'hubspot', record: { kind: 'contact', objectType: 'contacts', id: '101' }, field: 'parcours_stage', at: 110 },
    }]);
  });

  it('does not report a rep\'s own edit (a value Parcours never wrote on either side)', async () => {
    await seed({ hs101: 'awareness', sf003A: 'purchase' });
    expect((await findEchoes(store, (await store.getLink('acme'))!, OWNED)).findings).toEqual([]);
  });

  it('reports on the HubSpot side too, and on a record Parcours never wrote that field on', async () => {
    await seed({ hs101: 'purchase', sf003A: 'purchase', sf00QB: 'consideration' });
    // 102 now shows "decision": Parcours wrote that on 003A, which is not 102's pair (00QB is) — not an echo.
    await store.applyPullBatch(HS, { kind: 'contact', records: [contact('102', { raw: { parcours_stage: 'decision', parcours_segments: 'smb;new' } })], removed: [], cursor: { after: '102' } });
    expect((await findEchoes(store, (await store.getLink('acme'))!, OWNED)).findings).toEqual([]);
    await store.applyPullBatch(HS, { kind: 'contact', records: [contact('101', { raw: { parcours_stage: 'decision' } })], removed: [], cursor: { after: '102' } });
    const r = await findEchoes(store, (await store.getLink('acme'))!, OWNED);
    expect(r.findings.map((f) => [f.side, f.record.id, f.field, f.value, f.from.record.id, f.from.at])).toEqual([['hubspot', '101', 'parcours_stage', 'decision', '003A', 120]]);
  });
});
