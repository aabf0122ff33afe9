/**
 * zod shapes of the HubSpot bodies we rely on. Loose objects: HubSpot adds fields freely.
 * Shapes: https://developers.hubspot.com/docs/api-reference/latest/crm/using-object-apis ,
 * https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide ,
 * https://developers.hubspot.com/docs/api-reference/crm-lists-v3/guide
 */
import { z } from 'zod';

const paging = z
  .object({ next: z.object({ after: z.union([z.string(), z.number()]).transform(String) }).loose().optional() })
  .loose()
  .optional();

const associatedIds = z
  .object({ results: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String), type: z.string().optional() }).loose()), paging })
  .loose();

export const crmObjectSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    properties: z.record(z.string(), z.string().nullable()).default({}),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    archived: z.boolean().optional(),
    archivedAt: z.string().optional(),
    associations: z.record(z.string(), associatedIds).optional(),
  })
  .loose();
export type CrmObject = z.infer<typeof crmObjectSchema>;

export const objectPageSchema = z.object({ results: z.array(crmObjectSchema), paging }).loose();
export const searchPageSchema = z.object({ total: z.number().optional(), results: z.array(crmObjectSchema), paging }).loose();

/**
 * One error of a 207. `context.ids` names missing records (batch read/update); `context.objectWriteTraceId`
 * names failed inputs when they carried trace ids (https://developers.hubspot.com/docs/api-reference/error-handling).
 */
export const batchErrorSchema = z
  .object({
    status: z.string().optional(),
    category: z.string().optional(),
    message: z.string().optional(),
    context: z.record(z.string(), z.array(z.string())).optional(),
  })
  .loose();
export type BatchError = z.infer<typeof batchErrorSchema>;

export const batchObjectsSchema = z
  .object({ status: z.string().optional(), results: z.array(crmObjectSchema).default([]), errors: z.array(batchErrorSchema).optional() })
  .loose();

export const associationsBatchSchema = z
  .object({
    results: z
      .array(
        z
          .object({
            from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }).loose(),
            // `toObjectId` is a JSON number in real responses although the SDK types it as string.
            to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]).transform(String) }).loose()),
            paging,
          })
          .loose(),
      )
      .default([]),
    errors: z.array(batchErrorSchema).optional(),
  })
  .loose();

export const pipelinesSchema = z
  .object({
    results: z.array(
      z
        .object({
          id: z.string(),
          label: z.string().optional(),
          archived: z.boolean().optional(),
          stages: z.array(
            z
              .object({
                id: z.string(),
                label: z.string().optional(),
                archived: z.boolean().optional(),
                // Deal stages: {isClosed:"true", probability:"1.0"}; ticket stages: {ticketState:"OPEN"|"CLOSED"}.
                metadata: z.record(z.string(), z.string().nullable()).default({}),
              })
              .loose(),
          ),
        })
        .loose(),
    ),
  })
  .loose();

export const propertyOptionSchema = z
  .object({ value: z.string(), label: z.string(), hidden: z.boolean().optional(), displayOrder: z.number().optional() })
  .loose();
export const propertySchema = z
  .object({
    name: z.string(),
    label: z.string().optional(),
    type: z.string(),
    fieldType: z.string(),
    groupName: z.string().optional(),
    options: z.array(propertyOptionSchema).default([]),
  })
  .loose();
export type HubspotProperty = z.infer<typeof propertySchema>;
export const propertiesSchema = z.object({ results: z.array(propertySchema) }).loose();
export const anyBodySchema = z.unknown();

export const listSchema = z
  .object({ listId: z.union([z.string(), z.number()]).transform(String), name: z.string(), processingType: z.string().optional() })
  .loose();
export const listEnvelopeSchema = z.object({ list: listSchema }).loose();

export const membershipsUpdateSchema = z
  .object({
    // The official key is spelled `recordsIdsAdded` (sic); `recordIdsRemoved` is not.
    recordsIdsAdded: z.array(z.string()).default([]),
    recordIdsRemoved: z.array(z.string()).default([]),
    recordIdsMissing: z.array(z.string()).default([]),
  })
  .loose();

// GET /crm/v3/lists/{listId}/memberships: members in recordId order, `paging.next.after` until the last page.
export const membershipPageSchema = z
  .object({
    results: z.array(z.object({ recordId: z.union([z.string(), z.number()]).transform(String), membershipTimestamp: z.string().optional() }).loose()),
    paging: z.object({ next: z.object({ after: z.string() }).loose().optional() }).loose().optional(),
    total: z.number().optional(),
  })
  .loose();

/**
 * POST /oauth/2026-03/token/introspect: `active` always; for an active access token also `scopes`, `hub_id`,
 * `expires_in`… (PublicAccessTokenInfoResponse, HubSpot's 2026-03 OAuth spec).
 */
export const tokenInfoSchema = z
  .object({ active: z.boolean(), scopes: z.array(z.string()).default([]), hub_id: z.number().optional(), expires_in: z.number().optional() })
  .loose();
