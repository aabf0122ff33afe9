/**
 * Deal and ticket pipelines: portals rename stages and add pipelines with numeric stage ids, so
 * closed/won/open come from stage metadata, never from stage names. Kept across runs in the schema
 * cache; read again on full pulls, and once per pull when a record sits in a stage the kept read does
 * not know (a stage or pipeline added since).
 * GET /crm/v3/pipelines/{deals|tickets}: https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
 */
import { z } from 'zod';
import type { SchemaCache } from '../../connectors/port.ts';
import { KeptSchema } from '../../src/http/kept-schema.ts';
import type { HubspotTransport } from './transport.ts';
import { hubspotPaths } from './paths.ts';
import { pipelinesSchema } from './schemas.ts';

export interface StageInfo {
  pipelineId: string;
  stageId: string;
  label: string | null;
  /** Deals: metadata.isClosed === "true". Tickets: metadata.ticketState === "CLOSED". */
  isClosed: boolean;
  /** Deals: closed with probability 1.0. */
  isWon: boolean;
}

export class PipelineCatalog {
  readonly #byKey = new Map<string, StageInfo>();
  readonly #byStage = new Map<string, StageInfo>();

  add(info: StageInfo): void {
    this.#byKey.set(`${info.pipelineId}\u0000${info.stageId}`, info);
    if (!this.#byStage.has(info.stageId)) this.#byStage.set(info.stageId, info);
  }

  stage(pipelineId: string | null, stageId: string | null): StageInfo | undefined {
    if (stageId === null) return undefined;
    return (pipelineId !== null ? this.#byKey.get(`${pipelineId}\u0000${stageId}`) : undefined) ?? this.#byStage.get(stageId);
  }

  /** A record in this pipeline and stage is understood (no stage: nothing to understand). */
  knows(pipelineId: string | null, stageId: string | null): boolean {
    if (stageId === null) return true;
    return pipelineId !== null ? this.#byKey.has(`${pipelineId}\u0000${stageId}`) : this.#byStage.has(stageId);
  }

  stageIds(): string[] {
    return [...this.#byStage.keys()];
  }

  entries(): StageInfo[] {
    return [...this.#byKey.values()];
  }
}

const KeptStages = z.array(z.object({ pipelineId: z.string(), stageId: z.string(), label: z.string().nullable(), isClosed: z.boolean(), isWon: z.boolean() }));

export async function readPipelines(transport: HubspotTransport, objectType: 'deals' | 'tickets'): Promise<PipelineCatalog> {
  const body = await transport.data({ endpoint: `pipelines.${objectType}`, method: 'GET', path: hubspotPaths.pipelines(objectType), schema: pipelinesSchema });
  const catalog = new PipelineCatalog();
  for (const pipeline of body.results) {
    for (const stage of pipeline.stages) {
      const m = stage.metadata;
      const isClosed = objectType === 'deals' ? m.isClosed === 'true' : m.ticketState === 'CLOSED';
      const probability = Number(m.probability);
      catalog.add({ pipelineId: pipeline.id, stageId: stage.id, label: stage.label ?? null, isClosed, isWon: objectType === 'deals' && isClosed && probability >= 1 });
    }
  }
  return catalog;
}

type PipelineType = 'deals' | 'tickets';

/**
 * The pipelines one pull uses: read lazily, only when a deal or ticket needs them — from the schema cache,
 * or from HubSpot when `fresh` (full pulls) or nothing is kept.
 */
export class PipelineCache {
  readonly #kept: Record<PipelineType, KeptSchema<PipelineCatalog, z.infer<typeof KeptStages>>>;
  readonly #fresh: boolean;
  readonly #pending = new Map<PipelineType, Promise<PipelineCatalog>>();
  readonly #reread = new Set<PipelineType>();

  constructor(transport: HubspotTransport, cache?: SchemaCache, options: { fresh?: boolean } = {}) {
    this.#fresh = options.fresh ?? false;
    const kept = (type: PipelineType) =>
      new KeptSchema({
        name: `hubspot.pipelines.${type}`,
        cache,
        schema: KeptStages,
        read: () => readPipelines(transport, type),
        encode: (c: PipelineCatalog) => c.entries(),
        decode: (stages) => {
          const c = new PipelineCatalog();
          for (const s of stages) c.add(s);
          return c;
        },
      });
    this.#kept = { deals: kept('deals'), tickets: kept('tickets') };
  }

  get(type: PipelineType): Promise<PipelineCatalog> {
    let p = this.#pending.get(type);
    if (!p) {
      const kept = this.#kept[type];
      p = this.#fresh ? kept.refresh() : kept.current();
      // A failed read is not cached: the next caller tries again.
      p.catch(() => this.#pending.delete(type));
      this.#pending.set(type, p);
    }
    return p;
  }

  /** The catalogue, read again (once per pull) when it lacks one of these pipeline/stage pairs. */
  async covering(type: PipelineType, stages: Array<[string | null, string | null]>): Promise<PipelineCatalog> {
    const catalog = await this.get(type);
    if (this.#fresh || this.#reread.has(type)) return catalog;
    if (stages.every(([pipeline, stage]) => catalog.knows(pipeline, stage))) return catalog;
    this.#reread.add(type);
    const fresh = this.#kept[type].refresh();
    this.#pending.set(type, fresh);
    return fresh;
  }
}
