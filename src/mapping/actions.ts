/**
 * The `actions:` section: follow-up tasks for record owners (issue 14). Checked against the flags and
 * stages the same file defines, so a typo fails the load with its line, before anything runs.
 */
import type { Severity } from '../model.ts';
import { OWNER_PATHS, type ActionDef, type FrictionDef, type JourneyDef, type OwnerPath } from './ast.ts';
import type { RawIssue } from './conditions.ts';
import { VOCABULARY } from './vocabulary.ts';

export interface RawAction {
  id: string;
  label?: string | undefined;
  on_flag?: string | undefined;
  on_stage?: string | undefined;
  subject: string;
  body?: string | undefined;
  owner: string;
  fallback_owner?: string | undefined;
  priority?: Severity | undefined;
  due_in_days: number;
  business_days: boolean;
  close_when_cleared: boolean;
}

const PLACEHOLDER = /\{([a-zA-Z_]+)(?:\.([a-zA-Z_.]+))?\}/g;
/** Roots an action template may cite: the reason variables, plus the flag and its reason line. */
const ROOTS = ['contact', 'deal', 'ticket', 'stage', 'now', 'flag', 'reason'] as const;

/** The record kind an action's task is about: the kind its flag attaches to per record, else the contact. */
export function actionTarget(flag: FrictionDef | undefined): 'contact' | 'deal' | 'ticket' {
  if (!flag) return 'contact';
  if (flag.on.includes('deal')) return 'deal';
  if (flag.on.includes('ticket')) return 'ticket';
  return 'contact';
}

export function parseActions(raw: RawAction[], friction: FrictionDef[], journeys: JourneyDef[], issues: RawIssue[]): ActionDef[] {
  const stageIds = new Set(journeys.flatMap((j) => j.stages.map((s) => s.id)));
  return raw.map((a, i) => {
    const at = (key: string): Array<string | number> => ['actions', i, key];
    if (a.on_flag === undefined && a.on_stage === undefined) {
      issues.push({ path: ['actions', i], message: 'an action needs on_flag, on_stage, or both' });
    }
    const flag = a.on_flag === undefined ? undefined : friction.find((f) => f.id === a.on_flag);
    if (a.on_flag !== undefined && !flag) {
      issues.push({ path: at('on_flag'), message: `unknown flag "${a.on_flag}"; flags are ${friction.map((f) => f.id).join(', ') || 'none'}` });
    }
    if (a.on_stage !== undefined && !stageIds.has(a.on_stage)) {
      issues.push({ path: at('on_stage'), message: `unknown stage "${a.on_stage}"; stages are ${[...stageIds].join(', ')}` });
    }
    const target = actionTarget(flag);
    const owner = a.owner as OwnerPath;
    if (!(OWNER_PATHS as readonly string[]).includes(a.owner)) {
      issues.push({ path: at('owner'), message: `unknown owner "${a.owner}"; owner is one of ${OWNER_PATHS.join(', ')}` });
    } else if (owner !== 'contact.owner' && owner !== `${target}.owner`) {
      const about = flag ? `flag "${flag.id}" attaches to ${flag.on.join(' and ')}` : 'a stage-only action is about the contact';
      issues.push({ path: at('owner'), message: `owner ${owner} names no ${owner.split('.')[0]} here (${about}); use ${target === 'contact' ? 'contact.owner' : `${target}.owner or contact.owner`}` });
    }
    for (const key of ['subject', 'body'] as const) {
      const text = a[key];
      if (text !== undefined) for (const m of templateProblems(text, target)) issues.push({ path: at(key), message: m });
    }
    return {
      id: a.id,
      label: a.label ?? a.id,
      onFlag: a.on_flag ?? null,
      onStage: a.on_stage ?? null,
      subject: a.subject,
      body: a.body ?? '{reason}',
      owner,
      fallbackOwner: a.fallback_owner ?? null,
      priority: a.priority ?? null,
      dueInDays: a.due_in_days,
      businessDays: a.business_days,
      closeWhenCleared: a.close_when_cleared,
    };
  });
}

/** Placeholders that cannot be filled for a task about a `target`: an unknown root or field, or a record it has none of. */
function templateProblems(text: string, target: 'contact' | 'deal' | 'ticket'): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const [whole, root, field] = m as unknown as [string, string, string | undefined];
    if (!(ROOTS as readonly string[]).includes(root)) {
      out.push(`unknown template variable ${whole}; variables start with ${ROOTS.join(', ')}`);
      continue;
    }
    if (root !== 'contact' && root !== 'deal' && root !== 'ticket') {
      if (field !== undefined) out.push(`template variable ${whole}: {${root}} takes no field`);
      continue;
    }
    if (root !== 'contact' && root !== target) {
      out.push(`template variable ${whole}: the task is about a ${target}, so it has no ${root} to cite`);
      continue;
    }
    if (field === undefined) out.push(`template variable ${whole} needs a field, e.g. {${root}.name}`);
    else if (!field.startsWith('raw.') && !(field in VOCABULARY[root])) {
      out.push(`unknown field ${root}.${field} in ${whole}; ${root} fields are ${Object.keys(VOCABULARY[root]).join(', ')} or raw.<CRM field>`);
    }
  }
  return out;
}
