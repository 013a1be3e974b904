import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMAS, renderJsonSchema } from '../config/json-schema';
import { LIVE_CONFIG_DIR as CONFIG_DIR } from './util';

describe('committed JSON Schemas', () => {
  test.each(Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[])(
    '%s matches the TypeScript schema (run `npm run schema` when this fails)',
    (file) => {
      expect(readFileSync(join(CONFIG_DIR, file), 'utf8')).toBe(renderJsonSchema(file));
    },
  );

  test('every config file points its editor at the schema', () => {
    expect(readFileSync(join(CONFIG_DIR, 'fleet.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/schema\/fleet\.schema\.json\n/,
    );
    for (const file of readdirSync(join(CONFIG_DIR, 'sites')).filter((f) => /\.ya?ml$/.test(f))) {
      expect(readFileSync(join(CONFIG_DIR, 'sites', file), 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/schema\/sites\.schema\.json\n/,
      );
    }
  });

  test.each(Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[])('every field of %s is documented', (file) => {
    const schema = JSON.parse(renderJsonSchema(file));
    const undocumented: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(properties ?? {})) {
        const leaf = !child.properties && !(child.items as Record<string, unknown> | undefined)?.properties;
        if (leaf && key !== '$schema' && !child.description && child.default === undefined && !child.enum)
          undocumented.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
        if (child.items) walk(child.items as Record<string, unknown>, `${path}.${key}[]`);
      }
    };
    walk(schema, '');
    expect(undocumented).toEqual([]);
  });
});
