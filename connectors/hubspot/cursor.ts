import { z } from 'zod';
import type { Cursor } from '../../connectors/port.ts';
import { ParcoursError } from '../../src/errors.ts';

/**
 * Per-kind cursor. `watermark`: greatest modified time (ms) fully stored. `full`: a full pass in progress
 * (resume after `after`; `after: null` = live records done, archived pass pending), so a full sync
 * stopped by the daily quota resumes where it stopped instead of starting over.
 */
const cursorSchema = z.object({
  watermark: z.number().optional(),
  full: z.object({ after: z.string().nullable(), startedAt: z.number() }).optional(),
  /**
   * Records already stored whose modified time lies in the overlap window (id → modified ms). The next
   * run's overlapping search returns them again; unchanged ones are skipped, so a quiet re-run costs no
   * association reads.
   */
  recent: z.record(z.string(), z.number()).optional(),
});
export type HubspotCursor = z.infer<typeof cursorSchema>;

export function readCursor(raw: Cursor | undefined): HubspotCursor {
  if (raw === undefined) return {};
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `Saved HubSpot cursor is not valid: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`, { crm: 'hubspot' });
  return parsed.data;
}

export function toCursor(c: HubspotCursor): Cursor {
  const out: Cursor = {};
  if (c.watermark !== undefined) out.watermark = c.watermark;
  if (c.full !== undefined) out.full = c.full;
  if (c.recent !== undefined && Object.keys(c.recent).length > 0) out.recent = c.recent;
  return out;
}
