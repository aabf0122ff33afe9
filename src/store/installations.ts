/**
 * Installations (connected portals/orgs with their sealed tokens), pending OAuth states and the keys
 * of webhook events already accepted. Kept in the `settings` table, so the schema (and its tests)
 * stay as they are:
 * - `(<installation>, 'installation')` → the installation's JSON; `(<installation>, 'installation-secrets')` → sealed tokens;
 * - `('parcours:oauth-state', <nonce>)` → pending install; `('parcours:webhook:<source>', <event key>)` → seen event.
 * Secrets arrive sealed by the caller and are stored as given.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import { CRMS, type CrmName } from '../model.ts';
import { int, text } from './row-values.ts';
import type { InstallationInput, InstallationRow, OauthStateRow } from './types.ts';

const INSTALLATION_KEY = 'installation';
const SECRETS_KEY = 'installation-secrets';
const STATE_NAMESPACE = 'parcours:oauth-state';
const EVENT_NAMESPACE = 'parcours:webhook:';

const inputSchema = z.object({
  id: z.string().min(1).refine((id) => !id.startsWith('parcours:'), 'installation ids starting with "parcours:" are reserved'),
  crm: z.enum(CRMS),
  externalId: z.string().min(1).nullable(),
  source: z.enum(['env', 'oauth']),
  label: z.string().min(1),
  secrets: z.string().min(1).nullable(),
});

const storedSchema = z.object({
  crm: z.enum(CRMS),
  externalId: z.string().nullable(),
  source: z.enum(['env', 'oauth']),
  label: z.string(),
  createdAt: z.number().int(),
});

const stateSchema = z.object({ crm: z.enum(CRMS), data: z.string(), expiresAt: z.number().int() });

export function createInstallations(db: DatabaseSync, now: () => number) {
  const put = db.prepare(`
    INSERT INTO settings (installation, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (installation, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  const putNew = db.prepare('INSERT OR IGNORE INTO settings (installation, key, value, updated_at) VALUES (?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM settings WHERE installation = ? AND key = ?');
  const selectOne = db.prepare(`
    SELECT i.installation, i.value, i.updated_at, s.value AS secrets FROM settings i
    LEFT JOIN settings s ON s.installation = i.installation AND s.key = '${SECRETS_KEY}'
    WHERE i.installation = ? AND i.key = '${INSTALLATION_KEY}'`);
  const selectAll = db.prepare(`
    SELECT i.installation, i.value, i.updated_at, s.value AS secrets FROM settings i
    LEFT JOIN settings s ON s.installation = i.installation AND s.key = '${SECRETS_KEY}'
    WHERE i.key = '${INSTALLATION_KEY}' ORDER BY i.installation`);
  const countSealed = db.prepare(`SELECT count(*) AS n FROM settings WHERE key = '${SECRETS_KEY}'`);
  const take = db.prepare('DELETE FROM settings WHERE installation = ? AND key = ? RETURNING value');
  const pruneStates = db.prepare('DELETE FROM settings WHERE installation = ? AND updated_at < ?');
  const pruneEvents = db.prepare(`DELETE FROM settings WHERE installation >= '${EVENT_NAMESPACE}' AND installation < '${EVENT_NAMESPACE}\uffff' AND updated_at < ?`);

  function toRow(row: Record<string, SQLOutputValue>): InstallationRow {
    const id = text(row, 'installation');
    const parsed = storedSchema.safeParse(JSON.parse(text(row, 'value')));
    if (!parsed.success) throw new ParcoursError('STORE_ERROR', `stored installation ${id} is unreadable`, { installation: id });
    const secrets = row['secrets'];
    return { id, ...parsed.data, secrets: typeof secrets === 'string' ? secrets : null, updatedAt: int(row, 'updated_at') };
  }

  function list(): InstallationRow[] {
    return selectAll.all().map(toRow);
  }

  return {
    upsert(input: InstallationInput): void {
      const parsed = inputSchema.safeParse(input);
      if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `saveInstallation: ${z.prettifyError(parsed.error)}`);
      const i = parsed.data;
      // One installation per portal/org: webhooks find their installation by it.
      const holder = i.externalId === null ? undefined : list().find((r) => r.crm === i.crm && r.externalId === i.externalId && r.id !== i.id);
      if (holder) throw new ParcoursError('INPUT_INVALID', `${i.crm} ${i.externalId} is already installation ${holder.id}`, { installation: i.id });
      const at = now();
      const existing = selectOne.get(i.id);
      const createdAt = existing ? toRow(existing).createdAt : at;
      put.run(i.id, INSTALLATION_KEY, JSON.stringify({ crm: i.crm, externalId: i.externalId, source: i.source, label: i.label, createdAt }), at);
      if (i.secrets === null) remove.run(i.id, SECRETS_KEY);
      else put.run(i.id, SECRETS_KEY, i.secrets, at);
    },
    setSecrets(id: string, sealed: string | null): void {
      if (!selectOne.get(id)) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
      if (sealed === null) remove.run(id, SECRETS_KEY);
      else put.run(id, SECRETS_KEY, sealed, now());
    },
    get(id: string): InstallationRow | undefined {
      const row = selectOne.get(id);
      return row ? toRow(row) : undefined;
    },
    list,
    byExternalId(crm: CrmName, externalId: string): InstallationRow | undefined {
      return list().find((r) => r.crm === crm && r.externalId === externalId);
    },
    hasSealedSecrets(): boolean {
      return int(countSealed.get() ?? { n: 0 }, 'n') > 0;
    },
    saveState(nonce: string, crm: CrmName, data: string, expiresAt: number): void {
      const at = now();
      // States older than an hour are abandoned installs.
      pruneStates.run(STATE_NAMESPACE, at - 3_600_000);
      put.run(STATE_NAMESPACE, nonce, JSON.stringify({ crm, data, expiresAt }), at);
    },
    /** Deletes while reading, so a state works once even under concurrent callbacks. */
    takeState(nonce: string): OauthStateRow | undefined {
      const row = take.get(STATE_NAMESPACE, nonce);
      if (!row) return undefined;
      const state = stateSchema.safeParse(JSON.parse(text(row, 'value')));
      return state.success && state.data.expiresAt >= now() ? state.data : undefined;
    },
    rememberEvent(source: string, key: string, at: number): boolean {
      return Number(putNew.run(`${EVENT_NAMESPACE}${source}`, key, String(at), at).changes) === 1;
    },
    forgetEventsBefore(at: number): number {
      return Number(pruneEvents.run(at).changes);
    },
  };
}
