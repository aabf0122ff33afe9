/**
 * Which Salesforce fields to request for each object, from what the compiled mapping needs
 * (`FieldNeeds`): the sources of the normalized fields it lists, its raw fields, the owned fields,
 * and what the connector needs itself (Id, SystemModstamp, flags the model requires).
 *
 * Overrides and raw names may be qualified by object, because the `contact` kind covers two
 * Salesforce objects: `Contact:NPS__c` applies to Contacts only, `Lead:NPS_Score__c` to Leads,
 * an unqualified name to both; several are separated by commas.
 */
import type { FieldNeeds } from '../port.ts';
import type { ObjectKind } from '../../src/model.ts';
import { ParcoursError } from '../../src/errors.ts';
import { assertFieldName } from './soql.ts';

export const SF_OBJECTS = ['Contact', 'Lead', 'Opportunity', 'Case'] as const;
export type SfObject = (typeof SF_OBJECTS)[number];

export const OBJECTS_OF_KIND: Record<ObjectKind, readonly SfObject[]> = {
  contact: ['Contact', 'Lead'],
  deal: ['Opportunity'],
  ticket: ['Case'],
};

export const KIND_OF_OBJECT: Record<SfObject, ObjectKind> = { Contact: 'contact', Lead: 'contact', Opportunity: 'deal', Case: 'ticket' };

/**
 * Default sources of each normalized field, first non-null wins. Empty list = no standard field
 * (only an override can fill it). Field references:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm (and _lead, _opportunity, _case)
 */
export const DEFAULT_SOURCES: Record<SfObject, Record<string, string[]>> = {
  Contact: {
    email: ['Email'], name: ['Name'], createdAt: ['CreatedDate'], lifecycle: [], source: ['LeadSource'],
    country: ['MailingCountry', 'Account.BillingCountry'], industry: ['Account.Industry'],
    employees: ['Account.NumberOfEmployees'], npsScore: [], csat: [],
  },
  Lead: {
    email: ['Email'], name: ['Name'], createdAt: ['CreatedDate'], lifecycle: ['Status'], source: ['LeadSource'],
    country: ['Country'], industry: ['Industry'], employees: ['NumberOfEmployees'], npsScore: [], csat: [],
  },
  Opportunity: {
    name: ['Name'], amount: ['Amount'], pipeline: [], stage: ['StageName'], createdAt: ['CreatedDate'],
    // LastStageChangeDate: when StageName last changed (read-only, API 52.0+).
    stageEnteredAt: ['LastStageChangeDate'], closedAt: ['CloseDate'],
  },
  Case: {
    subject: ['Subject'], status: ['Status'], priority: ['Priority'], channel: ['Origin'],
    createdAt: ['CreatedDate'], closedAt: ['ClosedDate'],
    // No standard "first response" field on Case: admins point this at their own (e.g. First_Response_At__c).
    firstResponseAt: [],
  },
};

/** Fields the connector always needs, whatever the mapping asks. */
const INTERNAL: Record<SfObject, string[]> = {
  Contact: ['Id', 'SystemModstamp'],
  Lead: ['Id', 'SystemModstamp'],
  Opportunity: ['Id', 'SystemModstamp', 'IsClosed', 'IsWon', 'AccountId'],
  Case: ['Id', 'SystemModstamp', 'IsClosed', 'ContactId'],
};

/**
 * The record owner, standard on all four objects (a User, or for Leads and Cases a queue): becomes
 * `ownerId`, who gets follow-up tasks. Selected last, after what the mapping asks.
 */
export const OWNER_FIELD = 'OwnerId';

export interface ObjectPlan {
  object: SfObject;
  kind: ObjectKind;
  /** Every field to SELECT. */
  select: string[];
  /** normalized field → sources (first non-null wins). Absent = not requested (stays null). */
  sources: Record<string, string[]>;
  /** Raw and owned fields copied into `record.raw`. */
  raw: string[];
  /** Whether deals need OpportunityHistory for `stagesReached` or `stageHistory`. */
  stagesReached: boolean;
  /** Whether deals carry their dated `stageHistory` (OpportunityHistory rows). */
  stageHistory: boolean;
}

/** `Contact:NPS__c, Lead:NPS_Score__c` → the names that apply to `object`. */
export function namesFor(object: SfObject, spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(Contact|Lead|Opportunity|Case):(.+)$/.exec(part);
    if (m && m[1] !== object) continue;
    const name = (m ? (m[2] as string) : part).trim();
    try {
      out.push(assertFieldName(name));
    } catch {
      throw new ParcoursError('MAPPING_INVALID', `Salesforce field name "${name}" in the mapping's fields section is not a valid API name`, { crm: 'salesforce' });
    }
  }
  return out;
}

export function planObject(object: SfObject, needs: FieldNeeds): ObjectPlan {
  const kind = KIND_OF_OBJECT[object];
  const defaults = DEFAULT_SOURCES[object];
  const overrides = needs.overrides[kind] ?? {};
  const sources: Record<string, string[]> = {};
  const wanted = new Set(needs.normalized[kind] ?? []);
  // A deal's closedAt needs CloseDate; an override of any listed field counts as wanting it.
  for (const field of Object.keys(overrides)) wanted.add(field);
  let stagesReached = false;
  let stageHistory = false;
  for (const field of wanted) {
    if ((field === 'stagesReached' || field === 'stageHistory') && object === 'Opportunity') {
      stagesReached = true;
      if (field === 'stageHistory') stageHistory = true;
      continue;
    }
    const override = overrides[field];
    const list = override !== undefined ? namesFor(object, override) : (defaults[field] ?? []);
    if (list.length > 0) sources[field] = list;
  }
  const raw = [...new Set([...(needs.raw[kind] ?? []).flatMap((r) => namesFor(object, r)), ...(needs.owned[kind] ?? []).map((o) => assertFieldName(o))])];
  const select = [...new Set([...INTERNAL[object], ...Object.values(sources).flat(), ...raw, OWNER_FIELD])];
  return { object, kind, select, sources, raw, stagesReached, stageHistory };
}
