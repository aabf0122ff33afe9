/**
 * Survey answers read on their own survey's scale (touchpoints.md §3.3, HubSpot's own bands):
 * - CSAT: satisfied = the top band. A 3-point scale (HubSpot 0–2) counts its top point (2, "happy");
 *   a 5-point or longer scale its top two points (4–5 on 1–5).
 * - NPS (0–10): promoter 9–10, detractor 0–6.
 * - CES: reported as an average on 1–7 (a survey on another scale is mapped linearly onto 1–7).
 * Without a score, the CRM's own band decides (HubSpot `hs_response_group` → `sentiment`).
 */
import type { SurveyAnswer } from '../../model.ts';

/** The answer is in its scale's top band; null when neither score nor band says. */
export function isSatisfied(a: SurveyAnswer): boolean | null {
  if (a.score !== null && Number.isFinite(a.score)) {
    const points = a.scale.max - a.scale.min + 1;
    const top = points >= 5 ? a.scale.max - 1 : a.scale.max;
    return a.score >= top;
  }
  return a.sentiment === null ? null : a.sentiment === 'positive';
}

export type NpsBand = 'promoter' | 'passive' | 'detractor';

export function npsBand(a: SurveyAnswer): NpsBand | null {
  if (a.score !== null && Number.isFinite(a.score)) return a.score >= 9 ? 'promoter' : a.score <= 6 ? 'detractor' : 'passive';
  if (a.sentiment === null) return null;
  return a.sentiment === 'positive' ? 'promoter' : a.sentiment === 'negative' ? 'detractor' : 'passive';
}

/** The CES score on 1–7; null without a score or with an empty scale. */
export function cesOn7(a: SurveyAnswer): number | null {
  if (a.score === null || !Number.isFinite(a.score)) return null;
  const span = a.scale.max - a.scale.min;
  if (span <= 0) return null;
  if (a.scale.min === 1 && a.scale.max === 7) return a.score;
  return 1 + ((a.score - a.scale.min) / span) * 6;
}

/** Per-stage tallies of the answers placed in that stage. */
export class AnswerTally {
  csatN = 0;
  csatGood = 0;
  npsN = 0;
  promoters = 0;
  detractors = 0;
  cesN = 0;
  cesSum = 0;

  add(a: SurveyAnswer): void {
    if (a.type === 'csat') {
      const good = isSatisfied(a);
      if (good === null) return;
      this.csatN++;
      if (good) this.csatGood++;
    } else if (a.type === 'nps') {
      const band = npsBand(a);
      if (band === null) return;
      this.npsN++;
      if (band === 'promoter') this.promoters++;
      else if (band === 'detractor') this.detractors++;
    } else if (a.type === 'ces') {
      const v = cesOn7(a);
      if (v === null) return;
      this.cesN++;
      this.cesSum += v;
    }
  }

  get answers(): number {
    return this.csatN + this.npsN + this.cesN;
  }
}
