/**
 * SOQL tokenizer for the subset the connector emits. Literal forms:
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
 */
import { parseDateTime } from '../format.ts';

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'date'; value: string; text: string; pos: number }
  | { kind: 'datetime'; value: number; text: string; pos: number }
  | { kind: 'op'; text: '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

/** A query that cannot run: code, detail, and the 0-based offset it points at. */
export class SoqlError extends Error {
  readonly code: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR';
  readonly detail: string;
  readonly pos: number;
  constructor(code: SoqlError['code'], detail: string, pos: number) {
    super(detail);
    this.code = code;
    this.detail = detail;
    this.pos = pos;
  }
  /** Salesforce's shape: the query, a caret, `ERROR at Row:1:Column:N`, then the detail. */
  format(query: string): string {
    const col = Math.max(0, Math.min(this.pos, query.length));
    return `\n${query}\n${' '.repeat(col)}^\nERROR at Row:1:Column:${col + 1}\n${this.detail}`;
  }
}

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}/;
const NUMBER_RE = /^-?\d+(\.\d+)?/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = q.slice(i);
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= q.length) throw new SoqlError('MALFORMED_QUERY', 'unterminated string literal', i);
        const ch = q[j]!;
        if (ch === '\\') {
          const esc = q[j + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', _: '\\_', '%': '\\%' };
          if (esc === undefined || !(esc in map)) throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${q.slice(i, j + 2)}'. Illegal character sequence '\\${esc ?? ''}' in string literal.`, j);
          value += map[esc];
          j += 2;
          continue;
        }
        if (ch === "'") break;
        value += ch;
        j++;
      }
      out.push({ kind: 'string', value, text: q.slice(i, j + 1), pos: i });
      i = j + 1;
      continue;
    }
    const dt = DATETIME_RE.exec(rest);
    if (dt) {
      const value = parseDateTime(dt[0]);
      if (value === null) throw new SoqlError('MALFORMED_QUERY', `line 1:${i} no viable alternative at character '${dt[0]}'`, i);
      out.push({ kind: 'datetime', value, text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE_RE.exec(rest);
    if (d) {
      out.push({ kind: 'date', value: d[0], text: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const n = NUMBER_RE.exec(rest);
    if (n && (c !== '-' || /^-\d/.test(rest))) {
      out.push({ kind: 'number', value: Number(n[0]), text: n[0], pos: i });
      i += n[0].length;
      continue;
    }
    const id = IDENT_RE.exec(rest);
    if (id) {
      out.push({ kind: 'ident', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', `line 1:${i} no viable alternative at character '${c}'`, i);
  }
  out.push({ kind: 'eof', text: '', pos: q.length });
  return out;
}
