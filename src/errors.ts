/**
 * Typed errors: a code, a message naming what is wrong and where, and context
 * (record id, CRM, HTTP status, request id). Never carries secrets.
 */
export type ErrorCode =
  | 'MAPPING_INVALID'
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'AUTH_FAILED'
  | 'RATE_LIMITED'
  | 'DAILY_LIMIT'
  | 'QUOTA_RESERVE'
  | 'CRM_VALIDATION'
  | 'CRM_UNAVAILABLE'
  | 'CRM_ERROR'
  | 'NOT_FOUND'
  | 'STORE_ERROR'
  /** The installation is paused (after a rollback) until `parcours resume`. */
  | 'PAUSED'
  /** The job was taken back (SIGTERM past the grace, a lost queue claim): the run ended at a safe point, keeping what it had done. */
  | 'INTERRUPTED'
  /** Credentials given to add an installation were refused by the CRM's check (nothing was stored). */
  | 'CREDENTIALS_REJECTED';

export interface ErrorContext {
  crm?: 'hubspot' | 'salesforce';
  recordId?: string;
  status?: number;
  requestId?: string;
  endpoint?: string;
  file?: string;
  /** Earliest time (epoch ms) at which retrying makes sense. */
  resumeAt?: number;
  /** The CRM named a field or property unknown: a kept schema read is out of date (read it again, retry once). */
  schemaStale?: boolean;
  [key: string]: unknown;
}

export class ParcoursError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParcoursError';
    this.code = code;
    this.context = context;
  }
}

/** A mapping file problem, located by file, line and JSON-ish path. */
export interface MappingIssue {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

export class MappingError extends ParcoursError {
  readonly issues: MappingIssue[];
  constructor(issues: MappingIssue[]) {
    super('MAPPING_INVALID', issues.map(formatMappingIssue).join('\n'), { file: issues[0]?.file });
    this.name = 'MappingError';
    this.issues = issues;
  }
}

export function formatMappingIssue(i: MappingIssue): string {
  const where = i.line === null ? i.file : `${i.file}:${i.line}`;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}
