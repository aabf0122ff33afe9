/**
 * Linked mappings (`crm: linked`, issue 16): one set of rules over the merged customer, written to both
 * CRMs. Each side's connector sees a single-CRM view of it (`sideMapping`): that side's owned names and
 * field overrides, and only the fields that side's records can feed; `linkedMissing` says which fields the
 * pair cannot feed at all (what the linked engine is compiled with). Pure.
 */
import { ParcoursError } from '../errors.ts';
import type { CrmName } from '../model.ts';
import type { Condition, FieldRef, Mapping } from './ast.ts';

/** The mapping as one side's connector sees it: for its field needs, `setup` and `doctor`. Never evaluated. */
export function sideMapping(mapping: Mapping, crm: CrmName): Mapping {
  const side = mapping.sides?.[crm];
  if (mapping.crm !== 'linked' || !side) {
    throw new ParcoursError('CONFIG_INVALID', `${mapping.file} is not a linked mapping (crm: linked): a linked installation needs one, e.g. mappings/linked.yaml`, { file: mapping.file });
  }
  const rule = <T extends { when: Condition; reason: string | null }>(r: T): T => ({ ...r, when: forSide(r.when, crm), reason: r.reason === null ? null : reasonForSide(r.reason, crm) });
  return {
    ...mapping,
    crm,
    journeys: mapping.journeys.map((j) => ({ ...j, stages: j.stages.map(rule) })),
    segments: mapping.segments.map(rule),
    friction: mapping.friction.map(rule),
    writeback: side.writeback,
    fields: side.fields,
    identity: true,
  };
}

/** This side's contact fields become plain ones; the other side's are none of this side's business. */
function forSide(c: Condition, crm: CrmName): Condition {
  switch (c.type) {
    case 'all':
    case 'any':
      return { ...c, items: c.items.map((i) => forSide(i, crm)) };
    case 'not':
      return { ...c, item: forSide(c.item, crm) };
    case 'field':
      if (c.field.side === undefined) return c;
      if (c.field.side !== crm) return { type: 'always', path: c.path };
      return { ...c, field: plain(c.field) };
    case 'some':
    case 'none':
    case 'every':
      return { ...c, where: forSide(c.where, crm) };
    case 'count':
      return { ...c, where: c.where ? forSide(c.where, crm) : null };
    case 'sum':
      return { ...c, where: c.where ? forSide(c.where, crm) : null };
    case 'touch':
      return {
        ...c,
        where: c.where ? forSide(c.where, crm) : null,
        matches: c.matches ? forSide(c.matches, crm) : null,
        window: c.window ? { ...c.window, anchor: plain(c.window.anchor) } : null,
      };
    default:
      return c;
  }
}

function plain(f: FieldRef): FieldRef {
  if (f.side === undefined) return f;
  const { side: _side, ...rest } = f;
  return rest as FieldRef;
}

/** `{contact.hubspot.raw.x}` is `{contact.raw.x}` for HubSpot and nothing for Salesforce. */
function reasonForSide(template: string, crm: CrmName): string {
  return template.replace(/\{contact\.(hubspot|salesforce)\.([a-zA-Z_.]+)\}/g, (_m, side: string, rest: string) => (side === crm ? `{contact.${rest}}` : ''));
}

/**
 * What the linked engine is compiled with, from what each side's connector reported missing (keys as
 * `contact.csat`, `contact.raw.X`, `touchpoints`): a field of the merged customer is missing only when
 * neither side can feed it; one side's own contact field (`contact.hubspot.raw.X`) when that side lacks it.
 */
export function linkedMissing(missing: Record<CrmName, ReadonlySet<string>>): Set<string> {
  const out = new Set<string>();
  for (const key of missing.hubspot) if (missing.salesforce.has(key)) out.add(key);
  for (const crm of ['hubspot', 'salesforce'] as const) {
    for (const key of missing[crm]) {
      if (key.startsWith('contact.')) out.add(`contact.${crm}.${key.slice('contact.'.length)}`);
    }
  }
  return out;
}
