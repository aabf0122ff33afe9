/**
 * Installations (connected portals/orgs with their sealed tokens), pending OAuth states and the keys of
 * webhook events already accepted, on PostgreSQL; same checks as src/store/installations.ts.
 */
import { z } from 'zod';
import { ParcoursError } from '../../errors.ts';
import { CRMS, type CrmName } from '../../model.ts';
import { INSTALLATION_SOURCES, type InstallationInput, type InstallationRow, type OauthStateRow } from '../types.ts';
import { byKey, type Queryable, type Row } from './db.ts';
import { num, str, strOrNull } from './row-values.ts';

const inputSchema = z.object({
  id: z.string().min(1).refine((id) => !id.startsWith('parcours:'), 'installation ids starting with "parcours:" are reserved'),
  crm: z.enum(CRMS),
  externalId: z.string().min(1).nullable(),
  source: z.enum(INSTALLATION_SOURCES),
  label: z.string().min(1),
  secrets: z.string().min(1).nullable(),
});

const COLUMNS = 'id, crm, external_id, source, label, secrets, webhook_secret, created_at, updated_at';

function toRow(row: Row): InstallationRow {
  return {
    id: str(row, 'id'),
    crm: z.enum(CRMS).parse(str(row, 'crm')),
    externalId: strOrNull(row, 'external_id'),
    source: z.enum(INSTALLATION_SOURCES).parse(str(row, 'source')),
    label: str(row, 'label'),
    secrets: strOrNull(row, 'secrets'),
    webhookSecret: strOrNull(row, 'webhook_secret'),
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
  };
}

/** Creates or replaces an installation (keeps created_at); one portal/org is one installation. */
export async function saveInstallation(q: Queryable, input: InstallationInput, at: number): Promise<void> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw new ParcoursError('INPUT_INVALID', `saveInstallation: ${z.prettifyError(parsed.error)}`);
  const i = parsed.data;
  if (i.externalId !== null) {
    const holder = await findInstallation(q, i.crm, i.externalId);
    if (holder && holder.id !== i.id) {
      throw new ParcoursError('INPUT_INVALID', `${i.crm} ${i.externalId} is already installation ${holder.id}`, { installation: i.id });
    }
  }
  await q.query(
    `INSERT INTO installations (id, crm, external_id, source, label, secrets, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (id) DO UPDATE SET crm = excluded.crm, external_id = excluded.external_id, source = excluded.source,
       label = excluded.label, secrets = excluded.secrets, updated_at = excluded.updated_at`,
    [i.id, i.crm, i.externalId, i.source, i.label, i.secrets, at],
  );
}

/** The row (sealed secrets and webhook secret with it) and the sealed values kept for it in settings; the caller's transaction. */
export async function removeInstallation(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query('DELETE FROM installations WHERE id = $1', [id]);
  if ((r.rowCount ?? 0) === 0) return false;
  await q.query("DELETE FROM settings WHERE installation = $1 AND value LIKE 'sealed:%'", [id]);
  return true;
}

export async function setInstallationSecrets(q: Queryable, id: string, sealed: string | null, at: number): Promise<void> {
  const r = await q.query('UPDATE installations SET secrets = $1, updated_at = $2 WHERE id = $3', [sealed, at, id]);
  if ((r.rowCount ?? 0) === 0) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
}

export async function setWebhookSecret(q: Queryable, id: string, secret: string, at: number): Promise<void> {
  if (!/^[A-Za-z0-9_-]{22,}$/.test(secret)) throw new ParcoursError('INPUT_INVALID', 'a webhook secret is at least 22 base64url characters (128 bits)', { installation: id });
  const r = await q.query('UPDATE installations SET webhook_secret = $1, updated_at = $2 WHERE id = $3', [secret, at, id]);
  if ((r.rowCount ?? 0) === 0) throw new ParcoursError('NOT_FOUND', `no installation ${id}`, { installation: id });
}

export async function installationsWithWebhookSecret(q: Queryable, crm: CrmName): Promise<InstallationRow[]> {
  const r = await q.query(`SELECT ${COLUMNS} FROM installations WHERE crm = $1 AND webhook_secret IS NOT NULL ORDER BY id`, [crm]);
  return r.rows.map(toRow);
}

export async function getInstallation(q: Queryable, id: string): Promise<InstallationRow | undefined> {
  const r = await q.query(`SELECT ${COLUMNS} FROM installations WHERE id = $1`, [id]);
  const row = r.rows[0];
  return row ? toRow(row) : undefined;
}

export async function listInstallations(q: Queryable): Promise<InstallationRow[]> {
  const r = await q.query(`SELECT ${COLUMNS} FROM installations ORDER BY id`);
  return r.rows.map(toRow);
}

export async function findInstallation(q: Queryable, crm: CrmName, externalId: string): Promise<InstallationRow | undefined> {
  const r = await q.query(`SELECT ${COLUMNS} FROM installations WHERE crm = $1 AND external_id = $2`, [crm, externalId]);
  const row = r.rows[0];
  return row ? toRow(row) : undefined;
}

/** Sealed values live on installations and in settings (the CLI's rotated Salesforce refresh token). */
export async function hasSealedSecrets(q: Queryable): Promise<boolean> {
  const r = await q.query(`SELECT EXISTS (SELECT 1 FROM installations WHERE secrets IS NOT NULL)
    OR EXISTS (SELECT 1 FROM settings WHERE value LIKE 'sealed:%') AS sealed`);
  return r.rows[0]?.['sealed'] === true;
}

export async function saveOauthState(q: Queryable, nonce: string, crm: CrmName, data: string, expiresAt: number, at: number): Promise<void> {
  // States older than an hour are abandoned installs.
  await q.query('DELETE FROM oauth_states WHERE created_at < $1', [at - 3_600_000]);
  await q.query(
    `INSERT INTO oauth_states (nonce, crm, data, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (nonce) DO UPDATE SET crm = excluded.crm, data = excluded.data, expires_at = excluded.expires_at, created_at = excluded.created_at`,
    [nonce, crm, data, expiresAt, at],
  );
}

/** Deletes while reading, so a state works once even under concurrent callbacks. */
export async function takeOauthState(q: Queryable, nonce: string, at: number): Promise<OauthStateRow | undefined> {
  const r = await q.query('DELETE FROM oauth_states WHERE nonce = $1 RETURNING crm, data, expires_at', [nonce]);
  const row = r.rows[0];
  if (!row) return undefined;
  const state = { crm: z.enum(CRMS).parse(str(row, 'crm')), data: str(row, 'data'), expiresAt: num(row, 'expires_at') };
  return state.expiresAt >= at ? state : undefined;
}

/** Records de-duplication keys; returns those that were new, in order (a key given twice is new once). */
export async function rememberEventKeys(q: Queryable, source: string, keys: readonly string[], at: number): Promise<Set<string>> {
  const unique = byKey([...new Set(keys)], (k) => k);
  if (unique.length === 0) return new Set();
  const r = await q.query(
    `INSERT INTO webhook_events (source, event_key, received_at) SELECT $1, k, $2 FROM unnest($3::text[]) AS k
     ON CONFLICT DO NOTHING RETURNING event_key`,
    [source, at, unique],
  );
  return new Set(r.rows.map((row) => str(row, 'event_key')));
}

export async function forgetWebhookEventsBefore(q: Queryable, at: number): Promise<number> {
  const r = await q.query('DELETE FROM webhook_events WHERE received_at < $1', [at]);
  return r.rowCount ?? 0;
}
