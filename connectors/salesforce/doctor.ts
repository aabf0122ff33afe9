/**
 * Preflight checks, each with its fix: session, API version, owned fields present and visible (FLS),
 * picklist values, campaigns, and the daily API budget (`GET /limits`, DailyApiRequests).
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
 */
import { z } from 'zod';
import type { DoctorCheck, JourneyFieldSpec } from '../port.ts';
import { ParcoursError } from '../../src/errors.ts';
import type { SalesforceClient } from './client.ts';
import { OBJECTS_OF_KIND } from './field-plan.ts';
import { campaignName, findCampaigns } from './campaigns.ts';
import { taskChecks } from './tasks.ts';
import { historyChecks } from './history-tracking.ts';

const SETUP = 'Run `parcours setup --crm salesforce`: it creates the fields, grants them to the Parcours permission set assigned to the integration user, and creates the campaigns.';

const Describe = z.object({
  fields: z.array(z.object({ name: z.string(), updateable: z.boolean().optional(), picklistValues: z.array(z.object({ value: z.string(), active: z.boolean().optional() }).loose()).optional() }).loose()),
});
const Limits = z.object({ DailyApiRequests: z.object({ Max: z.number(), Remaining: z.number() }) }).loose();
const Versions = z.array(z.object({ version: z.string() }).loose());

function failure(id: string, error: unknown, fix: string): DoctorCheck {
  const detail = error instanceof ParcoursError ? `${error.code}: ${error.message}` : String(error);
  return { id, ok: false, detail, fix };
}

export async function doctor(client: SalesforceClient, spec: JourneyFieldSpec): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    const res = await client.call<unknown>('metadata', { method: 'GET', url: '/services/oauth2/userinfo' });
    const info = z.object({ user_id: z.string(), preferred_username: z.string().optional() }).loose().parse(res.body);
    checks.push({ id: 'salesforce.session', ok: true, detail: `Connected as ${info.preferred_username ?? info.user_id}` });
  } catch (error) {
    // Without a session nothing else can be checked.
    return [failure('salesforce.session', error, 'Reconnect the org (new refresh token, or check the JWT certificate, consumer key and that the user is pre-authorized for the connected app).')];
  }

  try {
    const res = await client.call<unknown>('metadata', { method: 'GET', url: '/services/data/' });
    const versions = Versions.parse(res.body).map((v) => v.version);
    const ok = versions.includes(client.config.apiVersion);
    checks.push({
      id: 'salesforce.api-version', ok,
      detail: ok ? `API ${client.config.apiVersion} is supported` : `API ${client.config.apiVersion} is not offered by this org (latest ${versions.at(-1) ?? 'unknown'})`,
      ...(ok ? {} : { fix: `Set the Salesforce API version to one the org supports, e.g. ${versions.at(-1) ?? '66.0'}.` }),
    });
  } catch (error) {
    checks.push(failure('salesforce.api-version', error, 'Check the instance URL.'));
  }

  for (const kind of ['contact', 'deal', 'ticket'] as const) {
    const wanted = spec.fields.filter((f) => f.kind === kind);
    if (wanted.length === 0) continue;
    for (const object of OBJECTS_OF_KIND[kind]) {
      const id = `salesforce.fields.${object}`;
      try {
        const res = await client.call<unknown>('metadata', { method: 'GET', url: `/sobjects/${object}/describe` });
        const fields = new Map(Describe.parse(res.body).fields.map((f) => [f.name, f]));
        const problems: string[] = [];
        for (const f of wanted) {
          const found = fields.get(f.name);
          if (!found) problems.push(`${f.name} missing or hidden by field-level security`);
          else if (found.updateable === false) problems.push(`${f.name} is read-only for the integration user`);
          else if (f.options) {
            const have = new Set((found.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value));
            const lacking = f.options.filter((o) => !have.has(o.value)).map((o) => o.value);
            if (lacking.length > 0) problems.push(`${f.name} lacks picklist values ${lacking.join(', ')}`);
          }
        }
        checks.push(problems.length === 0
          ? { id, ok: true, detail: `${wanted.length} owned fields present, writable, values complete` }
          : { id, ok: false, detail: problems.join('; '), fix: SETUP });
      } catch (error) {
        checks.push(failure(id, error, SETUP));
      }
    }
  }

  if (spec.segments.length > 0) {
    try {
      const names = spec.segments.map((s) => campaignName(client, s.name));
      const found = await findCampaigns(client, names);
      const missing = names.filter((n) => !found.has(n));
      checks.push(missing.length === 0
        ? { id: 'salesforce.campaigns', ok: true, detail: `${names.length} segment campaigns exist` }
        : { id: 'salesforce.campaigns', ok: false, detail: `missing campaigns: ${missing.join(', ')}`, fix: `${SETUP} Campaigns also need the Marketing User setting on the integration user.` });
    } catch (error) {
      checks.push(failure('salesforce.campaigns', error, 'Give the integration user the Marketing User setting (Campaign access).'));
    }
  }

  // Follow-up tasks (create, assign to owners) and the stage field's history tracking (issue 14).
  checks.push(...(await taskChecks(client)), ...(await historyChecks(client, spec)));

  try {
    const res = await client.call<unknown>('metadata', { method: 'GET', url: '/limits' });
    const { Max, Remaining } = Limits.parse(res.body).DailyApiRequests;
    const floor = Math.ceil(Max * client.config.apiReserve);
    const ok = Remaining > floor;
    checks.push({
      id: 'salesforce.api-budget', ok,
      detail: `${Remaining} of ${Max} daily API requests left; Parcours stops at ${floor} (reserve ${Math.round(client.config.apiReserve * 100)} %)`,
      ...(ok ? {} : { fix: 'Wait for the rolling 24 h window to free requests, lower the reserve, or buy more API capacity.' }),
    });
  } catch (error) {
    checks.push(failure('salesforce.api-budget', error, 'Give the integration user "View Setup and Configuration" so /limits can be read.'));
  }
  return checks;
}
