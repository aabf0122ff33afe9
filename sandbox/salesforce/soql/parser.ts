/**
 * Recursive-descent parser for the SOQL subset:
 *   SELECT fields|COUNT() FROM Object [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n]
 * cond := term (OR term)* ; term := factor (AND factor)* ; factor := NOT factor | '(' cond ')' | predicate
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm
 */
import { SoqlError, tokenize, type Token } from './lexer.ts';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number };

export interface FieldRef {
  path: string;
  pos: number;
}

export type Condition =
  | { op: 'and' | 'or'; left: Condition; right: Condition }
  | { op: 'not'; expr: Condition }
  | { op: 'cmp'; field: FieldRef; cmp: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal; pos: number }
  | { op: 'in'; field: FieldRef; negate: boolean; values: Literal[]; pos: number }
  | { op: 'like'; field: FieldRef; pattern: string; pos: number };

export interface OrderItem {
  field: FieldRef;
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  select: FieldRef[] | 'count';
  from: { name: string; pos: number };
  where: Condition | null;
  orderBy: OrderItem[];
  limit: number | null;
}

const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'NULL', 'TRUE', 'FALSE', 'COUNT']);

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }
  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isKeyword(word: string, t: Token = this.peek()): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }
  private unexpected(t: Token): SoqlError {
    return new SoqlError('MALFORMED_QUERY', t.kind === 'eof' ? 'unexpected token: <EOF>' : `unexpected token: '${t.text}'`, t.pos);
  }
  private expectKeyword(word: string): Token {
    const t = this.next();
    if (!this.isKeyword(word, t)) throw this.unexpected(t);
    return t;
  }
  private expectPunct(p: '(' | ')' | ','): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw this.unexpected(t);
  }
  private field(): FieldRef {
    const t = this.next();
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) throw this.unexpected(t);
    return { path: t.text, pos: t.pos };
  }

  query(): SoqlQuery {
    this.expectKeyword('SELECT');
    let select: SoqlQuery['select'];
    if (this.isKeyword('COUNT') && this.tokens[this.i + 1]?.text === '(') {
      this.next();
      this.expectPunct('(');
      this.expectPunct(')');
      select = 'count';
    } else {
      const fields: FieldRef[] = [];
      do {
        const t = this.peek();
        if (t.kind === 'punct' && t.text === '(') {
          throw new SoqlError('MALFORMED_QUERY', 'parent-to-child relationship subqueries are not supported by this sandbox', t.pos);
        }
        fields.push(this.field());
      } while (this.peek().text === ',' && this.next());
      select = fields;
    }
    this.expectKeyword('FROM');
    const fromTok = this.next();
    if (fromTok.kind !== 'ident' || fromTok.text.includes('.')) throw this.unexpected(fromTok);
    const from = { name: fromTok.text, pos: fromTok.pos };
    let where: Condition | null = null;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.orExpr();
    }
    const orderBy: OrderItem[] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do {
        const field = this.field();
        let desc = false;
        if (this.isKeyword('ASC')) this.next();
        else if (this.isKeyword('DESC')) {
          this.next();
          desc = true;
        }
        // Default: nulls first ascending, last descending.
        let nullsLast = desc;
        if (this.isKeyword('NULLS')) {
          this.next();
          const t = this.next();
          if (this.isKeyword('FIRST', t)) nullsLast = false;
          else if (this.isKeyword('LAST', t)) nullsLast = true;
          else throw this.unexpected(t);
        }
        orderBy.push({ field, desc, nullsLast });
      } while (this.peek().text === ',' && this.next());
    }
    let limit: number | null = null;
    if (this.isKeyword('LIMIT')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) throw this.unexpected(t);
      limit = t.value;
    }
    const end = this.peek();
    if (end.kind !== 'eof') throw this.unexpected(end);
    return { select, from, where, orderBy, limit };
  }

  private orExpr(): Condition {
    let left = this.andExpr();
    while (this.isKeyword('OR')) {
      this.next();
      left = { op: 'or', left, right: this.andExpr() };
    }
    return left;
  }
  private andExpr(): Condition {
    let left = this.factor();
    while (this.isKeyword('AND')) {
      this.next();
      left = { op: 'and', left, right: this.factor() };
    }
    return left;
  }
  private factor(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { op: 'not', expr: this.factor() };
    }
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const inner = this.orExpr();
      this.expectPunct(')');
      return inner;
    }
    return this.predicate();
  }
  private predicate(): Condition {
    const field = this.field();
    const t = this.next();
    if (t.kind === 'op') {
      const cmp = t.text === '<>' ? '!=' : t.text;
      return { op: 'cmp', field, cmp, value: this.literal(), pos: t.pos };
    }
    if (this.isKeyword('LIKE', t)) {
      const lit = this.next();
      if (lit.kind !== 'string') throw this.unexpected(lit);
      return { op: 'like', field, pattern: lit.value, pos: t.pos };
    }
    let negate = false;
    if (this.isKeyword('NOT', t)) {
      negate = true;
      const inTok = this.next();
      if (!this.isKeyword('IN', inTok)) throw this.unexpected(inTok);
    } else if (!this.isKeyword('IN', t)) throw this.unexpected(t);
    this.expectPunct('(');
    const values: Literal[] = [this.literal()];
    while (this.peek().text === ',') {
      this.next();
      values.push(this.literal());
    }
    this.expectPunct(')');
    return { op: 'in', field, negate, values, pos: t.pos };
  }
  private literal(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value };
      case 'number':
        return { kind: 'number', value: t.value };
      case 'date':
        return { kind: 'date', value: t.value };
      case 'datetime':
        return { kind: 'datetime', value: t.value };
      case 'ident': {
        const up = t.text.toUpperCase();
        if (up === 'NULL') return { kind: 'null' };
        if (up === 'TRUE' || up === 'FALSE') return { kind: 'boolean', value: up === 'TRUE' };
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }
}

export function parseSoql(q: string): SoqlQuery {
  return new Parser(tokenize(q)).query();
}

export { SoqlError };
