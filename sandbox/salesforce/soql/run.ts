/**
 * Binds a parsed query to the org's schema (unknown objects → INVALID_TYPE, unknown or FLS-hidden
 * fields → INVALID_FIELD, literal/field type mismatches → INVALID_FIELD like Salesforce) and runs it.
 */
import { normalizeId } from '../ids.ts';
import { sfDate, sfDateTime } from '../format.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { ARCHIVABLE } from '../schema-touchpoints.ts';
import type { Actor, Org, StoredRecord, Value } from '../org.ts';
import { parseSoql, SoqlError, type Condition, type FieldRef, type Literal } from './parser.ts';

export interface BoundField {
  /** Canonical path: `Email`, `Account.Industry`. */
  path: string;
  field: FieldDef;
  /** For parent paths: the reference field on the queried object and the parent object. */
  via?: { ref: FieldDef; parent: ObjectDef };
}

export interface QueryResult {
  object: ObjectDef;
  count: boolean;
  fields: BoundField[];
  records: StoredRecord[];
}

export interface RunOptions {
  includeDeleted: boolean;
  actor: Actor;
  /** Objects this endpoint may query (the REST query endpoint lists the connector's objects). */
  allowed?: ReadonlySet<string>;
}

const NUMERIC = new Set(['int', 'double', 'currency', 'percent']);

export function runSoql(org: Org, q: string, opts: RunOptions): QueryResult {
  const ast = parseSoql(q);
  const object = org.objectDef(ast.from.name);
  if (!object || (opts.allowed && !opts.allowed.has(object.name))) {
    throw new SoqlError('INVALID_TYPE', `sObject type '${ast.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`, ast.from.pos);
  }
  const bind = (ref: FieldRef): BoundField => bindField(org, object, ref, opts.actor);
  const fields = ast.select === 'count' ? [] : ast.select.map(bind);
  const where = ast.where ? compile(ast.where, bind, org) : () => true;
  const order = ast.orderBy.map((o) => ({ ...o, bound: bind(o.field) }));
  // `query` hides archived activities; `queryAll` returns them with the recycle bin (schema-touchpoints.ts).
  const archivable = ARCHIVABLE.has(object.name) && !opts.includeDeleted;
  let records = org.list(object.name, opts.includeDeleted).filter((r) => !(archivable && r.values.IsArchived === true) && where(r));
  if (order.length > 0) {
    // Sort keys computed once per record (parent lookups are not free), not once per comparison.
    const keyed = records.map((rec) => ({ rec, keys: order.map((o) => valueOf(org, rec, o.bound)) }));
    keyed.sort((x, y) => {
      for (let i = 0; i < order.length; i++) {
        const o = order[i]!;
        const va = x.keys[i] ?? null;
        const vb = y.keys[i] ?? null;
        if (va === vb) continue;
        if (va === null || vb === null) return (va === null) === o.nullsLast ? 1 : -1;
        const c = compareValues(va, vb, isId(o.bound));
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
    records = keyed.map((k) => k.rec);
  }
  if (ast.limit !== null) records = records.slice(0, ast.limit);
  return { object, count: ast.select === 'count', fields, records };
}

function bindField(org: Org, object: ObjectDef, ref: FieldRef, actor: Actor): BoundField {
  const parts = ref.path.split('.');
  const noColumn = (name: string, on: string): SoqlError =>
    new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${on}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`, ref.pos);
  // `Contact.Email` on Contact is allowed: a leading object name is dropped.
  if (parts.length === 2 && parts[0]!.toLowerCase() === object.name.toLowerCase()) parts.shift();
  if (parts.length === 1) {
    const f = org.visibleField(object, parts[0]!, actor);
    if (!f) throw noColumn(parts[0]!, object.name);
    return { path: f.name, field: f };
  }
  if (parts.length !== 2) throw new SoqlError('MALFORMED_QUERY', `only one level of parent relationship is supported by this sandbox: '${ref.path}'`, ref.pos);
  const relName = parts[0]!.toLowerCase();
  const refField = [...object.fields.values()].find((f) => f.relationshipName?.toLowerCase() === relName);
  const parent = refField?.referenceTo ? org.objectDef(refField.referenceTo) : undefined;
  if (!refField || !parent || org.access(object, refField, actor) === 'none') {
    throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${parts[0]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`, ref.pos);
  }
  const f = org.visibleField(parent, parts[1]!, actor);
  if (!f) throw noColumn(parts[1]!, parent.name);
  return { path: `${refField.relationshipName}.${f.name}`, field: f, via: { ref: refField, parent } };
}

/** The parent record a parent path goes through (null when the reference is empty). */
export function parentOf(org: Org, rec: StoredRecord, b: BoundField): StoredRecord | null {
  if (!b.via) return rec;
  const id = rec.values[b.via.ref.name];
  return typeof id === 'string' ? (org.get(id) ?? null) : null;
}

function valueOf(org: Org, rec: StoredRecord, b: BoundField): Value {
  const owner = parentOf(org, rec, b);
  return owner ? (owner.values[b.field.name] ?? null) : null;
}

/**
 * Ids compare case-sensitively: a 15-char id is case-sensitive (help 000385008, see ids.ts) and the
 * 18-char form carries the same order, so `ORDER BY Id` and `Id > '…'` agree with a plain string
 * comparison of the ids a client holds. Other text compares case-insensitively, as SOQL does.
 */
function isId(b: BoundField): boolean {
  return b.field.type === 'id' || b.field.type === 'reference';
}

function compareValues(a: Exclude<Value, null>, b: Exclude<Value, null>, caseSensitive = false): number {
  if (caseSensitive) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

type Predicate = (rec: StoredRecord) => boolean;

function compile(c: Condition, bind: (r: FieldRef) => BoundField, org: Org): Predicate {
  switch (c.op) {
    case 'and': {
      const l = compile(c.left, bind, org);
      const r = compile(c.right, bind, org);
      return (rec) => l(rec) && r(rec);
    }
    case 'or': {
      const l = compile(c.left, bind, org);
      const r = compile(c.right, bind, org);
      return (rec) => l(rec) || r(rec);
    }
    case 'not': {
      const e = compile(c.expr, bind, org);
      return (rec) => !e(rec);
    }
    case 'cmp': {
      const b = bind(c.field);
      const lit = literalFor(b, c.value, c.field.pos);
      if (lit === null && c.cmp !== '=' && c.cmp !== '!=') return () => false;
      // Salesforce compares dateTimes at second precision (milliseconds are ignored for equality and
      // order in filters): https://salesforce.stackexchange.com/questions/234824
      const seconds = b.field.type === 'datetime';
      return (rec) => {
        const raw = valueOf(org, rec, b);
        const v = seconds && typeof raw === 'number' ? Math.floor(raw / 1000) * 1000 : raw;
        if (c.cmp === '=') return equals(v, lit, isId(b));
        if (c.cmp === '!=') return !equals(v, lit, isId(b));
        if (v === null || lit === null) return false;
        const k = compareValues(v, lit, isId(b));
        return c.cmp === '<' ? k < 0 : c.cmp === '<=' ? k <= 0 : c.cmp === '>' ? k > 0 : k >= 0;
      };
    }
    case 'in': {
      const b = bind(c.field);
      const lits = c.values.map((v) => literalFor(b, v, c.field.pos));
      return (rec) => {
        const v = valueOf(org, rec, b);
        const hit = lits.some((l) => equals(v, l, isId(b)));
        return c.negate ? !hit : hit;
      };
    }
    case 'like': {
      const b = bind(c.field);
      if (NUMERIC.has(b.field.type) || ['boolean', 'date', 'datetime'].includes(b.field.type)) {
        throw new SoqlError('INVALID_FIELD', `invalid operator on field: ${b.path}`, c.pos);
      }
      const re = likeToRegExp(c.pattern);
      return (rec) => {
        const v = valueOf(org, rec, b);
        return typeof v === 'string' && re.test(v);
      };
    }
  }
}

function equals(v: Value, lit: Value, caseSensitive = false): boolean {
  if (v === null || lit === null) return v === lit;
  if (typeof v === 'string' && typeof lit === 'string' && !caseSensitive) return v.toLowerCase() === lit.toLowerCase();
  return v === lit;
}

/** `%` any run, `_` one char, `\%`/`\_` literal; case-insensitive like Salesforce. */
function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[++i];
      continue;
    }
    re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** Checks a literal against the field's type and converts it to the stored representation. */
function literalFor(b: BoundField, lit: Literal, pos: number): Value {
  const t = b.field.type;
  const mismatch = (want: string, quoted: boolean): SoqlError =>
    new SoqlError('INVALID_FIELD', `value of filter criterion for field '${b.path}' must be of type ${want} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`, pos);
  if (lit.kind === 'null') return null;
  if (t === 'datetime') {
    if (lit.kind !== 'datetime') throw mismatch('dateTime', false);
    return lit.value;
  }
  if (t === 'date') {
    if (lit.kind !== 'date') throw mismatch('date', false);
    return lit.value;
  }
  if (t === 'boolean') {
    if (lit.kind !== 'boolean') throw mismatch('boolean', false);
    return lit.value;
  }
  if (NUMERIC.has(t)) {
    if (lit.kind !== 'number') throw mismatch('double', false);
    return lit.value;
  }
  if (lit.kind !== 'string') throw mismatch('string', true);
  if (t === 'id' || t === 'reference') {
    const id = normalizeId(lit.value);
    if (!id) throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.value}`, pos);
    return id;
  }
  return lit.value;
}

/** A stored value as the JSON API returns it. */
export function jsonValue(f: FieldDef, v: Value): Value {
  if (v === null) return null;
  if (f.type === 'datetime' && typeof v === 'number') return sfDateTime(v);
  if (f.type === 'date' && typeof v === 'number') return sfDate(v);
  return v;
}

/** One query row in the REST shape: `attributes`, fields, nested parent objects (null when no parent). */
export function toJsonRecord(org: Org, rec: StoredRecord, fields: BoundField[], version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(rec, version) };
  for (const b of fields) {
    if (!b.via) {
      out[b.field.name] = jsonValue(b.field, rec.values[b.field.name] ?? null);
      continue;
    }
    const rel = b.via.ref.relationshipName!;
    const parent = parentOf(org, rec, b);
    if (!parent) {
      out[rel] = null;
      continue;
    }
    const nested = (out[rel] as Record<string, unknown> | null | undefined) ?? { attributes: attributes(parent, version) };
    nested[b.field.name] = jsonValue(b.field, parent.values[b.field.name] ?? null);
    out[rel] = nested;
  }
  return out;
}

export function attributes(rec: StoredRecord, version: string): { type: string; url: string } {
  return { type: rec.type, url: `/services/data/v${version}/sobjects/${rec.type}/${String(rec.values.Id)}` };
}

/** One query row as Bulk API CSV cells (empty for null, `Account.Industry` column names). */
export function csvCells(org: Org, rec: StoredRecord, fields: BoundField[]): string[] {
  return fields.map((b) => {
    const owner = parentOf(org, rec, b);
    const v = owner ? jsonValue(b.field, owner.values[b.field.name] ?? null) : null;
    return v === null ? '' : String(v);
  });
}
