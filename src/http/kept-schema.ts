/**
 * A CRM schema read (HubSpot property catalogues and pipelines, Salesforce describe results) kept
 * across runs in the caller's `SchemaCache` (the sync core backs it with the store), so a run that
 * changes nothing does not pay for it again. Schema changes rarely and no CRM offers a cheap
 * freshness check (HubSpot's properties API has no `If-Modified-Since` or version), so the kept read
 * is replaced on explicit `refresh` (setup, doctor; full runs when it is older than `SCHEMA_FRESH_MS`), when a
 * need is not settled by it, and after the CRM named a field unknown (`forget`). Without a cache the read is kept in memory, for the
 * connector's lifetime.
 */
import type { FieldAvailability, SchemaCache } from '../../connectors/port.ts';

export interface KeptSchemaOptions<T, J> {
  /** The cache entry's name (one per installation). */
  name: string;
  read: () => Promise<T>;
  cache?: SchemaCache | undefined;
  /** Checks the kept JSON (a zod schema fits); a value that no longer parses is read again. */
  schema: { parse(value: unknown): J };
  encode: (value: T) => J;
  decode: (json: J) => T;
}

/** A cache that lives as long as the connector: used when the caller hands none. */
export function memorySchemaCache(): SchemaCache {
  const values = new Map<string, unknown>();
  return {
    async get<T>(name: string, schema: { parse(value: unknown): T }): Promise<T | undefined> {
      if (!values.has(name)) return undefined;
      try {
        return schema.parse(values.get(name));
      } catch {
        return undefined;
      }
    },
    async set(name: string, value: unknown): Promise<void> {
      values.set(name, value);
    },
  };
}

/** What is kept under the name: the encoded read, and the needs it was found to lack (see `availability`). */
interface Entry<J> {
  value: J;
  lacking: string[];
  /** When the CRM was read (epoch ms); absent in entries kept before it was recorded. */
  readAt?: number;
}

export class KeptSchema<T, J> {
  readonly #o: KeptSchemaOptions<T, J>;
  readonly #cache: SchemaCache;
  #last: { value: T; json: J; lacking: string[]; readAt: number } | null = null;
  #reading: Promise<T> | null = null;

  constructor(o: KeptSchemaOptions<T, J>) {
    this.#o = o;
    this.#cache = o.cache ?? memorySchemaCache();
  }

  /** The value this connector last used (read or kept), or null before the first. */
  last(): T | null {
    return this.#last?.value ?? null;
  }

  /** The kept value, without a call; null when none is kept (or it no longer parses). */
  async kept(): Promise<T | null> {
    const entry = await this.#cache.get(this.#o.name, {
      parse: (v: unknown): Entry<J> | null => {
        if (v === null || typeof v !== 'object') return null;
        const e = v as { value?: unknown; lacking?: unknown; readAt?: unknown };
        const lacking = Array.isArray(e.lacking) ? e.lacking.filter((x): x is string => typeof x === 'string') : [];
        return { value: this.#o.schema.parse(e.value), lacking, readAt: typeof e.readAt === 'number' ? e.readAt : 0 };
      },
    });
    if (entry === undefined || entry === null) return null;
    this.#last = { value: this.#o.decode(entry.value), json: entry.value, lacking: entry.lacking, readAt: entry.readAt ?? 0 };
    return this.#last.value;
  }

  /**
   * Whether a `refresh` asked with `keptFreshMs` must read: not when the kept read is younger than that (a full
   * run right after setup uses setup's read; a field removed since is caught by the CRM naming it unknown).
   */
  async needsRefresh(o: { refresh?: boolean; keptFreshMs?: number } | undefined): Promise<boolean> {
    if (!o?.refresh) return false;
    if (o.keptFreshMs === undefined) return true;
    return (await this.kept()) === null || Date.now() - (this.#last?.readAt ?? 0) >= o.keptFreshMs;
  }

  /** Reads from the CRM now and keeps the result (concurrent callers share one read). */
  refresh(): Promise<T> {
    this.#reading ??= this.#o
      .read()
      .then(async (value) => {
        this.#last = { value, json: this.#o.encode(value), lacking: [], readAt: Date.now() };
        await this.#save();
        return value;
      })
      .finally(() => (this.#reading = null));
    return this.#reading;
  }

  /** The kept value, else a fresh read. */
  async current(): Promise<T> {
    return await this.kept() ?? this.refresh();
  }

  /** What was kept is no longer true (setup changed the schema, the CRM named a field unknown). */
  async forget(): Promise<void> {
    await this.#cache.set(this.#o.name, null);
    this.#last = null;
  }

  /**
   * Which of the mapping's fields the CRM lacks, from the kept read when it settles them: every field it
   * finds missing was already missing when the read was made (so a portal without a CSAT rollup does not
   * pay a read per run), and a field the mapping newly needs that the kept read lacks is read again —
   * it may have been created since. `refresh` reads whatever is kept.
   */
  async availability(restrict: (value: T) => FieldAvailability, refresh = false): Promise<FieldAvailability> {
    if (!refresh) {
      const kept = await this.kept();
      const last = this.#last;
      if (kept !== null && last !== null) {
        const found = restrict(kept);
        const known = new Set(last.lacking);
        if (lackingKeys(found).every((k) => known.has(k))) return found;
      }
    }
    const fresh = restrict(await this.refresh());
    if (this.#last) {
      this.#last.lacking = lackingKeys(fresh);
      await this.#save();
    }
    return fresh;
  }

  async #save(): Promise<void> {
    if (this.#last) await this.#cache.set(this.#o.name, { value: this.#last.json, lacking: this.#last.lacking, readAt: this.#last.readAt } satisfies Entry<J>);
  }
}

/** One key per field found missing, naming the CRM fields looked for (an override that changes them is a new need). */
function lackingKeys(a: FieldAvailability): string[] {
  return [...a.missing.map((m) => `${m.kind}${m.raw ? '.raw' : ''}.${m.field}:${m.looked.join(',')}`), ...a.missingOwned.map((o) => `owned:${o}`)];
}
