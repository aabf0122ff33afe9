/** Touchpoint and survey-answer records for the report's tests (model.ts shapes, HubSpot-like raw values). */
import type { SurveyAnswer, TouchpointRecord } from '../../src/model.ts';

let seq = 0;

export function touchpoint(p: Partial<TouchpointRecord> & Pick<TouchpointRecord, 'at'>): TouchpointRecord {
  return {
    kind: 'touchpoint', id: `tp${++seq}`, objectType: 'calls', raw: {}, updatedAt: null, channel: 'phone', rawChannel: 'CALL',
    direction: 'outbound', outcome: null, rawOutcome: null, contactIds: [], dealIds: [], ticketIds: [], survey: null, ...p,
  };
}

/** HubSpot CSAT is 0–2; a 1–5 CSAT, NPS 0–10 and CES 1–7 come from other surveys. */
const SCALES: Record<SurveyAnswer['type'], { min: number; max: number }> = { csat: { min: 0, max: 2 }, nps: { min: 0, max: 10 }, ces: { min: 1, max: 7 }, other: { min: 1, max: 5 } };

export function answer(type: SurveyAnswer['type'], score: number | null, at: number, p: Partial<TouchpointRecord> & { scale?: { min: number; max: number }; sentiment?: SurveyAnswer['sentiment'] } = {}): TouchpointRecord {
  const { scale, sentiment, ...rest } = p;
  return touchpoint({
    objectType: 'feedback_submissions', channel: 'survey', rawChannel: 'EMAIL', direction: 'inbound', at,
    survey: { type, score, scale: scale ?? SCALES[type], sentiment: sentiment ?? null },
    ...rest,
  });
}
