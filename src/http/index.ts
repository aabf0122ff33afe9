export { CallStats } from './call-stats.ts';
export { Pacer, type PacerOptions } from './pacer.ts';
export { callWithPolicy, type CallPolicy, type FailureDecision } from './retry.ts';
