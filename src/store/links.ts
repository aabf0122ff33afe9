/**
 * Linked installations (issue 16, migration 12): a link pairs one HubSpot and one Salesforce
 * installation; the identity the last linked run found (matches and conflicts) is kept per link, so
 * the report, `explain` and `links conflicts` read it without matching again; record aliases let ids
 * other records still hold (HubSpot's `salesforceleadid`) follow a converted Lead to its Contact.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { ParcoursError } from '../errors.ts';
import type { CrmName, IdentityConflict, IdentityMatch } from '../model.ts';
import { int, sqliteRows, text } from './row-values.ts';
import { aliasWalk, checkLinkIdentity, linkRows, parseLinkInput } from './rows/links.ts';
import type { LinkInput, LinkRow } from './types.ts';

type Row = Record<string, SQLOutputValue>;
const decode = linkRows(sqliteRows);

export function createLinks(db: DatabaseSync, now: () => number) {
  const upsertRow = db.prepare(`
    INSERT INTO links (id, hubspot, salesforce, source, label, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET hubspot = excluded.hubspot, salesforce = excluded.salesforce, source = excluded.source,
      label = excluded.label, updated_at = excluded.updated_at`);
  const selectOne = db.prepare('SELECT * FROM links WHERE id = ?');
  const selectAll = db.prepare('SELECT * FROM links ORDER BY id');
  const selectByInstallation = db.prepare('SELECT * FROM links WHERE hubspot = ?1 OR salesforce = ?1');
  const selectInstallationCrm = db.prepare('SELECT crm FROM installations WHERE id = ?');
  const deleteRow = db.prepare('DELETE FROM links WHERE id = ?');
  const deleteMatches = db.prepare('DELETE FROM link_matches WHERE link_id = ?');
  const deleteConflicts = db.prepare('DELETE FROM link_conflicts WHERE link_id = ?');
  const insertMatch = db.prepare(`
    INSERT INTO link_matches (link_id, hubspot_id, salesforce_type, salesforce_id, reason, email, matched_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertConflict = db.prepare('INSERT INTO link_conflicts (link_id, side, email, records, found_at) VALUES (?, ?, ?, ?, ?)');
  const selectMatches = db.prepare('SELECT * FROM link_matches WHERE link_id = ? ORDER BY hubspot_id');
  const selectConflicts = db.prepare('SELECT * FROM link_conflicts WHERE link_id = ? ORDER BY side, email');
  const selectMatchByHubspot = db.prepare('SELECT * FROM link_matches WHERE link_id = ? AND hubspot_id = ?');
  const selectMatchBySalesforce = db.prepare('SELECT * FROM link_matches WHERE link_id = ? AND salesforce_id = ?');
  const upsertAlias = db.prepare(`
    INSERT INTO record_aliases (installation, from_id, to_id, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (installation, from_id) DO UPDATE SET to_id = excluded.to_id, at = excluded.at`);
  const selectAliases = db.prepare('SELECT from_id, to_id FROM record_aliases WHERE installation = ? AND from_id IN (SELECT value FROM json_each(?))');

  /** An installation the store knows must be of the side's CRM (environment installations may not be saved yet). */
  function checkSide(installation: string, side: CrmName): void {
    const row = selectInstallationCrm.get(installation);
    if (row && text(row, 'crm') !== side) {
      throw new ParcoursError('INPUT_INVALID', `installation ${installation} is a ${text(row, 'crm')} installation, not ${side}`, { installation });
    }
  }

  return {
    save(input: LinkInput): LinkRow {
      const l = parseLinkInput(input);
      checkSide(l.hubspot, 'hubspot');
      checkSide(l.salesforce, 'salesforce');
      for (const installation of [l.hubspot, l.salesforce]) {
        for (const other of selectByInstallation.all(installation)) {
          if (text(other, 'id') !== l.id) {
            throw new ParcoursError('INPUT_INVALID', `installation ${installation} is already in link ${text(other, 'id')}: remove that link first`, { installation, link: text(other, 'id') });
          }
        }
      }
      const existing = selectOne.get(l.id);
      const at = now();
      // Another pair under the same id: the identity found for the old pair no longer holds.
      if (existing && (text(existing, 'hubspot') !== l.hubspot || text(existing, 'salesforce') !== l.salesforce)) {
        deleteMatches.run(l.id);
        deleteConflicts.run(l.id);
      }
      upsertRow.run(l.id, l.hubspot, l.salesforce, l.source, l.label, existing ? int(existing, 'created_at') : at, at);
      return decode.link(selectOne.get(l.id) as Row);
    },
    get(id: string): LinkRow | undefined {
      const row = selectOne.get(id);
      return row ? decode.link(row) : undefined;
    },
    list(): LinkRow[] {
      return selectAll.all().map(decode.link);
    },
    of(installation: string): LinkRow | undefined {
      const row = selectByInstallation.get(installation);
      return row ? decode.link(row) : undefined;
    },
    remove(id: string): boolean {
      deleteMatches.run(id);
      deleteConflicts.run(id);
      return Number(deleteRow.run(id).changes) > 0;
    },
    replaceIdentity(id: string, matches: readonly IdentityMatch[], conflicts: readonly IdentityConflict[], at: number): void {
      if (!selectOne.get(id)) throw new ParcoursError('NOT_FOUND', `no link ${id}`, { link: id });
      const conflictRecords = checkLinkIdentity(id, matches, conflicts);
      deleteMatches.run(id);
      deleteConflicts.run(id);
      for (const m of matches) insertMatch.run(id, m.hubspot.id, m.salesforce.objectType, m.salesforce.id, m.reason, m.email, at);
      conflicts.forEach((c, i) => insertConflict.run(id, c.side, c.email, conflictRecords[i] as string, at));
    },
    matches(id: string): IdentityMatch[] {
      return selectMatches.all(id).map(decode.match);
    },
    conflicts(id: string): IdentityConflict[] {
      return selectConflicts.all(id).map(decode.conflict);
    },
    matchOf(id: string, side: CrmName, recordId: string): IdentityMatch | undefined {
      const row = (side === 'hubspot' ? selectMatchByHubspot : selectMatchBySalesforce).get(id, recordId);
      return row ? decode.match(row) : undefined;
    },
    recordAlias(installation: string, fromId: string, toId: string, at: number): void {
      if (fromId !== toId) upsertAlias.run(installation, fromId, toId, at);
    },
    /** Each id that became another record → the record it is now (chains followed; cycles cut). */
    resolveAliases(installation: string, ids: readonly string[]): Map<string, string> {
      const walk = aliasWalk(sqliteRows, ids);
      for (let f = walk.frontier(); f.length > 0; f = walk.frontier()) walk.follow(selectAliases.all(installation, JSON.stringify(f)));
      return walk.resolved;
    },
  };
}

export type Links = ReturnType<typeof createLinks>;
