/**
 * Owners tasks can be assigned to: `GET /crm/v3/owners?limit=100&archived=…&after=…`, read to the end,
 * active owners first, then the archived ones (deactivated users, `active: false`). Only `PERSON` owners:
 * a `QUEUE` is not someone a follow-up task can be for. Scope `crm.objects.owners.read`.
 * `id` is what `hubspot_owner_id` takes; `userId` is the user's id and fails as an owner.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
 */
import { z } from 'zod';
import { hubspotPaths } from './paths.ts';
import type { HubspotTransport } from './transport.ts';

/** 100 per page: the SDK's default page size; the documented response pages with `paging.next.after`. */
export const OWNERS_PAGE = 100;

const ownerPageSchema = z
  .object({
    results: z.array(
      z
        .object({
          id: z.union([z.string(), z.number()]).transform(String),
          email: z.string().nullable().optional(),
          firstName: z.string().nullable().optional(),
          lastName: z.string().nullable().optional(),
          type: z.string().optional(),
          archived: z.boolean().optional(),
        })
        .loose(),
    ),
    paging: z.object({ next: z.object({ after: z.string() }).loose().optional() }).loose().optional(),
  })
  .loose();

export interface CrmOwner {
  id: string;
  email: string | null;
  name: string | null;
  active: boolean;
}

export async function readOwners(t: HubspotTransport): Promise<CrmOwner[]> {
  const out: CrmOwner[] = [];
  for (const archived of [false, true]) {
    let after: string | undefined;
    do {
      const page = await t.data({
        endpoint: 'owners.list',
        method: 'GET',
        path: hubspotPaths.owners(),
        qs: { limit: String(OWNERS_PAGE), archived: String(archived), ...(after ? { after } : {}) },
        schema: ownerPageSchema,
      });
      for (const o of page.results) {
        if (o.type !== undefined && o.type !== 'PERSON') continue;
        const name = [o.firstName, o.lastName].filter((v) => v).join(' ').trim();
        out.push({ id: o.id, email: o.email ?? null, name: name === '' ? null : name, active: !archived });
      }
      after = page.paging?.next?.after;
    } while (after !== undefined);
  }
  return out;
}
