/**
 * Versioned schema. `PRAGMA user_version` holds the number of applied steps; each step runs in
 * its own transaction together with the version bump (user_version lives in the file header,
 * so it commits or rolls back with the step). Append new steps; never edit a shipped one.
 */
import type { DatabaseSync } from 'node:sqlite';
import { ParcoursError } from '../errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'mirror, links, cursors, settings',
    sql: `
      -- One row per pulled canonical record; json is the whole CrmRecord.
      CREATE TABLE mirror_records (
        installation TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('contact', 'deal', 'ticket')),
        id TEXT NOT NULL,
        json TEXT NOT NULL,
        updated_at INTEGER,            -- the CRM's last-modified time (record.updatedAt)
        stored_at INTEGER NOT NULL,    -- when Parcours stored this version
        PRIMARY KEY (installation, kind, id)
      );
      -- contact <-> deal/ticket. No foreign key to mirror_records: either side may arrive first.
      CREATE TABLE mirror_links (
        installation TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('deal', 'ticket')),
        record_id TEXT NOT NULL,
        PRIMARY KEY (installation, contact_id, kind, record_id)
      ) WITHOUT ROWID;
      CREATE INDEX mirror_links_by_record ON mirror_links (installation, kind, record_id);
      CREATE TABLE cursors (
        installation TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('contact', 'deal', 'ticket')),
        cursor TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (installation, kind)
      ) WITHOUT ROWID;
      CREATE TABLE settings (
        installation TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (installation, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'runs, written snapshot, audit, failures',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        installation TEXT NOT NULL,
        crm TEXT NOT NULL,
        mode TEXT NOT NULL,
        dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        summary TEXT
      );
      CREATE INDEX runs_by_installation ON runs (installation, id);
      -- What Parcours last wrote per record: owned values by CRM field name (JSON object).
      CREATE TABLE written (
        installation TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        vals TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        written_at INTEGER NOT NULL,
        PRIMARY KEY (installation, kind, id)
      );
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        installation TEXT NOT NULL,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        field TEXT NOT NULL,
        before TEXT,
        after TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX audit_by_run ON audit (run_id);
      CREATE INDEX audit_by_record ON audit (installation, kind, record_id);
      -- Retry queue: one row per record still failing.
      CREATE TABLE failures (
        installation TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        attempts INTEGER NOT NULL,
        first_failed_at INTEGER NOT NULL,
        last_failed_at INTEGER NOT NULL,
        PRIMARY KEY (installation, kind, id)
      ) WITHOUT ROWID;
      -- Append-only: every failure of every run, for admins (the queue above forgets on success).
      CREATE TABLE failure_log (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        installation TEXT NOT NULL,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX failure_log_by_run ON failure_log (run_id);
    `,
  },
  {
    version: 3,
    name: 'stage history, segment membership and events',
    sql: `
      CREATE TABLE stage_history (
        id INTEGER PRIMARY KEY,
        installation TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        entered_at INTEGER NOT NULL,
        left_at INTEGER,
        CHECK (left_at IS NULL OR left_at >= entered_at)
      );
      -- At most one open stage per contact and journey; also the lookup for current stages.
      CREATE UNIQUE INDEX stage_history_open ON stage_history (installation, contact_id, journey_id)
        WHERE left_at IS NULL;
      CREATE INDEX stage_history_by_installation ON stage_history (installation, id);
      CREATE TABLE segment_members (
        installation TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (installation, segment_id, contact_id)
      ) WITHOUT ROWID;
      CREATE TABLE segment_events (
        id INTEGER PRIMARY KEY,
        installation TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('entered', 'exited')),
        at INTEGER NOT NULL
      );
      CREATE INDEX segment_events_by_time ON segment_events (installation, at);
    `,
  },
  {
    version: 4,
    name: 'installations, OAuth states, webhook events (the service)',
    sql: `
      CREATE TABLE installations (
        id TEXT PRIMARY KEY,
        crm TEXT NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
        external_id TEXT,                 -- HubSpot portal id / Salesforce org id
        source TEXT NOT NULL CHECK (source IN ('env', 'oauth')),
        label TEXT NOT NULL,
        secrets TEXT,                     -- sealed by the caller (AES-256-GCM), never plaintext
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- One installation per portal/org: webhooks find their installation by it.
      CREATE UNIQUE INDEX installations_by_external_id ON installations (crm, external_id) WHERE external_id IS NOT NULL;
      CREATE TABLE oauth_states (
        nonce TEXT PRIMARY KEY,
        crm TEXT NOT NULL,
        data TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE webhook_events (
        source TEXT NOT NULL,
        event_key TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (source, event_key)
      ) WITHOUT ROWID;
      CREATE INDEX webhook_events_by_time ON webhook_events (received_at);
    `,
  },
  {
    version: 5,
    name: 'webhook secrets, the webhook event inbox, install links (the service, hardened)',
    sql: `
      -- Secret part of the Salesforce outbound-message URL (/webhooks/salesforce/<secret>).
      ALTER TABLE installations ADD COLUMN webhook_secret TEXT;
      CREATE UNIQUE INDEX installations_by_webhook_secret ON installations (webhook_secret) WHERE webhook_secret IS NOT NULL;
      -- Accepted webhook events, written with their de-duplication key before the CRM gets its 200;
      -- done once their write-back landed, failed (dead letter) once the retries are spent.
      CREATE TABLE webhook_inbox (
        id INTEGER PRIMARY KEY,
        installation TEXT NOT NULL,
        source TEXT NOT NULL,
        event_key TEXT NOT NULL,
        changes TEXT NOT NULL,            -- JSON {records, contactIds, oldestEventAt}
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        received_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX webhook_inbox_by_state ON webhook_inbox (state, installation, next_attempt_at);
      CREATE INDEX webhook_inbox_by_time ON webhook_inbox (updated_at);
      -- Single-use install links issued by the admin (only a hash of the link's token is kept).
      CREATE TABLE install_links (
        token_hash TEXT PRIMARY KEY,
        crm TEXT NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'stage history: what dated each entry, and backfilled stays',
    sql: `
      -- basis: the evidence for entered_at ('deal entered contractsent', 'first observed by Parcours…');
      -- backfilled: the stay was dated from the CRM's history on first sight, not observed by a sync.
      ALTER TABLE stage_history ADD COLUMN basis TEXT;
      ALTER TABLE stage_history ADD COLUMN backfilled INTEGER NOT NULL DEFAULT 0 CHECK (backfilled IN (0, 1));
    `,
  },
  {
    version: 7,
    name: 'full-pass marks on mirrored records (reconciliation)',
    sql: `
      -- The full pass that last saw the record (PullBatch.fullPass.id); a completed pass sweeps the
      -- records of its kind it did not see. NULL: only ever stored by incremental pulls or webhooks.
      ALTER TABLE mirror_records ADD COLUMN seen_pass TEXT;
      CREATE INDEX mirror_records_by_pass ON mirror_records (installation, kind, seen_pass);
    `,
  },
  {
    version: 8,
    name: 'stage stays and membership events carry the run that made them (rollback undoes them)',
    sql: `
      ALTER TABLE stage_history ADD COLUMN run_id INTEGER;        -- run that opened the stay (NULL: before this step)
      ALTER TABLE stage_history ADD COLUMN closed_by_run INTEGER; -- run that closed it
      CREATE INDEX stage_history_by_run ON stage_history (installation, run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX stage_history_closed_by_run ON stage_history (installation, closed_by_run) WHERE closed_by_run IS NOT NULL;
      ALTER TABLE segment_events ADD COLUMN run_id INTEGER;
      CREATE INDEX segment_events_by_run ON segment_events (installation, run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX segment_events_by_member ON segment_events (installation, segment_id, contact_id, id);
    `,
  },
  {
    version: 9,
    name: 'touchpoints per customer, their links and cursor (issue 13)',
    sql: `
      -- One row per touchpoint. json is a compact encoding (src/store/touchpoints.ts): short keys, nulls
      -- and empty lists left out; the ids and the time are columns. seen_pass: as mirror_records.
      CREATE TABLE touchpoints (
        installation TEXT NOT NULL,
        object_type TEXT NOT NULL,       -- calls, emails, Task, EmailMessage… (ids are unique per object)
        id TEXT NOT NULL,
        at INTEGER,
        json TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        seen_pass TEXT,
        PRIMARY KEY (installation, object_type, id)
      ) WITHOUT ROWID;
      CREATE INDEX touchpoints_by_pass ON touchpoints (installation, seen_pass);
      -- contact -> touchpoints, keyed in time order (at = -1 when the touchpoint has no time), so a page
      -- of customers reads its touchpoints oldest first in one range scan.
      CREATE TABLE touchpoint_links (
        installation TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        object_type TEXT NOT NULL,
        touchpoint_id TEXT NOT NULL,
        PRIMARY KEY (installation, contact_id, at, object_type, touchpoint_id)
      ) WITHOUT ROWID;
      CREATE INDEX touchpoint_links_by_touchpoint ON touchpoint_links (installation, object_type, touchpoint_id);
      -- One cursor per installation covers every touchpoint object (the connector keeps per-object positions in it).
      CREATE TABLE touchpoint_cursors (
        installation TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    name: 'stage stays by contact (the journey map places touchpoints in the stay of their time)',
    sql: `
      CREATE INDEX stage_history_by_contact ON stage_history (installation, contact_id, entered_at);
    `,
  },
  {
    version: 11,
    name: 'follow-up task episodes and their audit (issue 14)',
    sql: `
      -- One row per task Parcours opened: (installation, action, record) -> the CRM task id, the fields
      -- Parcours last wrote on it (JSON TaskFields: "unedited" means the CRM still shows exactly these),
      -- the run that opened it and the run that ended the episode. Only ids in this table are ever
      -- read, edited or closed: a task Parcours did not create is never touched.
      CREATE TABLE task_episodes (
        id INTEGER PRIMARY KEY,
        installation TEXT NOT NULL,
        action TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('contact', 'deal', 'ticket')),
        record_id TEXT NOT NULL,
        contact_id TEXT,
        flag TEXT,
        task_id TEXT NOT NULL,
        fields TEXT NOT NULL,
        -- open: Parcours keeps it; completed: Parcours completed it; done_by_owner: found completed by a
        -- person; left_open: the problem cleared but the task was edited (or close_when_cleared is off);
        -- gone: deleted in the CRM; deleted: removed by a rollback.
        state TEXT NOT NULL CHECK (state IN ('open', 'completed', 'done_by_owner', 'left_open', 'gone', 'deleted')),
        opened_run INTEGER NOT NULL,
        opened_at INTEGER NOT NULL,
        closed_run INTEGER,
        closed_at INTEGER,
        note TEXT
      );
      CREATE UNIQUE INDEX task_episodes_one_open ON task_episodes (installation, action, kind, record_id) WHERE state = 'open';
      CREATE INDEX task_episodes_by_opened_run ON task_episodes (opened_run);
      CREATE INDEX task_episodes_by_closed_run ON task_episodes (closed_run) WHERE closed_run IS NOT NULL;
      CREATE UNIQUE INDEX task_episodes_by_task ON task_episodes (installation, task_id);
      -- Every task write (create, complete, re-open, delete) with the fields before and after (JSON).
      CREATE TABLE task_audit (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        installation TEXT NOT NULL,
        task_id TEXT NOT NULL,
        episode_id INTEGER NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('create', 'complete', 'reopen', 'delete')),
        before TEXT,
        after TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX task_audit_by_run ON task_audit (run_id);
    `,
  },
  {
    version: 12,
    name: 'linked installations: links, identity matches and conflicts, record aliases (issue 16)',
    sql: `
      -- A link pairs one HubSpot installation with one Salesforce installation (each in at most one link:
      -- two links on one installation would write two journeys on the same records).
      CREATE TABLE links (
        id TEXT PRIMARY KEY,
        hubspot TEXT NOT NULL UNIQUE,
        salesforce TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL CHECK (source IN ('env', 'admin')),
        label TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- The identity the last linked run found: one row per matched pair (each record in at most one pair).
      CREATE TABLE link_matches (
        link_id TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        hubspot_id TEXT NOT NULL,
        salesforce_type TEXT NOT NULL CHECK (salesforce_type IN ('Contact', 'Lead')),
        salesforce_id TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('integration-id', 'email')),
        email TEXT,
        matched_at INTEGER NOT NULL,
        PRIMARY KEY (link_id, hubspot_id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX link_matches_by_salesforce ON link_matches (link_id, salesforce_id);
      -- One e-mail on several records of one side: records is the JSON array of their RecordRefs.
      CREATE TABLE link_conflicts (
        link_id TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        side TEXT NOT NULL CHECK (side IN ('hubspot', 'salesforce')),
        email TEXT NOT NULL,
        records TEXT NOT NULL,
        found_at INTEGER NOT NULL,
        PRIMARY KEY (link_id, side, email)
      ) WITHOUT ROWID;
      -- A record that became another (a converted Lead -> its Contact): ids other records still hold
      -- (HubSpot's salesforceleadid) resolve to the record that carries the journey on.
      CREATE TABLE record_aliases (
        installation TEXT NOT NULL,
        from_id TEXT NOT NULL,
        to_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (installation, from_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 13,
    name: 'installations added with a token (source token)',
    // SQLite cannot change a CHECK constraint in place: the table is rebuilt (nothing references it).
    sql: `
      CREATE TABLE installations_next (
        id TEXT PRIMARY KEY,
        crm TEXT NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
        external_id TEXT,                 -- HubSpot portal id / Salesforce org id
        source TEXT NOT NULL CHECK (source IN ('env', 'oauth', 'token')),
        label TEXT NOT NULL,
        secrets TEXT,                     -- sealed by the caller (AES-256-GCM), never plaintext
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        webhook_secret TEXT
      );
      INSERT INTO installations_next (id, crm, external_id, source, label, secrets, created_at, updated_at, webhook_secret)
        SELECT id, crm, external_id, source, label, secrets, created_at, updated_at, webhook_secret FROM installations;
      DROP TABLE installations;
      ALTER TABLE installations_next RENAME TO installations;
      CREATE UNIQUE INDEX installations_by_external_id ON installations (crm, external_id) WHERE external_id IS NOT NULL;
      CREATE UNIQUE INDEX installations_by_webhook_secret ON installations (webhook_secret) WHERE webhook_secret IS NOT NULL;
    `,
  },
  {
    version: 14,
    name: 'outcomes kept between runs, and their seal',
    sql: `
      -- Each customer's last evaluation (src/sync/kept-outcomes.ts): valid_until NULL = until its records
      -- change; outcome NULL = evaluate it again next run.
      CREATE TABLE kept_outcomes (
        installation TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        valid_until INTEGER,
        outcome TEXT,
        PRIMARY KEY (installation, contact_id)
      ) WITHOUT ROWID;
      -- Present only while nothing an evaluation reads changed since the rows were written.
      CREATE TABLE kept_outcome_seals (
        installation TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        sealed_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.['user_version'] ?? 0);
}

/** Brings the file up to the last migration; returns the versions applied. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertOrdered(migrations);
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new ParcoursError(
      'STORE_ERROR',
      `store schema version ${current} is newer than this Parcours knows (${latest}); upgrade Parcours`,
      { schemaVersion: current, knownVersion: latest },
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read under the write lock: another process may have migrated meanwhile.
      if (schemaVersion(db) >= m.version) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      const detail = err instanceof Error ? err.message : String(err);
      throw new ParcoursError('STORE_ERROR', `store migration ${m.version} (${m.name}) failed: ${detail}`, { migration: m.version }, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new ParcoursError('STORE_ERROR', `store migrations must be numbered 1..n in order; found ${m.version} at position ${i + 1}`);
    }
  });
}
