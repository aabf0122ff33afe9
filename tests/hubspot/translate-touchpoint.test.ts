/** Normalization of HubSpot engagement values (touchpoints.md §1.2, §3.2–3.3): the cases the pull tests do not reach. */
import { describe, expect, it } from 'vitest';
import { formConversions, surveyAnswer, toTouchpoint } from '../../connectors/hubspot/translate-touchpoint.ts';

const obj = (properties: Record<string, string | null>) => ({ id: '1', properties, createdAt: '2026-10-01T00:00:00.000Z', updatedAt: '2026-10-02T00:00:00.000Z' });
const none = { contactIds: [], dealIds: [], ticketIds: [] };

describe('HubSpot touchpoint translation', () => {
  it('calls: an in-flight status has no outcome yet; an unknown status keeps its raw value as `other`; MISSED is no answer', () => {
    expect(toTouchpoint('calls', obj({ hs_call_status: 'RINGING' }), none)).toMatchObject({ outcome: null, rawOutcome: 'RINGING' });
    expect(toTouchpoint('calls', obj({ hs_call_status: 'SOMETHING_NEW' }), none)).toMatchObject({ outcome: 'other', rawOutcome: 'SOMETHING_NEW' });
    expect(toTouchpoint('calls', obj({ hs_call_status: 'MISSED', hs_call_direction: 'INBOUND' }), none)).toMatchObject({ outcome: 'no_answer', direction: 'inbound' });
    expect(toTouchpoint('calls', obj({ hs_call_disposition: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff' }), none)).toMatchObject({ outcome: 'other' });
    expect(toTouchpoint('calls', obj({}), none)).toMatchObject({ outcome: null, rawOutcome: null, direction: null, at: Date.parse('2026-10-01T00:00:00.000Z') }); // no hs_timestamp: when it was logged
  });

  it('meetings: outcomes compared loosely ("No show" = NO_SHOW), custom ones `other`; the start time dates it', () => {
    expect(toTouchpoint('meetings', obj({ hs_meeting_outcome: 'No show', hs_timestamp: '2026-10-05T00:00:00.000Z' }), none)).toMatchObject({ outcome: 'no_show', at: Date.parse('2026-10-05T00:00:00.000Z') });
    expect(toTouchpoint('meetings', obj({ hs_meeting_outcome: 'Qualified', hs_meeting_start_time: '2026-10-06T00:00:00.000Z' }), none)).toMatchObject({ outcome: 'other', at: Date.parse('2026-10-06T00:00:00.000Z') });
  });

  it('communications: unknown channel types are `other`, with the raw value kept', () => {
    expect(toTouchpoint('communications', obj({ hs_communication_channel_type: 'CARRIER_PIGEON' }), none)).toMatchObject({ channel: 'other', rawChannel: 'CARRIER_PIGEON' });
  });

  it('surveys: HubSpot’s own band wins over the score; bands on each scale; a custom survey has only HubSpot’s band', () => {
    expect(surveyAnswer({ hs_survey_type: 'NPS', hs_value: '8', hs_response_group: 'PROMOTER' })).toMatchObject({ sentiment: 'positive' });
    expect(['0', '6', '7', '8', '9', '10'].map((v) => surveyAnswer({ hs_survey_type: 'NPS', hs_value: v }).sentiment)).toEqual(['negative', 'negative', 'neutral', 'neutral', 'positive', 'positive']);
    expect(['1', '3', '4', '5', '6', '7'].map((v) => surveyAnswer({ hs_survey_type: 'CES', hs_value: v }).sentiment)).toEqual(['negative', 'negative', 'neutral', 'neutral', 'positive', 'positive']);
    expect(['0', '1', '2'].map((v) => surveyAnswer({ hs_survey_type: 'CSAT', hs_value: v }).sentiment)).toEqual(['negative', 'neutral', 'positive']);
    expect(surveyAnswer({ hs_survey_type: 'CUSTOM', hs_value: '4' })).toEqual({ type: 'other', score: 4, scale: { min: 0, max: 10 }, sentiment: null });
    expect(surveyAnswer({ hs_survey_type: 'NPS', hs_value: '' })).toMatchObject({ score: null, sentiment: null });
  });

  it('form conversions: none without a conversion date', () => {
    expect(formConversions({ id: '5', properties: { first_conversion_event_name: 'Contact us' } })).toEqual([]);
  });
});
