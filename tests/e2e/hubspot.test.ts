import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubspotSandbox, type HubspotSandbox } from '../../sandbox/hubspot/index.ts';
import { inStore, runCli, runJson, startCli, storeEnv, type SyncJson } from './cli.ts';
import { HS_BURST, hubspotIncrementalFloor, hubspotTouchpointIncrementalFloor, withTouchpoints } from '../../bench/floors.ts';
import { ownedSpec } from '../../bench/sandbox-child.ts';
import { hubspotOwned, hubspotState, hubspotTouchpointState, hubspotWritesBetween } from '../../bench/sandbox-state.ts';
import { compileEngine } from '../../src/journey/engine.ts';
import { loadMapping } from '../../src/mapping/load.ts';


const writeCalls = (s: SyncJson) =>
  Object.entries(s.apiCalls.byEndpoint).filter(([k]) => /batch\.update|memberships\.(add|remove)/.test(k)).reduce((n, [, v]) => n + v, 0);

// Every sync now also pulls the sandbox's touchpoints (≈ 16 per contact): slower CLI runs on a loaded machine.
describe('HubSpot end to end: the real CLI against the sandbox', { timeout: 120_000 }, () => {
  let sb: HubspotSandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    sb = await startHubspotSandbox({ port: 0, seed: 11, contacts: 150 });
    env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
  });
  afterAll(async () => {
    await sb.close();
  });

  it('setup is idempotent: the second run creates nothing', async () => {
    const first = await runJson<{ created: string[]; unchanged: string[]; segmentTargets: Record<string, string> }>(['setup', '--crm', 'hubspot'], env);
    expect(first.code).toBe(0);
    expect(first.json.created.length).toBeGreaterThan(0);
    expect(Object.keys(first.json.segmentTargets).sort()).toEqual(['at_risk', 'emea', 'enterprise', 'high_value', 'new_lead', 'repeat_buyer']);
    const second = await runJson<{ created: string[]; updated: string[]; unchanged: string[] }>(['setup', '--crm', 'hubspot'], env);
    expect(second.code).toBe(0);
    expect(second.json.created).toEqual([]);
    expect(second.json.updated).toEqual([]);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const before = sb.calls.length;
    const r = await runJson<SyncJson>(['sync', '--crm', 'hubspot', '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.changed.contacts).toBe(150);
    expect(r.json.written).toBe(0);
    const writes = sb.calls.slice(before).filter((c) => c.method !== 'GET' && !c.path.endsWith('/search') && !c.path.endsWith('/batch/read'));
    expect(writes).toEqual([]);
    const text = await runCli(['sync', '--crm', 'hubspot', '--dry-run'], env);
    expect(text.stdout).toMatch(/DRY RUN — nothing written/);
    expect(text.stdout).toMatch(/contact\.parcours_stage: 150 changes/);
  });

  it('a full sync writes every customer, then an unchanged re-run makes zero write calls', async () => {
    const full = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(full.code).toBe(0);
    expect(full.json.status).toBe('succeeded');
    expect(full.json.written).toBeGreaterThanOrEqual(150);
    const contact = sb.data.getRecord('contacts', sb.data.ids('contacts')[0] as string);
    expect(contact?.properties.parcours_stage).toMatch(/^(awareness|consideration|decision|purchase|post_purchase)$/);
    expect(contact?.properties.parcours_stage_reason).toMatch(/^\w+: /);

    const again = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(again.code).toBe(0);
    // Our own writes bumped lastmodifieddate: the incremental run sees them and recognises its own values.
    expect(again.json.pulled.contacts).toBeGreaterThan(0);
    expect(again.json.written).toBe(0);
    expect(writeCalls(again.json)).toBe(0);
  });

  it('an unchanged re-run makes exactly the independent floor of calls: the schema and pipelines come from the store', async () => {
    const owned = ownedSpec(compileEngine(loadMapping('mappings/hubspot.yaml')).mapping);
    const since = Date.now();
    const before = hubspotOwned(sb, owned);
    const callsBefore = sb.calls.length;
    const r = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(r.code).toBe(0);
    // From the sandbox's own call log and state, not from Parcours's counters.
    const calls = sb.calls.slice(callsBefore);
    // Every run also pulls touchpoints: their floor (changed since the last run) is added, as the benchmark does.
    const tp = hubspotTouchpointIncrementalFloor(hubspotTouchpointState(sb, since), HS_BURST).reads;
    const floor = withTouchpoints(hubspotIncrementalFloor(hubspotState(sb, since), hubspotWritesBetween(before, hubspotOwned(sb, owned))), tp);
    expect(calls.filter((c) => /\/properties\/|\/pipelines\//.test(c.path))).toEqual([]);
    // Listed with their statuses, so a failure names the extra call.
    expect(calls.length, calls.map((c) => `${c.status} ${c.method} ${c.path}`).join('\n')).toBe(floor.calls);
  });

  it('a change in the CRM shows up in the next incremental run, and only the affected records are written', async () => {
    const dealId = sb.data.ids('deals').find((id) => {
      const d = sb.data.getRecord('deals', id);
      return d?.properties.pipeline === 'default' && !['closedwon', 'closedlost'].includes(String(d.properties.dealstage));
    }) as string;
    const contactId = sb.data.associated('deals', dealId, 'contacts')[0] as string;
    // Losing the deal after a late stage raises abandoned_checkout on the deal and its contact.
    sb.data.updateRecord('deals', dealId, { dealstage: 'contractsent' });
    sb.data.updateRecord('deals', dealId, { dealstage: 'closedlost', closedate: new Date().toISOString() });
    const r = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(r.code).toBe(0);
    expect(r.json.changed.deals).toBeGreaterThanOrEqual(1);
    expect(r.json.changed.contacts).toBeLessThanOrEqual(2);
    expect(sb.data.getRecord('deals', dealId)?.properties.parcours_friction).toContain('abandoned_checkout');
    expect(sb.data.getRecord('contacts', contactId)?.properties.parcours_friction).toContain('abandoned_checkout');
  });

  it('rollback restores what a run overwrote, and skips fields changed since', async () => {
    const contactId = sb.data.ids('contacts')[3] as string;
    sb.data.updateRecord('contacts', contactId, { lifecyclestage: 'customer' });
    const otherId = sb.data.ids('contacts')[4] as string;
    sb.data.updateRecord('contacts', otherId, { lifecyclestage: 'customer' });
    const beforeStage = sb.data.getRecord('contacts', contactId)?.properties.parcours_stage;
    const run = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(run.json.written).toBeGreaterThan(0);
    const after = sb.data.getRecord('contacts', contactId)?.properties.parcours_stage;
    expect(after).not.toBe(beforeStage);
    // Someone edits one of the written fields by hand: rollback must leave it alone.
    sb.data.updateRecord('contacts', otherId, { parcours_stage_reason: 'edited by an admin' });
    const rb = await runJson<{ restored: number; skipped: Array<{ id: string; field: string }> }>(['rollback', '--run', String(run.json.runId)], env);
    expect(rb.code).toBe(0);
    expect(rb.json.restored).toBeGreaterThan(0);
    expect(sb.data.getRecord('contacts', contactId)?.properties.parcours_stage).toBe(beforeStage);
    expect(rb.json.skipped).toContainEqual(expect.objectContaining({ id: otherId, field: 'parcours_stage_reason' }));
    expect(sb.data.getRecord('contacts', otherId)?.properties.parcours_stage_reason).toBe('edited by an admin');
    // The rollback paused the installation: the next sync is refused until resume.
    const refused = await runCli(['sync', '--crm', 'hubspot'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('parcours resume --crm hubspot');
    expect(sb.data.getRecord('contacts', contactId)?.properties.parcours_stage).toBe(beforeStage);
    expect((await runCli(['resume', '--crm', 'hubspot'], env)).code).toBe(0);
  }, 120_000);

  it('archived and merged-away contacts leave the mirror and the segment lists', async () => {
    const { listId, members } = await inStore(env, async (s) => ({
      listId: (await s.getSetting('hubspot:default', 'segment-target:emea')) as string,
      members: [...await s.getSegmentMembers('hubspot:default', 'emea')],
    }));
    expect(members.length).toBeGreaterThanOrEqual(3);
    const [archived, survivor, merged] = members as [string, string, string];
    expect(sb.data.listMembers(listId)).toEqual(expect.arrayContaining([archived, merged]));
    sb.data.archiveRecord('contacts', archived);
    sb.data.mergeContacts(survivor, merged);
    const r = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
    expect(r.code).toBe(0);
    const after = sb.data.listMembers(listId);
    expect(after).not.toContain(archived);
    expect(after).not.toContain(merged);
    expect(after).toContain(survivor);
    await inStore(env, async (s) => {
      expect(await s.getRecord('hubspot:default', 'contact', archived)).toBeUndefined();
      expect(await s.getRecord('hubspot:default', 'contact', merged)).toBeUndefined();
    });
  });

  it('runs lists every run with its outcome', async () => {
    const r = await runJson<Array<{ id: number; status: string; mode: string }>>(['runs'], env);
    expect(r.code).toBe(0);
    expect(r.json.length).toBeGreaterThanOrEqual(5);
    expect(r.json.map((x) => x.mode)).toContain('rollback');
  });
});

describe('HubSpot end to end: a run killed mid-push', () => {
  it('is finished by the next run: every record correct, no duplicate list member', { timeout: 240_000 }, async () => {
    // 1,200 contacts: three pushes of 400 (the four batch updates of one push go side by side, two pushes at
    // a time), so killing the run once the first batch update has been answered stops it mid-push.
    const sb = await startHubspotSandbox({ port: 0, seed: 5, contacts: 1200 });
    const env = { HUBSPOT_BASE_URL: sb.url, HUBSPOT_ACCESS_TOKEN: sb.accessToken, ...storeEnv() };
    try {
      expect((await runCli(['setup', '--crm', 'hubspot'], env)).code).toBe(0);
      // The first full sync writes 1,200 contacts (3 pushes of 4 batches) plus deals and tickets; slow each
      // batch update and kill the process once the first has been answered.
      sb.faults.add({ method: 'POST', path: /batch\/update$/, delayMs: 700, times: 20 });
      const child = startCli(['sync', '--crm', 'hubspot'], env);
      // The pushes start after the pull, touchpoints included (≈ 6,400 here): allow for a loaded machine.
      const deadline = Date.now() + 90_000;
      while (!sb.calls.some((c) => c.path.endsWith('/batch/update')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      sb.faults.clear();
      const written = sb.data.ids('contacts').filter((id) => sb.data.getRecord('contacts', id)?.properties.parcours_stage).length;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(1200); // killed mid-push

      const next = await runJson<SyncJson>(['sync', '--crm', 'hubspot'], env);
      expect(next.code).toBe(0);
      expect(sb.data.ids('contacts').every((id) => sb.data.getRecord('contacts', id)?.properties.parcours_stage)).toBe(true);
      const verify = await runJson<SyncJson>(['sync', '--crm', 'hubspot', '--full', '--dry-run'], env);
      expect(verify.json.changed).toEqual({ contacts: 0, deals: 0, tickets: 0 });
      const { listId, expected } = await inStore(env, async (s) => ({
        listId: (await s.getSetting('hubspot:default', 'segment-target:emea')) as string,
        expected: await s.getSegmentMembers('hubspot:default', 'emea'),
      }));
      const members = sb.data.listMembers(listId);
      expect(new Set(members).size).toBe(members.length);
      expect(new Set(members)).toEqual(expected);
    } finally {
      await sb.close();
    }
  });
});
