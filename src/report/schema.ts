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
  /** null exactly when value is null. */
  met: z.boolean().nullable(),
  /** How many customers/tickets/deals the figure is computed over. */
  n: count,
  definition: z.string(),
  /** Per-stage figures (csat_by_stage only). */
  byStage: z.record(z.string(), z.object({ value: z.number().nullable(), n: count })).optional(),
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
  /** How the funnel, durations and touchpoints were computed, in words. */
  definitions: z.object({ conversion: z.string(), duration: z.string(), touchpoints: z.string(), friction: z.string(), backfilled: z.string() }),
});

export const JourneyMapSchema = z.object({
  crm: z.enum(['hubspot', 'salesforce']),
  generatedAt: z.iso.datetime(),
  period: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  filter: z.object({ journey: z.string().nullable(), segment: z.string().nullable() }),
  /** Rules off because the CRM lacks a field they read (they count as not holding in every figure). */
  disabled: z.array(DisabledRuleSchema).default([]),
  journeys: z.array(JourneyReportSchema),
});

export type DurationSummary = z.infer<typeof DurationSummarySchema>;
export type StageReport = z.infer<typeof StageReportSchema>;
export type Touchpoint = z.infer<typeof TouchpointSchema>;
export type FrictionReport = z.infer<typeof FrictionSchema>;
export type AffectedRecord = z.infer<typeof AffectedRecordSchema>;
export type KpiResult = z.infer<typeof KpiSchema>;
export type SegmentMovement = z.infer<typeof SegmentMovementSchema>;
export type JourneyReport = z.infer<typeof JourneyReportSchema>;
export type JourneyMap = z.infer<typeof JourneyMapSchema>;

/** A time window [from, to], epoch ms, both inclusive. */
export interface Period {
  from: number;
  to: number;
}

export const inPeriod = (t: number | null, p: Period): t is number => t !== null && t >= p.from && t <= p.to;
