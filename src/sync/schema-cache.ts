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
    get<T>(name: string, schema: { parse(value: unknown): T }): T | undefined {
      const raw = store.getSetting(installation, PREFIX + name);
      if (raw === undefined) return undefined;
      try {
        return schema.parse(JSON.parse(raw));
      } catch {
        return undefined;
      }
    },
    set(name: string, value: unknown): void {
      store.setSetting(installation, PREFIX + name, JSON.stringify(value));
    },
  };
}
