/**
 * POST /crm/v4/associations/{from}/{to}/batch/read — up to 1,000 inputs; each result pages its own
 * associations with `paging.next.after`; `toObjectId` is a JSON number (hubspot.md §5).
 */
import type { Express } from 'express';
import { z } from 'zod';
import { validationError } from '../http-error.ts';
import { parseObjectType, singular, type ObjectType } from '../schema.ts';
import { parseBody, type SandboxContext } from '../context.ts';
import { associationTypeId } from '../store.ts';

const MAX_INPUTS = 1_000;
const Body = z.object({ inputs: z.array(z.object({ id: z.string(), after: z.string().optional() })) });

export function mountAssociationRoutes(app: Express, ctx: SandboxContext): void {
  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', (req, res) => {
    const startedAt = ctx.clock();
    const from = parseObjectType(req.params.fromObjectType);
    const to = parseObjectType(req.params.toObjectType);
    const body = parseBody(Body, req);
    if (body.inputs.length > MAX_INPUTS) throw validationError(`The maximum number of inputs supported in a batch request is ${MAX_INPUTS}`);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of body.inputs) {
      const rec = ctx.store.get(from, input.id);
      if (!rec || rec.archived) {
        missing.push(input.id);
        continue;
      }
      const ids = ctx.store.associated(from, input.id, to);
      const offset = input.after === undefined ? 0 : decodeCursor(input.after);
      const page = ids.slice(offset, offset + ctx.associationPageSize);
      const result: Record<string, unknown> = {
        from: { id: input.id },
        to: page.map((id) => ({ toObjectId: Number(id), associationTypes: associationTypes(from, to) })),
      };
      if (offset + page.length < ids.length) result['paging'] = { next: { after: encodeCursor(offset + page.length) } };
      results.push(result);
    }
    const base = { status: 'COMPLETE', results, startedAt: new Date(startedAt).toISOString(), completedAt: new Date(ctx.clock()).toISOString() };
    if (!missing.length) return void res.status(200).json(base);
    res.status(207).json({
      ...base,
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `No ${singular(from)} records found for ids: ${missing.join(', ')}`,
          context: { ids: missing },
          errors: [],
          links: {},
        },
      ],
    });
  });
}

function associationTypes(from: ObjectType, to: ObjectType): Array<{ category: string; typeId: number; label: string | null }> {
  const unlabeled = { category: 'HUBSPOT_DEFINED', typeId: associationTypeId(from, to), label: null };
  // Contact → company carries the primary label too, as the real API reports it.
  if (from === 'contacts' && to === 'companies') return [{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }, unlabeled];
  if (from === 'companies' && to === 'contacts') return [{ category: 'HUBSPOT_DEFINED', typeId: 2, label: 'Primary' }, unlabeled];
  return [unlabeled];
}

/** Opaque cursor, like HubSpot's base64 ones; clients must not parse it. */
function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(after: string): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  if (!m) throw validationError(`Invalid after cursor: ${after}`);
  return Number(m[1]);
}
