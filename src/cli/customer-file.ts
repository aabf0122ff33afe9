/**
 * The canonical customer as a JSON file (for `parcours explain --customer`), parsed with zod.
 * Dates may be ISO 8601 strings or epoch milliseconds; the engine gets milliseconds.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import { SURVEY_TYPES, TOUCHPOINT_CHANNELS, TOUCHPOINT_DIRECTIONS, TOUCHPOINT_OUTCOMES, type Customer, type TouchpointRecord } from '../model.ts';

const time = z
  .union([z.number(), z.string()])
  .nullable()
  .default(null)
  .transform((v, ctx) => {
    if (v === null || typeof v === 'number') return v;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date: "${v}"` });
      return z.NEVER;
    }
    return ms;
  });
/** A date that must be there (inside dated history). */
const at = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: "${String(v)}"` });
    return z.NEVER;
  }
  return ms;
});
const str = z.string().nullable().default(null);
const num = z.number().nullable().default(null);
const raw = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({});

const ContactSchema = z.object({
  id: z.string(), objectType: z.string().default('contacts'), raw, updatedAt: time, email: str, name: str,
  createdAt: time, lifecycle: str, source: str, country: str, industry: str, employees: num, npsScore: num, csat: num,
  /** When the contact entered each lifecycle value (dates stage entries). */
  lifecycleDates: z.record(z.string(), at).optional(),
});
const DealSchema = z.object({
  id: z.string(), objectType: z.string().default('deals'), raw, updatedAt: time, name: str, amount: num, pipeline: str,
  stage: str, isClosed: z.boolean().default(false), isWon: z.boolean().default(false), createdAt: time,
  stageEnteredAt: time, closedAt: time, stagesReached: z.array(z.string()).default([]), contactIds: z.array(z.string()).default([]),
  /** Dated stage entries, oldest first (dates stage entries). */
  stageHistory: z.array(z.object({ stage: z.string(), at })).optional(),
});
const TicketSchema = z.object({
  id: z.string(), objectType: z.string().default('tickets'), raw, updatedAt: time, subject: str, status: str,
  isOpen: z.boolean().default(false), priority: str, channel: str, createdAt: time, closedAt: time, firstResponseAt: time,
  contactIds: z.array(z.string()).default([]),
});
const TouchpointSchema = z.object({
  id: z.string().min(1), objectType: z.string().min(1), raw, updatedAt: time,
  channel: z.enum(TOUCHPOINT_CHANNELS), rawChannel: str, direction: z.enum(TOUCHPOINT_DIRECTIONS).nullable().default(null), at: time,
  outcome: z.enum(TOUCHPOINT_OUTCOMES).nullable().default(null), rawOutcome: str,
  contactIds: z.array(z.string()).default([]), dealIds: z.array(z.string()).default([]), ticketIds: z.array(z.string()).default([]),
  survey: z
    .object({
      type: z.enum(SURVEY_TYPES), score: num, scale: z.object({ min: z.number(), max: z.number() }),
      sentiment: z.enum(['positive', 'neutral', 'negative']).nullable().default(null),
    })
    .nullable()
    .default(null),
});
const CustomerSchema = z.object({
  contact: ContactSchema,
  deals: z.array(DealSchema).default([]),
  tickets: z.array(TicketSchema).default([]),
  /** Interactions and survey answers (issue 13); any order (sorted oldest first here). Absent: not read. */
  touchpoints: z.array(TouchpointSchema).optional(),
});

/** Oldest first, as the store gives them (untimed ones first); the engine relies on the order. */
export function sortTouchpoints(list: TouchpointRecord[]): TouchpointRecord[] {
  return [...list].sort((a, b) => (a.at ?? -1) - (b.at ?? -1) || (a.objectType < b.objectType ? -1 : a.objectType > b.objectType ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function readCustomerFile(file: string): Customer {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ParcoursError('INPUT_INVALID', `${file}: cannot read customer JSON: ${(error as Error).message}`, { file });
  }
  const parsed = CustomerSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file} ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ParcoursError('INPUT_INVALID', lines.join('\n'), { file });
  }
  const c = parsed.data;
  const { lifecycleDates, ...contact } = c.contact;
  return {
    contact: { kind: 'contact', ...contact, ...(lifecycleDates ? { lifecycleDates } : {}) },
    deals: c.deals.map(({ stageHistory, ...d }) => ({ kind: 'deal', ...d, ...(stageHistory ? { stageHistory: [...stageHistory].sort((a, b) => a.at - b.at) } : {}) })),
    tickets: c.tickets.map((t) => ({ kind: 'ticket', ...t })),
    ...(c.touchpoints ? { touchpoints: sortTouchpoints(c.touchpoints.map((t) => ({ kind: 'touchpoint', ...t }))) } : {}),
  };
}
