import { describe, expect, it } from 'vitest';
import { clearingsFor, isGone } from '../../src/sync/sweep-clear.ts';

const caseRef = (id: string) => ({ kind: 'ticket' as const, objectType: 'Case', id });

describe('clearing what Parcours wrote on swept records', () => {
  it('clears only the fields whose last written value is non-empty, and skips records with none', () => {
    const out = clearingsFor([
      { ref: caseRef('c1'), written: { Parcours_Friction__c: 'stalled_case', Parcours_Friction_Reason__c: 'open 30 days', Other__c: '' } },
      { ref: caseRef('c2'), written: { Parcours_Friction__c: null, Parcours_Friction_Reason__c: '' } },
    ], new Set());
    expect(out).toEqual([{
      change: { ref: caseRef('c1'), values: { Parcours_Friction__c: null, Parcours_Friction_Reason__c: null } },
      before: { Parcours_Friction__c: 'stalled_case', Parcours_Friction_Reason__c: 'open 30 days' },
    }]);
  });

  it('never writes a converted Lead (Salesforce locks it), but does clear another swept Lead', () => {
    const lead = (id: string) => ({ kind: 'contact' as const, objectType: 'Lead', id });
    const out = clearingsFor([
      { ref: lead('00Q1'), written: { Parcours_Stage__c: 'awareness' } },
      { ref: lead('00Q2'), written: { Parcours_Stage__c: 'awareness' } },
    ], new Set(['00Q1']));
    expect(out.map((c) => c.change.ref.id)).toEqual(['00Q2']);
  });

  it('takes "the record no longer exists" answers of both CRMs as nothing to do, and nothing else', () => {
    const f = (code: string) => ({ ref: caseRef('c1'), code, message: code, retryable: false });
    expect(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND', 'OBJECT_NOT_FOUND'].map((c) => isGone(f(c)))).toEqual([true, true, true, true]);
    expect(['UNABLE_TO_LOCK_ROW', 'CANNOT_UPDATE_CONVERTED_LEAD', 'VALIDATION_ERROR', 'FIELD_CUSTOM_VALIDATION_EXCEPTION'].map((c) => isGone(f(c)))).toEqual([false, false, false, false]);
  });
});
