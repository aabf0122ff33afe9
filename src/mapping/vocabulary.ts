/**
 * The field vocabulary rules can use: the canonical model's normalized fields per record kind,
 * their value types (to check operators at load time), and the journey's own outputs.
 */
import { SURVEY_TYPES, TOUCHPOINT_CHANNELS, TOUCHPOINT_DIRECTIONS, TOUCHPOINT_OUTCOMES } from '../model.ts';

export type ValueType = 'string' | 'number' | 'boolean' | 'time' | 'list';

export const SCOPES = ['contact', 'deal', 'ticket', 'journey', 'touchpoint'] as const;
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
  /** Inside any_touchpoint / no_touchpoint / count_touchpoints / first_touchpoint / last_touchpoint only. */
  touchpoint: {
    id: 'string', objectType: 'string', channel: 'string', rawChannel: 'string', direction: 'string', at: 'time',
    outcome: 'string', rawOutcome: 'string', updatedAt: 'time', ownerId: 'string',
    'survey.type': 'string', 'survey.score': 'number', 'survey.sentiment': 'string',
    'survey.scale.min': 'number', 'survey.scale.max': 'number',
  },
};

/** Values a normalized touchpoint field can take (checked when the mapping loads: a typo is an error). */
export const TOUCHPOINT_VALUES: Record<string, readonly string[]> = {
  channel: TOUCHPOINT_CHANNELS,
  direction: TOUCHPOINT_DIRECTIONS,
  outcome: TOUCHPOINT_OUTCOMES,
  'survey.type': SURVEY_TYPES,
  'survey.sentiment': ['positive', 'neutral', 'negative'],
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
