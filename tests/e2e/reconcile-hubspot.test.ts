/**
 * Issue 11 §1–2 against the HubSpot sandbox: a full run removes what HubSpot no longer shows, and
 * reads each segment list's actual members to repair drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { inStore, runCli, runJson, storeEnv, type SyncJson, tempDb } from './cli.ts';

/** Per test: several real CLI runs, each seconds long when the machine is busy. */
const E2E_TIMEOUT = 180_000;
const INST = 'hubspot:default';
const DAY = 86_400_000;

interface ReconcileJson extends SyncJson {
  removed: { contacts: number; deals: number; tickets: number; swept: number };
  repaired: number;
  segments: Record<string, { members: number; added: number; removed: number; repaired?: number; target?: string }>;
  membershipReads?: { calls: number; members: number; pageSize: number };
}

describe('HubSpot: a full run reconciles the mirror and the segment lists with the CRM', () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;
  const inMirror = (id: string): Promise<boolean> => inStore(env, async (s) => (await s.getRecord(INST, 'contact', id)) !== undefined);
  const segment = (id: string): Promise<{ listId: string; members: Set<string> }> =>
    inStore(env, async (s) => ({ listId: (await s.getSetting(INST, `segment-target:${id}`)) as string, members: await s.getSegmentMembers(INST, id) }));

  // Several CLI runs per test: on a loaded machine each takes seconds.
  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 31, contacts: 80 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
    expect((await runCli(['sync', '--crm', 'hubspot'], env)).code).toBe(0);
  }, E2E_TIMEOUT);
  afterAll(async () => {
    await sb.close();
  }, E2E_TIMEOUT);

  it('a contact purged after the 90-day archive window leaves the mirror, its lists and the map on the next full run', async () => {
    const { listId, members } = await segment('emea');
    const gone = [...members][0] as string;
    // Archived 100 days ago (a run never saw it): HubSpot has purged it, it is in no list any more.
    sb.data.archiveRecord('contacts', gone, Date.now() - 100 * DAY);
    expect(sb.data.getRecord('contacts', gone)).toBeNull();
    // Searches and the archived list cannot show it: an incremental run keeps the ghost (and fails to write it).
    const incremental = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot'], env);
    expect(incremental.json.removed.contacts).toBe(0);
    expect(await inMirror(gone)).toBe(true);

    const full = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.removed).toMatchObject({ contacts: 1, swept: 1 });
    expect(await inMirror(gone)).toBe(false);
    expect((await segment('emea')).members.has(gone)).toBe(false);
    expect(sb.data.listMembers(listId)).not.toContain(gone);
    // HubSpot already dropped it from the list: no remove call was spent on it.
    expect(full.json.apiCalls.byEndpoint['lists.memberships.remove'] ?? 0).toBe(0);
    expect((await inStore(env, (s) => s.countRecords(INST))).contacts).toBe(sb.data.ids('contacts').length);
    // runs --id shows it.
    const shown = await runCli(['runs', '--id', String(full.json.runId)], env);
    expect(shown.stdout).toMatch(/removed: 1 contacts, 0 deals, 0 tickets \(1 no longer shown by the CRM\)/);
    const asJson = await runJson<{ summary: { removed: { contacts: number } } }>(['runs', '--id', String(full.json.runId)], env);
    expect(asJson.json.summary.removed.contacts).toBe(1);
  }, E2E_TIMEOUT);

  it('a GDPR-deleted contact is removed by a full run; a full run stopped mid-pull removes nothing', async () => {
    const gone = sb.data.ids('contacts')[5] as string;
    sb.data.gdprDelete(gone);
    // The daily limit stops the pass on its first page: nothing is swept.
    sb.faults.add({ path: /^\/crm\/v3\/objects\/contacts(\/search)?$/, status: 429, body: { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' } });
    const stopped = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(stopped.json.status).toBe('stopped');
    expect(await inMirror(gone)).toBe(true);
    sb.faults.clear();

    const full = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.removed).toMatchObject({ contacts: 1, swept: 1 });
    expect(await inMirror(gone)).toBe(false);
    const text = await runCli(['sync', '--crm', 'hubspot', '--full'], env);
    expect(text.stdout).not.toMatch(/removed:/); // nothing left to remove
  }, E2E_TIMEOUT);

  it('repairs list drift both ways on a full run, and reports the repairs per segment', async () => {
    const { listId, members } = await segment('emea');
    const [kept, dropped] = [...members] as [string, string];
    const outsider = sb.data.ids('contacts').find((id) => !members.has(id)) as string;
    expect(kept && dropped && outsider).toBeTruthy();
    // An admin edits the list by hand.
    sb.data.editListMembers(listId, { remove: [dropped], add: [outsider] });
    const incremental = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot'], env);
    expect(incremental.json.repaired).toBe(0); // incremental runs trust the store
    expect(sb.data.listMembers(listId)).not.toContain(dropped);

    const full = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(full.code).toBe(0);
    expect(full.json.segments.emea).toMatchObject({ added: 1, removed: 1, repaired: 2 });
    expect(full.json.repaired).toBe(2);
    expect(new Set(sb.data.listMembers(listId))).toEqual((await segment('emea')).members);
    expect(sb.data.listMembers(listId)).toContain(dropped);
    expect(sb.data.listMembers(listId)).not.toContain(outsider);
    // One page per list (≤ 250 members each): the read costs one call per segment here.
    const reads = full.json.membershipReads;
    expect(reads?.pageSize).toBe(250);
    expect(reads?.calls).toBe(Object.keys(full.json.segments).length);
    expect(full.json.apiCalls.byEndpoint['lists.memberships.read']).toBe(reads?.calls);
    const shown = await runCli(['runs', '--id', String(full.json.runId)], env);
    expect(shown.stdout).toMatch(/repaired: 2 memberships — emea 2/);
  }, E2E_TIMEOUT);

  it('a list an admin deleted is reported when the mapping says so, and recreated by default', async () => {
    const { listId, members } = await segment('emea');
    sb.data.deleteList(listId);
    const mapping = join(dirname(tempDb()), 'report.yaml');
    writeFileSync(mapping, readFileSync('mappings/hubspot.yaml', 'utf8').replace("segment_list_prefix: 'Parcours: '", "segment_list_prefix: 'Parcours: '\n  deleted_segment_list: report"));
    const reported = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full', '--mapping', mapping], env);
    expect(reported.code).toBe(0);
    expect(reported.json.segments.emea?.target).toBe('missing');
    const text = await runCli(['sync', '--crm', 'hubspot', '--full', '--mapping', mapping], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/emea \d+ \(\+0 −0, LIST DELETED in the CRM \(not recreated\)\)/);

    const recreated = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(recreated.code).toBe(0);
    expect(recreated.json.segments.emea).toMatchObject({ target: 'recreated', added: members.size, repaired: members.size });
    const now = await segment('emea');
    expect(now.listId).not.toBe(listId);
    expect(new Set(sb.data.listMembers(now.listId))).toEqual(now.members);
    const again = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot', '--full'], env);
    expect(again.json.segments.emea).toMatchObject({ added: 0, removed: 0, repaired: 0 });
    expect(again.json.segments.emea?.target).toBeUndefined();
  }, E2E_TIMEOUT);

  it('an incremental run whose list was deleted since recreates it instead of failing', async () => {
    const { listId, members } = await segment('emea');
    sb.data.deleteList(listId);
    // A contact enters emea: the incremental run has a member to add, and HubSpot answers 404.
    const newcomer = sb.data.ids('contacts').find((id) => !members.has(id)) as string;
    sb.data.updateRecord('contacts', newcomer, { country: 'France' });
    const run = await runJson<ReconcileJson>(['sync', '--crm', 'hubspot'], env);
    expect(run.code).toBe(0);
    expect(run.json.failed).toEqual([]);
    expect(run.json.segments.emea).toMatchObject({ target: 'recreated', added: members.size + 1 });
    const now = await segment('emea');
    expect(now.listId).not.toBe(listId);
    expect(now.members.has(newcomer)).toBe(true);
    expect(new Set(sb.data.listMembers(now.listId))).toEqual(now.members);
  }, E2E_TIMEOUT);
});
