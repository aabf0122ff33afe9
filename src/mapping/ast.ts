/**
 * The parsed, typed form of a mapping file. Produced by `parse.ts`, consumed by the journey engine.
 */
import type { CrmName, ObjectKind, Severity } from '../model.ts';
import type { Scope, ValueType } from './vocabulary.ts';

export type FieldRef = (
  | { scope: Scope; name: string; raw: false; type: ValueType }
  /** `contact.raw.<crmField>`: the CRM's own field; its type is not known until run time. */
  | { scope: Exclude<Scope, 'journey'>; name: string; raw: true; type: null }
) & {
  /**
   * Linked mappings only (issue 16), contact scope: one side's own contact (`contact.hubspot.raw.x`,
   * `contact.salesforce.lifecycle`) instead of the merged one.
   */
  side?: CrmName;
};

/**
 * A time window of a touchpoint quantifier, relative to another record's time read where the quantifier
 * sits (`after: ticket.createdAt`; inside another touchpoint quantifier `after: touchpoint.at` is the
 * outer touchpoint): touchpoints at or after (`after`) / at or before (`before`) the anchor, and, with
 * `spanMs`, at most that far from it (`within_hours: 24`: exactly 24 h after still counts).
 */
export interface TouchWindow {
  side: 'after' | 'before';
  anchor: FieldRef;
  spanMs: number | null;
  /** `within 24 hours after ticket.createdAt`, for traces. */
  text: string;
}

export type Scalar = string | number | boolean | null;

export type Test =
  | { op: 'eq' | 'ne'; value: Scalar }
  | { op: 'in' | 'not_in'; values: Scalar[] }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; value: number }
  | { op: 'exists'; value: boolean }
  | { op: 'contains'; values: string[] }
  | { op: 'within_days' | 'older_than_days' | 'within_hours' | 'older_than_hours'; value: number };

export type NumberTest = { op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte'; value: number };

export type RelatedKind = 'deal' | 'ticket';

export type Condition =
  | { type: 'always'; path: string }
  | { type: 'all' | 'any'; items: Condition[]; path: string }
  | { type: 'not'; item: Condition; path: string }
  | { type: 'field'; field: FieldRef; tests: Test[]; path: string }
  | { type: 'some' | 'none' | 'every'; kind: RelatedKind; where: Condition; path: string }
  | { type: 'count'; kind: RelatedKind; where: Condition | null; tests: NumberTest[]; path: string }
  | { type: 'sum'; kind: RelatedKind; field: FieldRef; where: Condition | null; tests: NumberTest[]; path: string }
  /**
   * Over the customer's touchpoints (oldest first): `some` / `none` match `where` within `window`;
   * `count` compares how many do; `first` / `last` pick the oldest / newest that do and test `matches`
   * on it (false when there is none).
   */
  | {
      type: 'touch';
      mode: 'some' | 'none' | 'count' | 'first' | 'last';
      where: Condition | null;
      window: TouchWindow | null;
      matches: Condition | null;
      tests: NumberTest[];
      path: string;
    }
  /** A test on a field the CRM lacks that still has a meaning: `exists: false` holds (nothing can be there). */
  | { type: 'constant'; value: boolean; text: string; path: string };

export interface StageDef {
  id: string;
  label: string;
  when: Condition;
  reason: string | null;
}

export interface JourneyDef {
  id: string;
  label: string;
  /** Restricts the journey to members of a (base) segment; null for the default journey. */
  segment: string | null;
  stages: StageDef[];
}

export interface SegmentDef {
  id: string;
  label: string;
  kind: 'demographic' | 'behavioural';
  when: Condition;
  reason: string | null;
  /** True when the rule reads `journey.*`, so it is evaluated after stage and friction. */
  derived: boolean;
}

export interface FrictionDef {
  id: string;
  label: string;
  severity: Severity;
  /** Record kinds the flag attaches to; a deal/ticket rule is evaluated per record. */
  on: ObjectKind[];
  when: Condition;
  reason: string | null;
}

export const KPI_METRICS = ['csat_by_stage', 'nps', 'first_contact_resolution', 'checkout_abandonment', 'flag_rate'] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];

export interface KpiDef {
  id: string;
  label: string;
  metric: KpiMetric;
  /** For `flag_rate`: the flag id. */
  flag: string | null;
  target: NumberTest;
  unit: 'percent' | 'score';
  /**
   * For `csat_by_stage`: which CSAT counts as satisfied, on the CRM field's own scale (HubSpot's
   * 3-point rollup: `{ gte: 2 }`, the top band). Default `{ gte: 4 }` (4 or 5 of 5).
   */
  satisfied?: NumberTest;
}

export interface WritebackDef {
  group: { name: string; label: string };
  contact: Partial<Record<'stage' | 'stageEnteredAt' | 'stageReason' | 'friction' | 'frictionReason' | 'segments', string>>;
  deal: Partial<Record<'friction' | 'frictionReason', string>>;
  ticket: Partial<Record<'friction' | 'frictionReason', string>>;
  /** CRM value written for each stage id (default: the id). */
  stageValues: Record<string, string>;
  /** Name prefix of the HubSpot list / Salesforce campaign per segment. */
  segmentListPrefix: string;
  /** When a segment's list / campaign was deleted in the CRM: create it again (default), or report it and skip the segment. */
  deletedSegmentList: 'recreate' | 'report';
}

/** Where a task's owner comes from: the owner of the flagged deal / ticket, or of the customer's contact. */
export const OWNER_PATHS = ['deal.owner', 'contact.owner', 'ticket.owner'] as const;
export type OwnerPath = (typeof OWNER_PATHS)[number];

/**
 * A follow-up task for the record's owner (issue 14): opened when the flag holds (and/or the customer
 * is in the stage), one per (record, action), closed when it clears if `closeWhenCleared`.
 */
export interface ActionDef {
  id: string;
  label: string;
  /** Flag that opens the task; the task is about the record the flag attaches to (deal, ticket or contact). */
  onFlag: string | null;
  /** Stage the customer must be in (alone: a task about the contact while it is in the stage). */
  onStage: string | null;
  /** Templates over the reason variables, plus `{flag}` and `{reason}` (the flag's reason line). */
  subject: string;
  body: string;
  owner: OwnerPath;
  /** A CRM user id or an owner's email, when the record has no (active) owner. */
  fallbackOwner: string | null;
  /** Null: from the flag's severity (medium for a stage-only action). */
  priority: Severity | null;
  dueInDays: number;
  businessDays: boolean;
  closeWhenCleared: boolean;
}

export interface Mapping {
  file: string;
  version: 1;
  /** `linked`: a linked installation's mapping (issue 16): rules over the merged customer, writeback per side. */
  crm: 'hubspot' | 'salesforce' | 'any' | 'linked';
  journeys: JourneyDef[];
  segments: SegmentDef[];
  friction: FrictionDef[];
  kpis: KpiDef[];
  actions: ActionDef[];
  writeback: WritebackDef;
  /** Admin overrides: normalized field → CRM field name, per kind. */
  fields: Record<'contact' | 'deal' | 'ticket', Record<string, string>>;
  /**
   * Linked mappings only: each side's owned field names and field overrides (`writeback.hubspot`,
   * `writeback.salesforce`; `fields: { hubspot.contact.csat: … }`). `writeback` above is HubSpot's.
   */
  sides?: Record<CrmName, { writeback: WritebackDef; fields: Mapping['fields'] }>;
  /** Set on a side's view of a linked mapping (`sideMapping`): its connector also reads what identity needs. */
  identity?: boolean;
}
