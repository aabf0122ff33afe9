/**
 * The journey map document: what `parcours report --format json` prints and what the HTML and CSV
 * renderers draw. Validated with zod so other tools (and our tests) can rely on its shape.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

export const DurationSummarySchema = z.object({
  avg: z.number().nullable(),
  median: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  p90: z.number().nullable(),
  n: count,
});

export const StageReportSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Customers whose current stage (engine at `generatedAt`) is this one. */
  customers: count,
  /** Stays in this stage (stage history) that began within the period. */
  enteredInPeriod: count,
  /** Of those stays, how many were left for a later stage of the journey. */
  movedOn: count,
  /** movedOn ÷ enteredInPeriod as a ratio 0..1; null for the last stage or when nobody entered. */
  conversionToNext: share.nullable(),
  /** Days in the stage; see `durationSource` and the journey's `definitions.duration`. */
  durationDays: DurationSummarySchema,
  durationSource: z.enum(['history', 'crm_dates']),
  /**
   * How many of `enteredInPeriod`, `movedOn` and `durationDays.n` rest on backfilled stays: stays the
   * first sync dated from the CRM's own history (before Parcours saw the customer), not observed by a sync.
   */
  backfilled: z.object({ entered: count, movedOn: count, durations: count }),
});

export const TouchpointSchema = z.object({
  stage: z.string(),
  /** `source`: how the customer came in (contact source); `support`: a ticket/case channel in the period. */
  kind: z.enum(['source', 'support']),
  channel: z.string(),
  customers: count,
});

const rate = z.object({ value: z.number().nullable(), n: count });

/** Satisfaction per stage from the survey answers, each placed in the stage the customer was in when answering. */
export const StageSatisfactionSchema = z.object({
  stage: z.string(),
  /** CSAT: % of answers in their survey's top band; falls back to the contacts' latest CSAT by current stage where the stage has no answer. */
  csat: z.object({ value: z.number().nullable(), n: count, source: z.enum(['answers', 'contact_rollup', 'none']), enough: z.boolean() }),
  /** NPS among the stage's NPS answers: % promoters (9–10) − % detractors (0–6). */
  nps: z.object({ value: z.number().nullable(), n: count, promoters: count, detractors: count, enough: z.boolean() }),
  /** Customer effort: average on 1–7. */
  ces: z.object({ value: z.number().nullable(), n: count, enough: z.boolean() }),
  /** Answers placed by the stage ledger, and by the CRM's dated history for the time before the ledger begins. */
  placedBy: z.object({ ledger: count, evidence: count }),
});

export const SatisfactionSchema = z.object({
  /** Fewer answers than this: "not enough answers", no target judged. */
  minAnswers: count,
  /** Customers whose touchpoints were pulled (answers and touchpoints only exist for them). */
  customersWithTouchpoints: count,
  /** Answers in the period that no stay covers (older than any dated evidence): left out. */
  unplaced: count,
  stages: z.array(StageSatisfactionSchema),
});

/** Touchpoints by stage × channel: the table a CX team builds by hand, computed. */
export const StageChannelSchema = z.object({
  stage: z.string(),
  /** Normalized touchpoint channel (`email`, `phone`, `meeting`…); the HTML shows its label. */
  channel: z.string(),
  touchpoints: count,
  customers: count,
  inbound: count,
  outbound: count,
  responseHours: z.object({ median: z.number().nullable(), n: count }),
  unanswered: count,
  touchedStays: count,
  movedOn: count,
  conversionToNext: share.nullable(),
  satisfaction: rate,
});

export const MomentSchema = z.object({
  stage: z.string(),
  /** `<channel>|inbound`, `<channel>|outbound` or `<channel>|outcome:<outcome>`. */
  kind: z.string(),
  label: z.string(),
  metric: z.enum(['conversion', 'satisfaction']),
  /** Percentages (0–100) and group sizes: stays (conversion) or CSAT answers (satisfaction). */
  with: z.object({ value: z.number(), n: count }),
  without: z.object({ value: z.number(), n: count }),
  /** with − without, percentage points. */
  difference: z.number(),
});

export const FrictionSchema = z.object({
  id: z.string(),
  label: z.string(),
  severity: z.enum(['low', 'medium', 'high']),
  customers: count,
  byStage: z.record(z.string(), count),
  byChannel: z.record(z.string(), count),
  /** The heat map: customers carrying the flag per (stage, channel). */
  cells: z.array(z.object({ stage: z.string(), channel: z.string(), customers: count })),
  /** A few of the engine's own explanations, as examples of why the flag was raised. */
  sampleReasons: z.array(z.string()),
});

export const AffectedRecordSchema = z.object({
  kind: z.enum(['contact', 'deal', 'ticket']),
  objectType: z.string(),
  id: z.string(),
  contactId: z.string(),
  flags: z.array(z.string()),
  /** Severity-weighted flag count (high 3, medium 2, low 1): the ranking key. */
  score: count,
  reasons: z.array(z.string()),
  url: z.string().nullable(),
  /** Linked maps (issue 16): the CRM that holds the record. */
  crm: z.enum(['hubspot', 'salesforce']).optional(),
});

export const KpiSchema = z.object({
  id: z.string(),
  label: z.string(),
  metric: z.enum(['csat_by_stage', 'nps', 'first_contact_resolution', 'checkout_abandonment', 'flag_rate']),
  unit: z.enum(['percent', 'score']),
  op: z.enum(['eq', 'gt', 'gte', 'lt', 'lte']),
  target: z.number(),
  /** null when there is nothing to measure (no CSAT, no NPS answers, no closed tickets…). */
  value: z.number().nullable(),
  /** null when value is null, or when there are fewer answers than the stated minimum (`enough: false`). */
  met: z.boolean().nullable(),
  /** How many customers/tickets/deals/answers the figure is computed over. */
  n: count,
  definition: z.string(),
  /** Per-stage figures (csat_by_stage only), each with the source it used and whether n reaches the minimum. */
  byStage: z.record(z.string(), z.object({
    value: z.number().nullable(),
    n: count,
    source: z.enum(['answers', 'contact_rollup', 'none']).optional(),
    enough: z.boolean().optional(),
  })).optional(),
  /** How much of n each source fed (csat_by_stage: answers / contact_rollup; first_contact_resolution: conversation / proxy_24h). */
  sources: z.record(z.string(), count).optional(),
  /** csat_by_stage: false when n is below the minimum of answers (then met is null). */
  enough: z.boolean().optional(),
  /** Set when the CRM lacks a field the KPI is computed from: value and met are then null. */
  disabled: z.object({ needs: z.array(z.string()), fix: z.string() }).optional(),
});

/** A rule (stage, segment, flag, KPI) that is off because the CRM lacks a field it reads. */
export const DisabledRuleSchema = z.object({ rule: z.string(), needs: z.array(z.string()), fix: z.string() });

export const SegmentMovementSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Current members among this journey's customers (engine at `generatedAt`). */
  customers: count,
  /** Entries/exits recorded by syncs within the period. */
  entered: count,
  exited: count,
});

export const JourneyReportSchema = z.object({
  id: z.string(),
  label: z.string(),
  customers: count,
  stages: z.array(StageReportSchema),
  touchpoints: z.array(TouchpointSchema),
  friction: z.array(FrictionSchema),
  mostAffected: z.array(AffectedRecordSchema),
  kpis: z.array(KpiSchema),
  segments: z.array(SegmentMovementSchema),
  satisfaction: SatisfactionSchema,
  stageChannels: z.array(StageChannelSchema),
  momentsOfTruth: z.array(MomentSchema),
  /** How the funnel, durations and touchpoints were computed, in words. */
  definitions: z.object({
    conversion: z.string(), duration: z.string(), touchpoints: z.string(), friction: z.string(), backfilled: z.string(),
    satisfaction: z.string(), stageChannels: z.string(), momentsOfTruth: z.string(), emotion: z.string(),
  }),
});

/** Follow-up tasks for one flag, one owner, or all of them. */
export const ActionsGroupSchema = z.object({
  /** Flag id (`stage:<action>` for a stage-only action), owner id, or `all`. */
  id: z.string(),
  label: z.string(),
  /** Tasks created within the period. */
  opened: count,
  /** Tasks completed within the period (by Parcours when the problem cleared, or by their owner). */
  completed: count,
  /** Open now, and of those past their due date. */
  open: count,
  overdue: count,
  medianDaysToCompletion: z.number().nullable(),
});

export const ActionsReportSchema = ActionsGroupSchema.extend({
  byFlag: z.array(ActionsGroupSchema),
  byOwner: z.array(ActionsGroupSchema),
  definition: z.string(),
});

const bySide = z.object({ hubspot: count, salesforce: count });

/** A linked installation's map (issue 16): who was linked, and which CRM each deal, ticket and touchpoint came from. */
export const LinkReportSchema = z.object({
  id: z.string(),
  hubspot: z.string(),
  salesforce: z.string(),
  /** Customers in the map: a linked person counts once. */
  customers: count,
  /** Customers present in both CRMs, by how they were matched. */
  linked: count,
  matchedBy: z.object({ 'integration-id': count, email: count }),
  /** Customers in one CRM only (not in a conflict), by CRM. */
  unlinked: count,
  unlinkedBySide: bySide,
  /** Customers evaluated per side because their e-mail is on several records of one CRM, and those e-mails. */
  conflicting: count,
  conflicts: z.array(z.object({ side: z.enum(['hubspot', 'salesforce']), email: z.string(), records: z.array(z.object({ objectType: z.string(), id: z.string() })) })),
  /** Per journey and current stage: customers, and their deals, tickets and touchpoints by the CRM that holds them. */
  bySource: z.array(z.object({ journey: z.string(), stage: z.string(), customers: count, linked: count, deals: bySide, tickets: bySide, touchpoints: bySide })),
  definition: z.string(),
});

export const JourneyMapSchema = z.object({
  /** `linked`: a linked installation's map over both CRMs (`link` says which). */
  crm: z.enum(['hubspot', 'salesforce', 'linked']),
  generatedAt: z.iso.datetime(),
  period: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  filter: z.object({ journey: z.string().nullable(), segment: z.string().nullable() }),
  /** Rules off because the CRM lacks a field they read (they count as not holding in every figure). */
  disabled: z.array(DisabledRuleSchema).default([]),
  journeys: z.array(JourneyReportSchema),
  /** Follow-up tasks (the mapping's `actions:`), all journeys together; absent when the mapping has none and none were opened. */
  actions: ActionsReportSchema.optional(),
  link: LinkReportSchema.optional(),
});

export type DurationSummary = z.infer<typeof DurationSummarySchema>;
export type StageReport = z.infer<typeof StageReportSchema>;
export type Touchpoint = z.infer<typeof TouchpointSchema>;
export type FrictionReport = z.infer<typeof FrictionSchema>;
export type AffectedRecord = z.infer<typeof AffectedRecordSchema>;
export type KpiResult = z.infer<typeof KpiSchema>;
export type SegmentMovement = z.infer<typeof SegmentMovementSchema>;
export type JourneyReport = z.infer<typeof JourneyReportSchema>;
export type StageSatisfaction = z.infer<typeof StageSatisfactionSchema>;
export type StageChannel = z.infer<typeof StageChannelSchema>;
export type MomentOfTruth = z.infer<typeof MomentSchema>;
export type JourneyMap = z.infer<typeof JourneyMapSchema>;
export type LinkReport = z.infer<typeof LinkReportSchema>;
export type ActionsGroup = z.infer<typeof ActionsGroupSchema>;
export type ActionsReport = z.infer<typeof ActionsReportSchema>;

/** A time window [from, to], epoch ms, both inclusive. */
export interface Period {
  from: number;
  to: number;
}

export const inPeriod = (t: number | null, p: Period): t is number => t !== null && t >= p.from && t <= p.to;
