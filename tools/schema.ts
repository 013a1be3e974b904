/** `npm run schema`: regenerates the committed JSON Schemas from the TypeScript schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMAS, renderJsonSchema } from '../config/json-schema';

for (const file of Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[]) {
  writeFileSync(join('config', file), renderJsonSchema(file));
  console.log(`wrote config/${file}`);
}
