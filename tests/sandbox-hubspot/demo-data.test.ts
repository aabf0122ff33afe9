import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/model.ts';
import { generatePersonas, type Persona } from '../../sandbox/demo-data.ts';
import { NOW } from './helpers.ts';

const take = (seed: number, count: number): Persona[] => [...generatePersonas({ seed, count, now: NOW })];

describe('generatePersonas', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(take(7, 300)).toEqual(take(7, 300));
    expect(JSON.stringify(take(8, 50))).not.toEqual(JSON.stringify(take(7, 50)));
  });

  it('streams: persona N does not depend on how many are asked for', () => {
    const gen = generatePersonas({ seed: 3, count: 1_000_000, now: NOW });
    const first = gen.next().value as Persona;
    expect(first.index).toBe(0);
    expect(take(3, 1)[0]?.firstName).toBe(first.firstName);
  });

  it('has a funnel shape and every default stage, flag and segment condition', () => {
    const people = take(42, 2000);
    const c = (pred: (p: Persona) => boolean) => people.filter(pred).length;
    const won = (p: Persona) => p.deals.filter((d) => d.outcome === 'won');
    const open = (p: Persona) => p.deals.filter((d) => d.outcome === 'open');
    const awareness = c((p) => p.deals.length === 0 && ['subscriber', 'lead', 'other', null].includes(p.lifecycle));
    const customers = c((p) => won(p).length > 0);
    const openDeals = c((p) => open(p).length > 0);
    expect(awareness).toBeGreaterThan(openDeals);
    expect(openDeals).toBeGreaterThan(0);
    expect(awareness).toBeGreaterThan(customers);

    const conditions: Record<string, (p: Persona) => boolean> = {
      consideration: (p) => p.lifecycle === 'marketingqualifiedlead' || p.lifecycle === 'salesqualifiedlead' || open(p).some((d) => d.step < 2),
      decision: (p) => p.lifecycle === 'opportunity' || open(p).some((d) => d.step >= 2),
      purchase: (p) => won(p).some((d) => NOW - (d.closedAt ?? 0) <= 90 * DAY_MS),
      post_purchase: (p) => won(p).some((d) => NOW - (d.closedAt ?? 0) > 90 * DAY_MS),
      stalled_deal: (p) => open(p).some((d) => NOW - d.stageEnteredAt > 30 * DAY_MS),
      fresh_open_deal: (p) => open(p).some((d) => NOW - d.stageEnteredAt < 30 * DAY_MS),
      abandoned_checkout: (p) => p.deals.some((d) => d.outcome === 'lost' && d.maxStep >= 2 && NOW - (d.closedAt ?? 0) <= 90 * DAY_MS),
      slow_reply: (p) => p.tickets.some((t) => t.firstResponseAt !== null && t.firstResponseAt - t.createdAt > DAY_MS),
      fast_reply: (p) => p.tickets.some((t) => t.firstResponseAt !== null && t.firstResponseAt - t.createdAt < DAY_MS),
      no_reply: (p) => p.tickets.some((t) => t.firstResponseAt === null),
      repeat_contact: (p) => p.tickets.filter((t) => NOW - t.createdAt <= 30 * DAY_MS).length >= 3,
      unresolved_ticket: (p) => p.tickets.some((t) => t.closedAt === null && NOW - t.createdAt > 7 * DAY_MS),
      detractor_nps: (p) => p.nps !== null && p.nps <= 6,
      detractor_csat: (p) => p.csat === 0,
      new_lead: (p) => NOW - p.createdAt <= 30 * DAY_MS,
      repeat_buyer: (p) => won(p).length >= 2,
      high_value: (p) => won(p).some((d) => (d.amount ?? 0) >= 10_000),
      enterprise: (p) => (p.company?.employees ?? 0) >= 1000,
      missing_email: (p) => p.email === null,
      long_description: (p) => p.tickets.some((t) => t.description.length > 10_000),
      ancient_record: (p) => p.createdAt < Date.UTC(2000, 0, 1),
    };
    for (const [name, pred] of Object.entries(conditions)) expect([name, c(pred) >= 3]).toEqual([name, true]);
    expect(new Set(people.map((p) => p.country)).size).toBeGreaterThan(5);
  });

  it('keeps dates coherent: nothing in the future, closes after creation', () => {
    for (const p of take(11, 1500)) {
      for (const d of p.deals) {
        expect(d.createdAt).toBeLessThanOrEqual(NOW);
        if (d.closedAt !== null) expect(d.closedAt).toBeGreaterThanOrEqual(d.createdAt);
        expect(d.maxStep).toBeGreaterThanOrEqual(d.outcome === 'won' ? 4 : d.step);
      }
      for (const t of p.tickets) {
        if (t.firstResponseAt !== null) expect(t.firstResponseAt).toBeLessThanOrEqual(NOW);
        if (t.closedAt !== null) expect(t.closedAt).toBeGreaterThanOrEqual(t.createdAt);
      }
    }
  });
});
