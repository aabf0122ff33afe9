/**
 * Words for people in place of CRM enum values: `DIRECT_TRAFFIC` → "Direct traffic", `in_person` →
 * "In person". HubSpot's source labels are the ones its UI shows (touchpoints.md §2, `hs_analytics_source`);
 * anything unknown is un-shouted (underscores to spaces, sentence case), so a new value still reads well.
 */
const KNOWN: Record<string, string> = {
  // HubSpot original / latest traffic source
  ORGANIC_SEARCH: 'Organic search',
  PAID_SEARCH: 'Paid search',
  EMAIL_MARKETING: 'Email marketing',
  SOCIAL_MEDIA: 'Organic social',
  REFERRALS: 'Referrals',
  OTHER_CAMPAIGNS: 'Other campaigns',
  DIRECT_TRAFFIC: 'Direct traffic',
  OFFLINE: 'Offline sources',
  PAID_SOCIAL: 'Paid social',
  AI_REFERRALS: 'AI referrals',
  // normalized touchpoint channels
  sms: 'SMS',
  whatsapp: 'WhatsApp',
  in_person: 'In person',
  web: 'Web',
  // HubSpot ticket source_type
  WHATS_APP: 'WhatsApp',
  FB_MESSENGER: 'Facebook Messenger',
  '(none)': 'None recorded',
};

const ACRONYMS = new Set(['sms', 'ai', 'crm', 'api', 'url', 'nps', 'csat', 'ces', 'id']);

export function channelLabel(value: string): string {
  const known = KNOWN[value];
  if (known) return known;
  const words = value.replace(/[_-]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return value;
  // Only reword values that are shouted or snake_case; "Web", "Phone" (Salesforce Origin) stay as they are.
  if (!/^[A-Z0-9_ -]+$/.test(value) && !/^[a-z0-9_]+$/.test(value)) return value;
  return words
    .map((w, i) => {
      const lower = w.toLowerCase();
      if (ACRONYMS.has(lower)) return lower.toUpperCase();
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(' ');
}

const OUTCOME: Record<string, string> = {
  no_answer: 'no answer', wrong_number: 'wrong number', no_show: 'no-show',
};

/** "Inbound phone", "Meeting: no-show", "Outbound email". */
export function touchpointKindLabel(channel: string, detail: string): string {
  const ch = channelLabel(channel);
  if (detail === 'inbound' || detail === 'outbound') return `${detail === 'inbound' ? 'Inbound' : 'Outbound'} ${midSentence(ch)}`;
  const outcome = detail.startsWith('outcome:') ? detail.slice('outcome:'.length) : detail;
  return `${ch}: ${OUTCOME[outcome] ?? outcome.replace(/_/g, ' ')}`;
}

/** A label inside a sentence: "Phone" → "phone", but "SMS" and "WhatsApp" keep their capitals. */
function midSentence(label: string): string {
  if (/^[A-Z]{2}/.test(label) || /^[A-Z][a-z]+[A-Z]/.test(label)) return label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}
