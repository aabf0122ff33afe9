/**
 * The field vocabulary rules can use: the canonical model's normalized fields per record kind,
 * their value types (to check operators at load time), and the journey's own outputs.
 */
export type ValueType = 'string' | 'number' | 'boolean' | 'time' | 'list';

export const SCOPES = ['contact', 'deal', 'ticket', 'journey'] as const;
export type Scope = (typeof SCOPES)[number];

export const VOCABULARY: Record<Scope, Record<string, ValueType>> = {
  contact: {
    id: 'string', objectType: 'string', email: 'string', name: 'string', createdAt: 'time', updatedAt: 'time',
    lifecycle: 'string', source: 'string', country: 'string', industry: 'string', employees: 'number',
    npsScore: 'number', csat: 'number',
  },
  deal: {
    id: 'string', objectType: 'string', name: 'string', amount: 'number', pipeline: 'string', stage: 'string',
    isClosed: 'boolean', isWon: 'boolean', createdAt: 'time', updatedAt: 'time', stageEnteredAt: 'time',
    closedAt: 'time', stagesReached: 'list',
  },
  ticket: {
    id: 'string', objectType: 'string', subject: 'string', status: 'string', isOpen: 'boolean', priority: 'string',
    channel: 'string', createdAt: 'time', updatedAt: 'time', closedAt: 'time', firstResponseAt: 'time',
    /** Derived: hours from creation to first response; null while there is none. */
    firstResponseHours: 'number',
  },
  journey: { stage: 'string', flags: 'list', segments: 'list' },
};

/** Normalized fields that are computed by the engine, not filled by connectors. */
export const DERIVED_FIELDS: Partial<Record<Scope, Record<string, string[]>>> = {
  ticket: { firstResponseHours: ['createdAt', 'firstResponseAt'] },
};

/** Fields an admin may re-point at another CRM field in the mapping's `fields:` section. */
export const OVERRIDABLE: Record<'contact' | 'deal' | 'ticket', string[]> = {
  contact: ['email', 'name', 'createdAt', 'lifecycle', 'source', 'country', 'industry', 'employees', 'npsScore', 'csat'],
  deal: ['name', 'amount', 'pipeline', 'stage', 'createdAt', 'stageEnteredAt', 'closedAt'],
  ticket: ['subject', 'status', 'priority', 'channel', 'createdAt', 'closedAt', 'firstResponseAt'],
};
