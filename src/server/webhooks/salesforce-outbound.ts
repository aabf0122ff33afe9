/**
 * Salesforce Outbound Messages: the SOAP `notifications()` body a workflow/flow action POSTs
 * (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html):
 * `OrganizationId`, then up to 100 `Notification`s, each with its own `Id` (stable across retries) and an
 * `sObject` (`xsi:type="sf:Opportunity"`) carrying the fields the admin picked, at least `sf:Id`.
 *
 * We read only ids, which are alphanumeric, so a narrow reader suffices: DTDs and entities are
 * refused outright (no entity expansion can happen), and every value is checked against the id alphabet.
 */
import type { ObjectKind, RecordRef } from '../../model.ts';
import type { ChangeBatch } from '../work-queue.ts';

export interface OutboundNotification {
  /** Notification id: Salesforce re-sends it unchanged until acknowledged. */
  id: string;
  sobjectType: string;
  recordId: string;
  /** `sf:ContactId` / `sf:WhoId` when the admin included it (e.g. on Case). */
  contactId: string | null;
}

export interface OutboundMessage {
  organizationId: string;
  notifications: OutboundNotification[];
}

const SF_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
const tag = (name: string) => new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}>`);

function idIn(xml: string, name: string): string | null {
  const v = tag(name).exec(xml)?.[1]?.trim();
  return v !== undefined && SF_ID.test(v) ? v : null;
}

/** null when the body is not a well-formed-enough outbound message. */
export function parseOutboundMessage(body: string): OutboundMessage | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return null;
  const envelope = /<(?:[\w.-]+:)?notifications[\s>][\s\S]*<\/(?:[\w.-]+:)?notifications>/.exec(body)?.[0];
  if (!envelope) return null;
  const firstNotification = envelope.search(/<(?:[\w.-]+:)?Notification[\s>]/);
  const organizationId = idIn(firstNotification === -1 ? envelope : envelope.slice(0, firstNotification), 'OrganizationId');
  if (!organizationId) return null;
  const notifications: OutboundNotification[] = [];
  for (const m of envelope.matchAll(/<(?:[\w.-]+:)?Notification(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?Notification>/g)) {
    const inner = m[1] ?? '';
    const sobject = /<(?:[\w.-]+:)?sObject(\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?sObject>/.exec(inner);
    if (!sobject) return null;
    const outside = inner.replace(sobject[0], '');
    const id = idIn(outside, 'Id');
    const recordId = idIn(sobject[2] ?? '', 'Id');
    const type = /xsi:type="(?:[\w.-]+:)?([A-Za-z][A-Za-z0-9_]*)"/.exec(sobject[1] ?? '')?.[1];
    if (!id || !recordId || !type) return null;
    notifications.push({ id, sobjectType: type, recordId, contactId: idIn(sobject[2] ?? '', 'ContactId') ?? idIn(sobject[2] ?? '', 'WhoId') });
  }
  return notifications.length > 0 && notifications.length <= 100 ? { organizationId, notifications } : null;
}

const KINDS: Record<string, ObjectKind> = { Contact: 'contact', Lead: 'contact', Opportunity: 'deal', Case: 'ticket' };

export function changesOfNotification(n: OutboundNotification): Partial<ChangeBatch> | null {
  const kind = KINDS[n.sobjectType];
  if (!kind) return null;
  if (kind === 'contact') return { contactIds: [n.recordId] };
  const ref: RecordRef = { kind, objectType: n.sobjectType, id: n.recordId };
  return { records: [ref], ...(n.contactId && !n.contactId.startsWith('005') ? { contactIds: [n.contactId] } : {}) };
}

/** Salesforce keeps re-sending until it reads this (https://help.salesforce.com/s/articleView?id=platform.workflow_om_considerations.htm). */
export const ACK = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>';

export function soapFault(code: 'soapenv:Client' | 'soapenv:Server', message: string): string {
  const safe = message.replace(/[<>&]/g, '');
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>${code}</faultcode><faultstring>${safe}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
}
