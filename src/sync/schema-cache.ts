/**
 * The connectors' schema cache (property catalogues, pipelines, describe results) kept in the store's
 * settings, per installation, so CLI runs and the service reuse one read. Connectors see only the
 * `SchemaCache` port; a value that no longer parses (written by an older Parcours) reads as absent.
 */
import type { SchemaCache } from '../../connectors/port.ts';
import type { Store } from '../store/index.ts';

const PREFIX = 'schema-cache:';

export function storeSchemaCache(store: Store, installation: string): SchemaCache {
  return {
    async get<T>(name: string, schema: { parse(value: unknown): T }): Promise<T | undefined> {
      const raw = await store.getSetting(installation, PREFIX + name);
      if (raw === undefined) return undefined;
      try {
        return schema.parse(JSON.parse(raw));
      } catch {
        return undefined;
      }
    },
    async set(name: string, value: unknown): Promise<void> {
      await store.setSetting(installation, PREFIX + name, JSON.stringify(value));
    },
  };
}
