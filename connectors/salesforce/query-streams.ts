/**
 * Query streams read side by side, their pages packed into Composite calls (composite.ts): a pull opens
 * every query it will need up front; whenever the stream being consumed needs a page, one round asks for
 * it and fills the call's five query slots with pages of the other open streams — first pages of queries
 * not started yet, then next pages — each run of next pages of one query chained by `@{ref.nextRecordsUrl}`
 * in the same call. The first page's `totalSize` and size say how many pages are left, so a chain never asks
 * past the last page. Buffers are bounded (`MAX_BUFFERED` pages per stream) so memory does not grow with the org.
 *
 * Query cursors stay open on Salesforce between pages. Since API 56.0 their number is not limited and a cursor and
 * its results live 2 days ("There isn't a limit on the number of open cursors", API Query Cursor Limits:
 * https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-apicursors.html;
 * help 000384958; salesforce.md §2 — the old 10-per-user, 15-minutes-idle rule is gone), so a pull may hold one
 * open per query it reads while the streams of one kind are consumed before the next kind's.
 */
import type { SalesforceClient } from './client.ts';
import { QUERY_BATCH_SIZE, parsePage, type QueryPage } from './rest-query.ts';

/** Pages a stream may hold ahead of its consumer. */
export const MAX_BUFFERED = 5;
const SLOTS = 5;

export class QueryStream {
  readonly soql: string;
  readonly all: boolean;
  readonly #reader: QueryReader;
  buffer: QueryPage[] = [];
  /** URL of the next page not asked for yet; null before the first page and after the last. */
  next: string | null = null;
  started = false;
  /** No more pages will be asked for (last page read, or the consumer stopped after the first). */
  finished = false;
  inFlight: Promise<void> | null = null;
  error: unknown = null;
  totalSize = 0;
  rows = 0;
  pageSize = QUERY_BATCH_SIZE;
  /** After the first page: keep reading it? (false: the consumer switches to Bulk). */
  readonly afterFirst: (first: QueryPage) => boolean;

  constructor(reader: QueryReader, soql: string, all: boolean, afterFirst: (first: QueryPage) => boolean) {
    this.#reader = reader;
    this.soql = soql;
    this.all = all;
    this.afterFirst = afterFirst;
  }

  /** Pages left to ask for (known after the first page). */
  get remaining(): number {
    if (!this.started) return 1;
    if (this.finished || this.next === null) return 0;
    return Math.max(1, Math.ceil((this.totalSize - this.rows) / Math.max(1, this.pageSize)));
  }

  /** The next page in order, or null when the query is exhausted. */
  async page(): Promise<QueryPage | null> {
    for (;;) {
      if (this.buffer.length > 0) return this.buffer.shift() as QueryPage;
      if (this.error) throw this.error;
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      if (this.finished) return null;
      await this.#reader.round(this);
    }
  }

  /** Stop reading (the consumer has what it needs); a buffered page is dropped. */
  close(): void {
    this.finished = true;
    this.buffer = [];
  }

  accept(pages: QueryPage[]): void {
    for (const p of pages) {
      const first = !this.started;
      if (first) {
        this.started = true;
        this.totalSize = p.totalSize;
        if (p.next && p.rows.length > 0) this.pageSize = p.rows.length;
      }
      this.rows += p.rows.length;
      this.next = p.next;
      this.buffer.push(p);
      if (!p.next || (first && !this.afterFirst(p))) {
        this.finished = true;
        return;
      }
    }
  }
}

export class QueryReader {
  readonly #client: SalesforceClient;
  readonly #streams: QueryStream[] = [];

  constructor(client: SalesforceClient) {
    this.#client = client;
  }

  open(soql: string, options: { all?: boolean; afterFirst?: (first: QueryPage) => boolean } = {}): QueryStream {
    const s = new QueryStream(this, soql, options.all ?? false, options.afterFirst ?? (() => true));
    this.#streams.push(s);
    return s;
  }

  /** Every row of a stream (small result sets: ids, roles, settings). */
  async rows(stream: QueryStream): Promise<QueryPage['rows']> {
    const out: QueryPage['rows'] = [];
    for (let p = await stream.page(); p; p = await stream.page()) out.push(...p.rows);
    return out;
  }

  /** One Composite round: `head` first, the free query slots for the other streams. */
  async round(head: QueryStream): Promise<void> {
    const jobs: Array<[QueryStream, number]> = [];
    let free = SLOTS;
    const take = (s: QueryStream, room: number): void => {
      if (free <= 0 || s.inFlight || s.finished || s.error) return;
      const n = Math.min(free, s.started ? Math.min(s.remaining, room) : 1);
      if (n <= 0) return;
      jobs.push([s, n]);
      free -= n;
    };
    take(head, SLOTS);
    const others = this.#streams.filter((s) => s !== head);
    for (const s of others) if (!s.started) take(s, 1);
    for (const s of others) if (s.started) take(s, MAX_BUFFERED - s.buffer.length);
    await Promise.all(jobs.map(([s, n]) => this.#fetch(s, n)));
  }

  #fetch(s: QueryStream, pages: number): Promise<void> {
    const url = s.started ? (s.next as string) : `${s.all ? '/queryAll' : '/query'}?q=${encodeURIComponent(s.soql)}`;
    const request = { method: 'GET' as const, url, headers: { 'Sforce-Query-Options': `batchSize=${QUERY_BATCH_SIZE}` } };
    const run = (async () => {
      try {
        const res = await this.#client.chain<unknown>(request, pages - 1);
        s.accept(res.pages.map((r) => parsePage(r.body, s.started ? url : s.soql)));
        // A page that failed as it would alone: the consumer meets the error after the pages before it.
        if (res.error) s.error = res.error;
      } catch (error) {
        s.error = error;
      } finally {
        s.inFlight = null;
      }
    })();
    s.inFlight = run;
    return run;
  }
}
