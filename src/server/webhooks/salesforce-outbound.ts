/**
 * Salesforce Outbound Messages: the SOAP `notifications()` body a workflow/flow action POSTs
 * (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html):
 * `OrganizationId`, then up to 100 `Notification`s, each with its own `Id` (stable across retries) and an
 * `sObject` (`xsi:type="sf:Opportunity"`) carrying the fields the admin picked, at least `sf:Id`.
 *
 * Parsed with fast-xml-parser (a maintained, linear-time parser) after the route has authenticated the
 * caller and capped the body: DOCTYPE / ENTITY declarations are refused before parsing, entity
 * processing is off, nesting is capped, and every value we keep is checked against the id alphabet.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

/** Envelope › Body › notifications › Notification › sObject › field: 5 levels; anything deeper is not an outbound message. */
export const MAX_XML_DEPTH = 8;
/** The WSDL allows at most 100 notifications per message. */
export const MAX_NOTIFICATIONS = 100;

const SF_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
const SOBJECT_TYPE = /^(?:[A-Za-z_][\w.-]*:)?([A-Za-z][A-Za-z0-9_]*)$/;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_XML_DEPTH,
  isArray: (name) => name === 'Notification',
});

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (n: unknown, name: string): unknown => (isNode(n) ? n[name] : undefined);

function idOf(v: unknown): string | null {
  const s = typeof v === 'string' ? v.trim() : isNode(v) && typeof v['#text'] === 'string' ? v['#text'].trim() : null;
  return s !== null && SF_ID.test(s) ? s : null;
}

/** null when the body is not an outbound message notifications() body. */
export function parseOutboundMessage(body: string): OutboundMessage | null {
  // No DTD may reach the parser: no entity can be declared, so none can expand.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return null;
  if (XMLValidator.validate(body) !== true) return null;
  let doc: unknown;
  try {
    doc = parser.parse(body);
  } catch {
    return null;
  }
  const notifications = child(child(child(doc, 'Envelope'), 'Body'), 'notifications');
  const organizationId = idOf(child(notifications, 'OrganizationId'));
  const items = child(notifications, 'Notification');
  if (!organizationId || !Array.isArray(items) || items.length === 0 || items.length > MAX_NOTIFICATIONS) return null;
  const out: OutboundNotification[] = [];
  for (const item of items) {
    const sobject = child(item, 'sObject');
    const id = idOf(child(item, 'Id'));
    const recordId = idOf(child(sobject, 'Id'));
    const type = SOBJECT_TYPE.exec(String(child(sobject, '@_type') ?? ''))?.[1];
    if (!id || !recordId || !type) return null;
    out.push({ id, sobjectType: type, recordId, contactId: idOf(child(sobject, 'ContactId')) ?? idOf(child(sobject, 'WhoId')) });
  }
  return { organizationId, notifications: out };
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
