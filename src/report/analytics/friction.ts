/**
 * Friction by stage and by channel (the heat map), sample reasons, and the most affected records.
 *
 * A flag's channel is the channel of the ticket it sits on; a flag on a deal or on the contact
 * alone takes the contact's source. When a flag is on tickets/deals and copied onto the contact,
 * the copy is ignored for channels (it would count the customer twice).
 * Customers are counted once per flag (and once per flag and channel).
 */
import type { Customer, JourneyState, Severity } from '../../model.ts';
import type { AffectedRecord, FrictionReport } from '../schema.ts';
import { NO_CHANNEL } from './touchpoints.ts';

export interface FlagInfo {
  id: string;
  label: string;
  severity: Severity;
}

const WEIGHT: Record<Severity, number> = { low: 1, medium: 2, high: 3 };
const SAMPLE_REASONS = 3;

export interface Friction {
  add(stage: string, customer: Customer, state: Pick<JourneyState, 'friction'>): void;
  result(): { flags: FrictionReport[]; mostAffected: Array<Omit<AffectedRecord, 'url'>> };
}

interface FlagTotals {
  customers: number;
  byStage: Map<string, number>;
  byChannel: Map<string, number>;
  cells: Map<string, number>;
  reasons: string[];
}

export function createFriction(flags: readonly FlagInfo[], topRecords = 10): Friction {
  const totals = new Map<string, FlagTotals>(
    flags.map((f) => [f.id, { customers: 0, byStage: new Map(), byChannel: new Map(), cells: new Map(), reasons: [] }]),
  );
  const severity = new Map(flags.map((f) => [f.id, f.severity]));
  // Kept sorted best-first and cut to `topRecords`, so memory stays bounded.
  let top: Array<Omit<AffectedRecord, 'url'>> = [];

  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };

  function offer(rec: Omit<AffectedRecord, 'url'>): void {
    const worst = top.at(-1);
    if (top.length >= topRecords && worst && compareAffected(rec, worst) >= 0) return;
    top.push(rec);
    top.sort(compareAffected);
    if (top.length > topRecords) top = top.slice(0, topRecords);
  }

  return {
    add(stage, customer, state) {
      if (state.friction.length === 0) return;
      const ticketChannel = new Map(customer.tickets.map((t) => [t.id, t.channel ?? NO_CHANNEL]));
      const source = customer.contact.source ?? NO_CHANNEL;
      const channelsByFlag = new Map<string, Set<string>>();
      const onlyContact = new Map<string, boolean>();
      for (const f of state.friction) {
        const contactOnly = f.on.kind === 'contact';
        onlyContact.set(f.id, (onlyContact.get(f.id) ?? true) && contactOnly);
      }
      const byRecord = new Map<string, { ref: JourneyState['friction'][number]['on']; flags: string[]; reasons: string[] }>();
      for (const f of state.friction) {
        const t = totals.get(f.id);
        if (t && t.reasons.length < SAMPLE_REASONS && !t.reasons.includes(f.reason)) t.reasons.push(f.reason);
        const key = `${f.on.kind}:${f.on.id}`;
        const rec = byRecord.get(key) ?? { ref: f.on, flags: [], reasons: [] };
        if (!rec.flags.includes(f.id)) {
          rec.flags.push(f.id);
          rec.reasons.push(f.reason);
        }
        byRecord.set(key, rec);
        if (f.on.kind === 'contact' && !onlyContact.get(f.id)) continue;
        const channel = f.on.kind === 'ticket' ? (ticketChannel.get(f.on.id) ?? NO_CHANNEL) : source;
        const set = channelsByFlag.get(f.id) ?? new Set<string>();
        set.add(channel);
        channelsByFlag.set(f.id, set);
      }
      for (const [id, channels] of channelsByFlag) {
        const t = totals.get(id);
        if (!t) continue; // a flag the mapping does not declare cannot happen; skip rather than invent a label
        t.customers++;
        bump(t.byStage, stage);
        for (const c of channels) {
          bump(t.byChannel, c);
          bump(t.cells, `${stage}\u0000${c}`);
        }
      }
      for (const rec of byRecord.values()) {
        const score = rec.flags.reduce((s, id) => s + WEIGHT[severity.get(id) ?? 'low'], 0);
        offer({ kind: rec.ref.kind, objectType: rec.ref.objectType, id: rec.ref.id, contactId: customer.contact.id, flags: rec.flags, score, reasons: rec.reasons, ...(rec.ref.crm ? { crm: rec.ref.crm } : {}) });
      }
    },
    result() {
      const list: FrictionReport[] = flags.map((f) => {
        const t = totals.get(f.id) as FlagTotals;
        return {
          id: f.id,
          label: f.label,
          severity: f.severity,
          customers: t.customers,
          byStage: Object.fromEntries(t.byStage),
          byChannel: Object.fromEntries(t.byChannel),
          cells: [...t.cells].map(([k, customers]) => {
            const [stage, channel] = k.split('\u0000') as [string, string];
            return { stage, channel, customers };
          }),
          sampleReasons: t.reasons,
        };
      });
      // Top reasons first: the flags that touch the most customers, then the more severe.
      list.sort((a, b) => b.customers - a.customers || WEIGHT[b.severity] - WEIGHT[a.severity] || a.id.localeCompare(b.id));
      return { flags: list, mostAffected: top };
    },
  };
}

function compareAffected(a: Omit<AffectedRecord, 'url'>, b: Omit<AffectedRecord, 'url'>): number {
  return b.score - a.score || b.flags.length - a.flags.length || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id);
}
