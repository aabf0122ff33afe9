/** The report period: from `--since` (a date or date-time) or 90 days back, to now. */
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import { DAY_MS } from '../model.ts';
import type { Period } from './schema.ts';

export const DEFAULT_PERIOD_DAYS = 90;

const SinceSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** `since`: `YYYY-MM-DD` (UTC midnight), an ISO date-time, epoch ms, or undefined for the default. */
export function resolvePeriod(since: string | number | undefined, now: number): Period {
  let from: number;
  if (since === undefined) from = now - DEFAULT_PERIOD_DAYS * DAY_MS;
  else if (typeof since === 'number') from = since;
  else {
    const parsed = SinceSchema.safeParse(since);
    if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `--since: "${since}" is not a date (YYYY-MM-DD) or ISO date-time`, { since });
    from = Date.parse(parsed.data.length === 10 ? `${parsed.data}T00:00:00Z` : parsed.data);
  }
  if (!Number.isFinite(from)) throw new ParcoursError('INPUT_INVALID', '--since is not a valid time', { since });
  if (from > now) throw new ParcoursError('INPUT_INVALID', `--since ${new Date(from).toISOString()} is after now`, { since });
  return { from, to: now };
}
