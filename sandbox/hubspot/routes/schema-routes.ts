/**
 * Properties, property groups and pipelines (hubspot.md §6, §8). Create returns 201, update 200,
 * an existing name 409; type/fieldType pairs and enumeration options are validated.
 */
import type { Express } from 'express';
import { z } from 'zod';
import { conflict, notFound, validationError } from '../http-error.ts';
import { FIELD_TYPES_BY_TYPE, PROPERTY_TYPES, parseObjectType, pipelinesFor, type PropertyDef, type PropertyGroupDef, type PropertyOption } from '../schema.ts';
import { parseBody, type SandboxContext } from '../context.ts';

const OptionInput = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  hidden: z.boolean().optional(),
  displayOrder: z.number().int().optional(),
  description: z.string().optional(),
});
const PropertyCreate = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must start with a lowercase letter and hold only a-z, 0-9 and _'),
  label: z.string().min(1),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.string(),
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(OptionInput).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  hasUniqueValue: z.boolean().optional(),
});
const PropertyUpdate = PropertyCreate.omit({ name: true, hasUniqueValue: true }).partial();
const GroupCreate = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), label: z.string().min(1), displayOrder: z.number().int().optional() });

function propertyJson(p: PropertyDef): Record<string, unknown> {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: p.displayOrder,
    calculated: p.calculated,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    hubspotDefined: p.hubspotDefined,
    modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: p.hubspotDefined, readOnlyValue: p.readOnlyValue },
    formField: p.formField,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    archived: false,
  };
}

function groupJson(g: PropertyGroupDef): Record<string, unknown> {
  return { name: g.name, label: g.label, displayOrder: g.displayOrder, archived: g.archived };
}

function options(input: z.infer<typeof OptionInput>[] | undefined): PropertyOption[] {
  const values = (input ?? []).map((o) => o.value);
  const dupe = values.find((v, i) => values.indexOf(v) !== i);
  if (dupe !== undefined) throw validationError(`Duplicate option value: ${dupe}`);
  return (input ?? []).map((o, i) => ({ label: o.label, value: o.value, hidden: o.hidden ?? false, displayOrder: o.displayOrder ?? i, ...(o.description ? { description: o.description } : {}) }));
}

function checkShape(type: PropertyDef['type'], fieldType: string, opts: PropertyOption[]): void {
  if (!FIELD_TYPES_BY_TYPE[type].includes(fieldType)) {
    throw validationError(`Invalid fieldType "${fieldType}" for type "${type}"; allowed: ${FIELD_TYPES_BY_TYPE[type].join(', ')}`);
  }
  if (type === 'enumeration' && fieldType !== 'booleancheckbox' && opts.length === 0) throw validationError('Enumeration properties need at least one option');
}

export function mountSchemaRoutes(app: Express, ctx: SandboxContext): void {
  const { store } = ctx;

  app.get('/crm/v3/properties/:objectType', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    res.json({ results: [...store.properties[type].values()].map(propertyJson) });
  });

  app.get('/crm/v3/properties/:objectType/groups', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    res.json({ results: [...store.groups[type].values()].map(groupJson) });
  });

  app.post('/crm/v3/properties/:objectType/groups', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const body = parseBody(GroupCreate, req);
    if (store.groups[type].has(body.name)) throw conflict(`A property group named '${body.name}' already exists.`);
    const g: PropertyGroupDef = { name: body.name, label: body.label, displayOrder: body.displayOrder ?? -1, archived: false };
    store.groups[type].set(g.name, g);
    res.status(201).json(groupJson(g));
  });

  app.get('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const p = store.properties[type].get(req.params.propertyName);
    if (!p) throw notFound(`Unable to find property with name ${req.params.propertyName} for object type ${type}`);
    res.json(propertyJson(p));
  });

  app.post('/crm/v3/properties/:objectType', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const body = parseBody(PropertyCreate, req);
    if (store.properties[type].has(body.name)) throw conflict(`Property named '${body.name}' already exists.`);
    if (!store.groups[type].has(body.groupName)) throw validationError(`Property group '${body.groupName}' does not exist`);
    const opts = options(body.options);
    checkShape(body.type, body.fieldType, opts);
    const now = ctx.clock();
    const p: PropertyDef = {
      name: body.name,
      label: body.label,
      type: body.type,
      fieldType: body.fieldType,
      groupName: body.groupName,
      description: body.description ?? '',
      options: opts,
      displayOrder: body.displayOrder ?? -1,
      hidden: body.hidden ?? false,
      formField: body.formField ?? false,
      hasUniqueValue: body.hasUniqueValue ?? false,
      hubspotDefined: false,
      readOnlyValue: false,
      calculated: false,
      createdAt: now,
      updatedAt: now,
    };
    store.properties[type].set(p.name, p);
    res.status(201).json(propertyJson(p));
  });

  app.patch('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const p = store.properties[type].get(req.params.propertyName);
    if (!p) throw notFound(`Unable to find property with name ${req.params.propertyName} for object type ${type}`);
    const body = parseBody(PropertyUpdate, req);
    if (p.hubspotDefined && (body.type !== undefined || body.fieldType !== undefined)) throw validationError(`The type of HubSpot-defined property ${p.name} cannot be changed`);
    if (body.groupName !== undefined && !store.groups[type].has(body.groupName)) throw validationError(`Property group '${body.groupName}' does not exist`);
    const next: PropertyDef = {
      ...p,
      ...(body.label !== undefined ? { label: body.label } : {}),
      ...(body.type !== undefined ? { type: body.type } : {}),
      ...(body.fieldType !== undefined ? { fieldType: body.fieldType } : {}),
      ...(body.groupName !== undefined ? { groupName: body.groupName } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.displayOrder !== undefined ? { displayOrder: body.displayOrder } : {}),
      ...(body.hidden !== undefined ? { hidden: body.hidden } : {}),
      ...(body.formField !== undefined ? { formField: body.formField } : {}),
      // Options sent on update replace the whole set (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/guide).
      ...(body.options !== undefined ? { options: options(body.options) } : {}),
      updatedAt: ctx.clock(),
    };
    checkShape(next.type, next.fieldType, next.options);
    store.properties[type].set(p.name, next);
    res.status(200).json(propertyJson(next));
  });

  app.get('/crm/v3/pipelines/:objectType', (req, res) => {
    const type = parseObjectType(req.params.objectType);
    const pipelines = pipelinesFor(type);
    if (!pipelines) throw validationError(`Object type ${type} has no pipelines`);
    const at = new Date(Date.UTC(2020, 0, 1)).toISOString();
    res.json({
      results: pipelines.map((p) => ({
        id: p.id,
        label: p.label,
        displayOrder: p.displayOrder,
        createdAt: at,
        updatedAt: at,
        archived: false,
        stages: p.stages.map((s) => ({ id: s.id, label: s.label, displayOrder: s.displayOrder, metadata: s.metadata, createdAt: at, updatedAt: at, archived: false, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' })),
      })),
    });
  });
}
