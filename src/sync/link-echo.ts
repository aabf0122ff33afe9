/**
 * Echo safety of a linked installation (issue 16): HubSpot's Salesforce integration copies mapped fields both
 * ways, so if Parcours's owned fields are mapped in it, a value Parcours writes on one side arrives on the other
 * side by the integration, not by Parcours (and can overwrite what Parcours wrote there, run after run).
 *
 * From the store alone (no CRM call): for each pair the link matched, each owned contact field, the value the
 * mirror holds on a side (the CRM's, as the last pull read it) is compared with what Parcours wrote on that
 * record (written snapshot) and with every value Parcours ever wrote on the other side's record (audit). A value
 * Parcours did not write on this side, that it did write on the other side, arrived through the integration.
 * A value nobody at Parcours wrote anywhere is someone's edit, not an echo, and is not reported here.
 */
import type { LinkRow, Store } from '../store/index.ts';
import type { CrmName, RecordRef } from '../model.ts';

export interface EchoFinding {
  /** The side where the value arrived. */
  side: CrmName;
  record: RecordRef;
  field: string;
  value: string;
  /** What Parcours last wrote on this record's field (null: never wrote it). */
  wroteHere: string | null;
  /** The other side's record and field where Parcours wrote this value, and when. */
  from: { side: CrmName; record: RecordRef; field: string; at: number };
}

export interface EchoReport {
  pairs: number;
  fields: string[];
  findings: EchoFinding[];
}

/** Owned contact field names per side, by canonical name (stage, stage_reason, segments…). */
export type OwnedContactFields = Record<CrmName, Record<string, string | undefined>>;

const OTHER: Record<CrmName, CrmName> = { hubspot: 'salesforce', salesforce: 'hubspot' };

export async function findEchoes(store: Store, link: LinkRow, owned: OwnedContactFields, opts: { limit?: number } = {}): Promise<EchoReport> {
  const canonical = Object.keys(owned.hubspot).filter((k) => owned.hubspot[k] && owned.salesforce[k]);
  const installation: Record<CrmName, string> = { hubspot: link.hubspot, salesforce: link.salesforce };
  const findings: EchoFinding[] = [];
  const matches = await store.linkMatches(link.id);
  const limit = opts.limit ?? 1000;
  const PAGE = 500;
  for (let i = 0; i < matches.length && findings.length < limit; i += PAGE) {
    const page = matches.slice(i, i + PAGE);
    const refs: Record<CrmName, RecordRef[]> = { hubspot: page.map((m) => m.hubspot), salesforce: page.map((m) => m.salesforce) };
    const written = { hubspot: await store.getWritten(link.hubspot, 'contact', refs.hubspot.map((r) => r.id)), salesforce: await store.getWritten(link.salesforce, 'contact', refs.salesforce.map((r) => r.id)) };
    // Every value Parcours wrote, per record and field, with the time of its latest write.
    const wroteEver = { hubspot: await auditIndex(store, link.hubspot, refs.hubspot), salesforce: await auditIndex(store, link.salesforce, refs.salesforce) };
    for (const m of page) {
      const pair: Record<CrmName, RecordRef> = { hubspot: m.hubspot, salesforce: m.salesforce };
      for (const side of ['hubspot', 'salesforce'] as const) {
        const rec = await store.getRecord(installation[side], 'contact', pair[side].id);
        if (!rec) continue;
        const other = OTHER[side];
        for (const k of canonical) {
          const field = owned[side][k] as string;
          const otherField = owned[other][k] as string;
          const raw = rec.raw[field];
          if (raw === null || raw === undefined || raw === '') continue;
          const value = String(raw);
          const here = written[side].get(pair[side].id)?.[field] ?? null;
          if (same(value, here)) continue;
          const there = wroteEver[other].get(`${pair[other].id}\u0000${otherField}`)?.get(norm(value));
          if (there === undefined) continue;
          findings.push({ side, record: pair[side], field, value, wroteHere: here, from: { side: other, record: pair[other], field: otherField, at: there } });
          if (findings.length >= limit) break;
        }
      }
    }
  }
  return { pairs: matches.length, fields: canonical, findings };
}

/** `record\0field` → normalized value written → latest time Parcours wrote it. */
async function auditIndex(store: Store, installation: string, refs: readonly RecordRef[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const a of await store.auditOfRecords(installation, 'contact', refs.map((r) => r.id))) {
    if (a.after === null || a.after === '') continue;
    const key = `${a.recordId}\u0000${a.field}`;
    const values = out.get(key) ?? new Map<string, number>();
    values.set(norm(a.after), Math.max(values.get(norm(a.after)) ?? 0, a.at));
    out.set(key, values);
  }
  return out;
}

/** CRMs echo multi-select values in their own order and separator (HubSpot `;`, Salesforce `;`). */
function norm(v: string): string {
  return v.includes(';') ? v.split(';').map((s) => s.trim()).filter(Boolean).sort().join(';') : v.trim();
}

function same(a: string, b: string | null): boolean {
  return b !== null && norm(a) === norm(b);
}
