/**
 * Installations (connected portals/orgs with their sealed tokens), pending OAuth states and the keys
 * of webhook events already accepted (migration 4). Secrets arrive sealed by the caller and are
 * stored as given.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { z } from 'zod';
import { ParcoursError } from '../errors.ts';
import { CRMS, type CrmName } from '../model.ts';
import { int, text } from './row-values.ts';
import { INSTALLATION_SOURCES, type InstallationInput, type InstallationRow, type OauthStateRow } from './types.ts';

const inputSchema = z.object({
  id: z.string().min(1).refine((id) => !id.startsWith('parcours:'), 'installation ids starting with "parcours:" are reserved'),
  crm: z.enum(CRMS),
  externalId: z.string().min(1).nullable(),
  source: z.enum(INSTALLATION_SOURCES),
  label: z.string().min(1),
  secrets: z.string().min(1).nullable(),
});

export function createInstallations(db: DatabaseSync, now: () => number) {
  const upsertRow = db.prepare(`
    INSERT INTO installations (id, crm, external_id, source, label, secrets, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET crm = excluded.crm, external_id = excluded.external_id, source = excluded.source,
      label = excluded.label, secrets = excluded.secrets, updated_at = excluded.updated_at`);
  const deleteRow = db.prepare('DELETE FROM installations WHERE id = ?');
  // The sealed values kept for it in settings (a rotated Salesforce refresh token): secrets go with the installation.
  const deleteSealedSettings = db.prepare("DELETE FROM settings WHERE installation = ? AND value LIKE 'sealed:%'");
  const updateSecrets = db.prepare('UPDATE installations SET secrets = ?, updated_at = ? WHERE id = ?');
  const selectOne = db.prepare('SELECT * FROM installations WHERE id = ?');
  const selectAll = db.prepare('SELECT * FROM installations ORDER BY id');
  const selectByExternal = db.prepare('SELECT * FROM installations WHERE crm = ? AND external_id = ?');
  // Sealed values live on installations and in settings (the CLI's rotated Salesforce refresh token).
  const countSealed = db.prepare(`SELECT (SELECT count(*) FROM installations WHERE secrets IS NOT NULL)
    + (SELECT count(*) FROM settings WHERE value LIKE 'sealed:%') AS n`);
  const updateWebhookSecret = db.prepare('UPDATE installations SET webhook_secret = ?, updated_at = ? WHERE id = ?');
  const selectWithWebhookSecret = db.prepare('SELECT * FROM installations WHERE crm = ? AND webhook_secret IS NOT NULL ORDER BY id');
  const insertState = db.prepare('INSERT OR REPLACE INTO oauth_states (nonce, crm, data, expires_at, created_at) VALUES (?, ?, ?, ?, ?)');
  const takeState = db.prepare('DELETE FROM oauth_states WHERE nonce = ? RETURNING crm, data, expires_at');
  const pruneStates = db.prepare('DELETE FROM oauth_states WHERE created_at < ?');
  const insertEvent = db.prepare('INSERT OR IGNORE INTO webhook_events (source, event_key, received_at) VALUES (?, ?, ?)');
  const pruneEvents = db.prepare('DELETE FROM webhook_events WHERE received_at < ?');

  function toRow(row: Record<string, SQLOutputValue>): InstallationRow {
    const crm = z.enum(CRMS).parse(text(row, 'crm'));
    const source = z.enum(INSTALLATION_SOURCES).parse(text(row, 'source'));
    const externalId = row['external_id'];
    const secrets = row['secrets'];
    const webhookSecret = row['webhook_secret'];
    return {
      id: text(row, 'id'),
      crm,
      externalId: typeof externalId === 'string' ? externalId : null,
      source,
      label: text(row, 'label'),
      secrets: typeof secrets === 'string' ? secrets : null,
      webhookSecret: typeof webhookSecret === 'string' ? webhookSecret : null,
      createdAt: int(row, 'created_at'),
      updatedAt: int(row, 'updated_at'),
    };
  }

  return {
    upsert(input: InstallationInput): void {
      const parsed = inputSchema.safeParse(input);
      if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `saveInstallation: ${z.prettifyError(parsed.error)}`);
      const i = parsed.data;
      const holder = i.externalId === null ? undefined : selectByExternal.get(i.crm, i.externalId);
      if (holder && text(holder, 'id') !== i.id) {
        throw new ParcoursError('INPUT_INVALID', `${i.crm} ${i.externalId} is already installation ${text(holder, 'id')}`, { installation: i.id });
      }
      const at = now();
      const existing = selectOne.get(i.id);
      upsertRow.run(i.id, i.crm, i.externalId, i.source, i.label, i.secrets, existing ? int(existing, 'created_at') : at, at);
    },
    /** The caller runs it in a transaction (row and sealed settings go together). */
    remove(id: string): boolean {
      if (Number(deleteRow.run(id).changes) === 0) return false;
      deleteSealedSettings.run(id);
      return true;
    },
    setSecrets(id: string, sealed: string | null): void {
      if (Number(updateSecrets.run(sealed, now(), id).changes) === 0) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    },
    setWebhookSecret(id: string, secret: string): void {
      if (!/^[A-Za-z0-9_-]{22,}$/.test(secret)) throw new ParcoursError('INPUT_INVALID', 'a webhook secret is at least 22 base64url characters (128 bits)', { installation: id });
      if (Number(updateWebhookSecret.run(secret, now(), id).changes) === 0) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
    },
    withWebhookSecret(crm: CrmName): InstallationRow[] {
      return selectWithWebhookSecret.all(crm).map(toRow);
    },
    get(id: string): InstallationRow | undefined {
      const row = selectOne.get(id);
      return row ? toRow(row) : undefined;
    },
    list(): InstallationRow[] {
      return selectAll.all().map(toRow);
    },
    byExternalId(crm: CrmName, externalId: string): InstallationRow | undefined {
      const row = selectByExternal.get(crm, externalId);
      return row ? toRow(row) : undefined;
    },
    hasSealedSecrets(): boolean {
      return int(countSealed.get() ?? { n: 0 }, 'n') > 0;
    },
    saveState(nonce: string, crm: CrmName, data: string, expiresAt: number): void {
      const at = now();
      // States older than an hour are abandoned installs.
      pruneStates.run(at - 3_600_000);
      insertState.run(nonce, crm, data, expiresAt, at);
    },
    /** Deletes while reading, so a state works once even under concurrent callbacks. */
    takeState(nonce: string): OauthStateRow | undefined {
      const row = takeState.get(nonce);
      if (!row) return undefined;
      const state = { crm: z.enum(CRMS).parse(text(row, 'crm')), data: text(row, 'data'), expiresAt: int(row, 'expires_at') };
      return state.expiresAt >= now() ? state : undefined;
    },
    rememberEvent(source: string, key: string, at: number): boolean {
      return Number(insertEvent.run(source, key, at).changes) === 1;
    },
    forgetEventsBefore(at: number): number {
      return Number(pruneEvents.run(at).changes);
    },
  };
}
