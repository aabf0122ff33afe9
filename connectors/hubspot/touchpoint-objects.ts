/**
 * The HubSpot objects read as touchpoints (issue 13), and the properties asked of each. HubSpot returns
 * only `hs_createdate`, `hs_lastmodifieddate` and `hs_object_id` unless properties are named, so every
 * property translate-touchpoint.ts reads is listed here (touchpoints.md §1.2, §3.1).
 * Object types, type ids and scopes: touchpoints.md §1.1
 * (https://developers.hubspot.com/docs/api-reference/legacy/crm/understanding-the-crm).
 */

export const TOUCHPOINT_OBJECTS = ['calls', 'emails', 'meetings', 'notes', 'communications', 'postal_mail', 'feedback_submissions'] as const;
export type TouchpointObject = (typeof TOUCHPOINT_OBJECTS)[number];

/** Form conversions are read from contacts (first/recent conversion properties), not from an object of their own. */
export const FORM_CONVERSIONS = 'form_conversions';

/** Records a touchpoint belongs to: contacts (customers), deals, tickets — one v4 read each per 1,000. */
export const TOUCHPOINT_TARGETS = ['contacts', 'deals', 'tickets'] as const;
export type TouchpointTarget = (typeof TOUCHPOINT_TARGETS)[number];

/** Activity date and owner, on every engagement (not on feedback submissions). */
const ACTIVITY = ['hs_timestamp', 'hubspot_owner_id'];

// Guides: https://developers.hubspot.com/docs/api-reference/legacy/crm/activities/{calls,emails,meetings,notes,postal-mail}/guide ,
// …/crm/objects/communications/guide , …/latest/crm/objects/feedback-submissions/guide
export const TOUCHPOINT_PROPERTIES: Record<TouchpointObject, string[]> = {
  calls: [...ACTIVITY, 'hs_call_direction', 'hs_call_status', 'hs_call_disposition', 'hs_call_duration', 'hs_call_title', 'hs_activity_type'],
  emails: [...ACTIVITY, 'hs_email_direction', 'hs_email_status', 'hs_email_subject'],
  meetings: [...ACTIVITY, 'hs_meeting_start_time', 'hs_meeting_end_time', 'hs_meeting_outcome', 'hs_meeting_title', 'hs_activity_type'],
  notes: [...ACTIVITY],
  communications: [...ACTIVITY, 'hs_communication_channel_type', 'hs_communication_logged_from'],
  postal_mail: [...ACTIVITY],
  // `hs_submission_timestamp` is seen in real clients only (UNCONFIRMED): HubSpot leaves out a property
  // the portal lacks without an error, and `at` falls back on the creation date.
  feedback_submissions: ['hs_survey_type', 'hs_survey_name', 'hs_survey_id', 'hs_survey_channel', 'hs_value', 'hs_response_group', 'hs_submission_timestamp'],
};

/** Always asked: the cursor's property. */
export const TOUCHPOINT_MODIFIED = 'hs_lastmodifieddate';

export function propertiesOf(object: TouchpointObject): string[] {
  return [...TOUCHPOINT_PROPERTIES[object], TOUCHPOINT_MODIFIED];
}

/** The contact properties behind form conversions (touchpoints.md §2; names from HubSpot's SDK). */
export const CONVERSION_PROPERTIES = ['first_conversion_date', 'first_conversion_event_name', 'recent_conversion_date', 'recent_conversion_event_name', 'num_conversion_events', 'lastmodifieddate'];
