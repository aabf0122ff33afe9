/**
 * `/journey`: the journey map of one installation, drawn from the store on each request — so it is
 * always as fresh as the last run.
 */
import { defaultMapping, type Env } from '../config.ts';
import { compileEngine } from '../journey/engine.ts';
import { loadMapping } from '../mapping/load.ts';
import { collectJourneyMap, renderHtml, storeSource } from '../report/index.ts';
import type { InstallationRow, Store } from '../store/index.ts';
import { withLastMissing } from '../sync/field-check.ts';

export function journeyMapRenderer(env: Env, store: Store, now: () => number): (installation: InstallationRow) => Promise<string> {
  return async (installation) => {
    const engine = await withLastMissing(store, installation.id, compileEngine(loadMapping(defaultMapping(env, installation.crm))));
    const map = await collectJourneyMap({ crm: installation.crm, engine, source: storeSource(store, installation.id), now: now() });
    return renderHtml(map, { title: `${installation.label} — journey map` });
  };
}
