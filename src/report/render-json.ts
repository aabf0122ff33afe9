/** The journey map as JSON: validated against the schema, so other tools get exactly what it documents. */
import { JourneyMapSchema, type JourneyMap } from './schema.ts';

export function renderJson(doc: JourneyMap): string {
  return `${JSON.stringify(JourneyMapSchema.parse(doc), null, 2)}\n`;
}
