/**
 * The canonical customer as a JSON file (for `parcours explain --customer`), parsed with zod.
 * Dates may be ISO 8601 strings or epoch milliseconds; the engine gets milliseconds.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import type { Customer } from '../model.ts';

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
const CustomerSchema = z.object({
  contact: ContactSchema,
  deals: z.array(DealSchema).default([]),
  tickets: z.array(TicketSchema).default([]),
});

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
  };
}
