import { z } from 'zod';
import { fleetFileSchema, siteFileSchema } from './schema';

/** Committed JSON Schemas, relative to the config folder, and the schema each is made from. */
export const JSON_SCHEMAS = {
  'schema/fleet.schema.json': { title: 'AI factory fleet (config/fleet.yaml)', schema: fleetFileSchema },
  'schema/sites.schema.json': { title: 'AI factory sites of one country (config/sites/<cc>.yaml)', schema: siteFileSchema },
} as const;

/** The JSON Schema text for one file, as committed. */
export function renderJsonSchema(file: keyof typeof JSON_SCHEMAS): string {
  const { title, schema } = JSON_SCHEMAS[file];
  // io: 'input' describes what people write (defaults make keys optional), not the parsed result.
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify({ ...json, title }, null, 2)}\n`;
}
