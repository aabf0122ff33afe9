/**
 * Touchpoints per stage: the channel each customer came through (contact source) and the channels
 * they contacted support on (ticket/case channel, tickets created within the period).
 * Counts distinct customers per (stage, kind, channel).
 */
import type { Customer } from '../../model.ts';
import { inPeriod, type Period, type Touchpoint } from '../schema.ts';

export const NO_CHANNEL = '(none)';

export interface Touchpoints {
  add(stage: string, customer: Customer): void;
  result(stageOrder: readonly string[]): Touchpoint[];
}

export function createTouchpoints(period: Period): Touchpoints {
  const counts = new Map<string, number>();
  const bump = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  return {
    add(stage, customer) {
      bump(`${stage}\u0000source\u0000${customer.contact.source ?? NO_CHANNEL}`);
      const seen = new Set<string>();
      for (const t of customer.tickets) {
        if (!inPeriod(t.createdAt, period)) continue;
        const channel = t.channel ?? NO_CHANNEL;
        if (seen.has(channel)) continue;
        seen.add(channel);
        bump(`${stage}\u0000support\u0000${channel}`);
      }
    },
    result(stageOrder) {
      const rank = new Map(stageOrder.map((s, i) => [s, i]));
      const rows = [...counts].map(([key, customers]) => {
        const [stage, kind, channel] = key.split('\u0000') as [string, Touchpoint['kind'], string];
        return { stage, kind, channel, customers };
      });
      return rows.sort(
        (a, b) => (rank.get(a.stage) ?? 1e9) - (rank.get(b.stage) ?? 1e9) || a.kind.localeCompare(b.kind) || b.customers - a.customers || a.channel.localeCompare(b.channel),
      );
    },
  };
}
