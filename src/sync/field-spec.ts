/**
 * What a mapping asks of a connector: the fields to pull (FieldNeeds) and the owned fields,
 * options and segment lists to provision (JourneyFieldSpec). Derived from the mapping, never hand-kept.
 */
import type { FieldNeeds, JourneyFieldSpec, OwnedField, OwnedFieldSpec } from '../../connectors/port.ts';
import type { Condition, Mapping } from '../mapping/ast.ts';
import { DERIVED_FIELDS } from '../mapping/vocabulary.ts';
import type { ObjectKind } from '../model.ts';

type Kind = ObjectKind;
const KINDS: Kind[] = ['contact', 'deal', 'ticket'];

function walk(c: Condition, visit: (scope: string, name: string, raw: boolean) => void): void {
  switch (c.type) {
    case 'all':
    case 'any':
      c.items.forEach((i) => walk(i, visit));
      return;
    case 'not':
      walk(c.item, visit);
      return;
    case 'field':
      visit(c.field.scope, c.field.name, c.field.raw);
      return;
    case 'some':
    case 'none':
    case 'every':
      walk(c.where, visit);
      return;
    case 'count':
      if (c.where) walk(c.where, visit);
      return;
    case 'sum':
      visit(c.field.scope, c.field.name, c.field.raw);
      if (c.where) walk(c.where, visit);
      return;
    case 'touch':
      // Touchpoint fields come with the touchpoints (their own pull); the window's anchor is a record field.
      if (c.window) visit(c.window.anchor.scope, c.window.anchor.name, c.window.anchor.raw);
      if (c.where) walk(c.where, visit);
      if (c.matches) walk(c.matches, visit);
      return;
    default:
      return;
  }
}

const PLACEHOLDER = /\{(contact|deal|ticket)\.([a-zA-Z_.]+)\}/g;

/**
 * What the journey map reads besides the rules: touchpoint channels, satisfaction, resolution and
 * abandonment figures. Pulled whether or not a rule uses them, so the map is never blank.
 */
const REPORT_FIELDS: Record<Kind, string[]> = {
  contact: ['source', 'npsScore', 'csat', 'createdAt'],
  // stageHistory: the dated stage entries that date stage entries and backfill the ledger (same data as stagesReached).
  // createdAt: a deal does not exist before it (replays of the CRM's history, src/journey/stage-entry.ts).
  deal: ['isClosed', 'isWon', 'closedAt', 'stagesReached', 'stageEnteredAt', 'stageHistory', 'createdAt'],
  ticket: ['channel', 'createdAt', 'closedAt', 'firstResponseAt', 'isOpen'],
};

export function fieldNeeds(mapping: Mapping): FieldNeeds {
  const normalized: Record<Kind, Set<string>> = {
    contact: new Set(REPORT_FIELDS.contact),
    deal: new Set(REPORT_FIELDS.deal),
    ticket: new Set(REPORT_FIELDS.ticket),
  };
  const raw: Record<Kind, Set<string>> = { contact: new Set(), deal: new Set(), ticket: new Set() };
  const add = (scope: string, name: string, isRaw: boolean): void => {
    if (scope === 'journey' || scope === 'touchpoint') return;
    const k = scope as Kind;
    if (isRaw) raw[k].add(name);
    else {
      const derivedFrom = DERIVED_FIELDS[k]?.[name];
      if (derivedFrom) derivedFrom.forEach((d) => normalized[k].add(d));
      else normalized[k].add(name);
    }
  };
  const rules = [
    ...mapping.journeys.flatMap((j) => j.stages),
    ...mapping.segments,
    ...mapping.friction,
  ];
  for (const r of rules) {
    walk(r.when, add);
    for (const m of (r.reason ?? '').matchAll(PLACEHOLDER)) {
      const name = m[2] as string;
      if (name.startsWith('raw.')) add(m[1] as string, name.slice(4), true);
      else add(m[1] as string, name, false);
    }
  }
  // Stages resting on the lifecycle are dated by the lifecycle-stage dates (src/journey/stage-entry.ts).
  let stagesReadLifecycle = false;
  for (const j of mapping.journeys) for (const st of j.stages) walk(st.when, (scope, name, isRaw) => {
    if (scope === 'contact' && name === 'lifecycle' && !isRaw) stagesReadLifecycle = true;
  });
  if (stagesReadLifecycle) normalized.contact.add('lifecycleDates');
  // One side of a linked installation (issue 16): identity reads the addresses, and on HubSpot the
  // Salesforce ids its integration keeps (src/journey/identity.ts).
  if (mapping.identity) {
    normalized.contact.add('email');
    if (mapping.crm === 'hubspot') {
      normalized.contact.add('additionalEmails');
      normalized.contact.add('integrationIds');
    }
  }
  const owned: Record<Kind, string[]> = { contact: [], deal: [], ticket: [] };
  for (const k of KINDS) owned[k] = Object.values(mapping.writeback[k]).filter((v): v is string => typeof v === 'string');
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    normalized: { contact: sorted(normalized.contact), deal: sorted(normalized.deal), ticket: sorted(normalized.ticket) },
    raw: { contact: sorted(raw.contact), deal: sorted(raw.deal), ticket: sorted(raw.ticket) },
    overrides: mapping.fields,
    owned,
  };
}

const LABELS: Record<OwnedField, string> = {
  stage: 'Journey stage',
  stageEnteredAt: 'Journey stage entered at',
  stageReason: 'Journey stage reason',
  friction: 'Friction flags',
  frictionReason: 'Friction reasons',
  segments: 'Journey segments',
};
const TYPES: Record<OwnedField, OwnedFieldSpec['type']> = {
  stage: 'enumeration',
  stageEnteredAt: 'datetime',
  stageReason: 'text',
  friction: 'multi',
  frictionReason: 'text',
  segments: 'multi',
};

export function journeyFieldSpec(mapping: Mapping): JourneyFieldSpec {
  const stageOptions = new Map<string, string>();
  for (const j of mapping.journeys) {
    for (const s of j.stages) if (!stageOptions.has(s.id)) stageOptions.set(mapping.writeback.stageValues[s.id] ?? s.id, s.label);
  }
  const options: Partial<Record<OwnedField, Array<{ value: string; label: string }>>> = {
    stage: [...stageOptions].map(([value, label]) => ({ value, label })),
    segments: mapping.segments.map((s) => ({ value: s.id, label: s.label })),
  };
  const fields: OwnedFieldSpec[] = [];
  for (const kind of KINDS) {
    for (const [field, name] of Object.entries(mapping.writeback[kind]) as Array<[OwnedField, string | undefined]>) {
      if (!name) continue;
      const flagOptions = mapping.friction.filter((f) => f.on.includes(kind)).map((f) => ({ value: f.id, label: f.label }));
      const opts = field === 'friction' ? flagOptions : options[field];
      fields.push({ kind, field, name, label: `Parcours: ${LABELS[field]}`, type: TYPES[field], ...(opts ? { options: opts } : {}) });
    }
  }
  return {
    group: mapping.writeback.group,
    fields,
    segments: mapping.segments.map((s) => ({ id: s.id, name: `${mapping.writeback.segmentListPrefix}${s.label}` })),
  };
}
