/**
 * Deal and ticket pipelines, read once per pull: portals rename stages and add pipelines with numeric
 * stage ids, so closed/won/open come from stage metadata, never from stage names.
 * GET /crm/v3/pipelines/{deals|tickets}: https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
 */
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

  stageIds(): string[] {
    return [...this.#byStage.keys()];
  }
}

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

/** Lazily read, once per pull, only when a deal or ticket actually needs it. */
export class PipelineCache {
  readonly #transport: HubspotTransport;
  readonly #pending = new Map<'deals' | 'tickets', Promise<PipelineCatalog>>();
  constructor(transport: HubspotTransport) {
    this.#transport = transport;
  }
  get(objectType: 'deals' | 'tickets'): Promise<PipelineCatalog> {
    let p = this.#pending.get(objectType);
    if (!p) {
      p = readPipelines(this.#transport, objectType);
      // A failed read is not cached: the next caller tries again.
      p.catch(() => this.#pending.delete(objectType));
      this.#pending.set(objectType, p);
    }
    return p;
  }
}
