/**
 * Turns schema issues into problems a person can act on: the key path, the bad value, and what
 * is allowed (including a "did you mean" for misspelled keys).
 */
import type { z } from 'zod';
import type { KeyPath, Problem, SourceFile } from './source';

type Issue = z.core.$ZodIssue;

export function issuesToProblems(source: SourceFile, schema: z.ZodType, issues: readonly Issue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, path, valueAt(source.data, path));
      for (const key of issue.keys) {
        const hint = closest(key, allowed);
        // `{ pue: 1,15 }` in a flow mapping reads as pue: 1 and a key "15".
        const comma = /^\d+$/.test(key) ? ' (a decimal comma? write numbers with a point, e.g. 1.15)' : '';
        const keys = allowed.length > 0 ? `allowed keys: ${allowed.join(', ')}` : 'no keys are allowed here';
        problems.push(
          source.problem(
            [...path, key],
            `unknown key ${show(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}${comma}; ${keys}`,
            true,
          ),
        );
      }
      continue;
    }
    problems.push(source.problem(path, describeIssue(issue, valueAt(source.data, path))));
  }
  return problems;
}

function describeIssue(issue: Issue, value: unknown): string {
  const got = show(value);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `required key is missing (expected ${typeName(issue.expected)})`;
      if (typeof value === 'number' && !Number.isFinite(value)) return `${got} is not a finite number`;
      if (issue.expected === 'number' && typeof value === 'string' && /^-?\d+,\d+$/.test(value))
        return `${got} is not a number (a decimal comma? write ${value.replace(',', '.')})`;
      return `${got} is not ${typeName(issue.expected)}`;
    case 'invalid_value':
      return `${got} is not allowed (allowed: ${issue.values.map((v) => show(v)).join(', ')})`;
    case 'too_small':
      if (issue.origin === 'array') return `has ${(value as unknown[]).length} entries, needs at least ${issue.minimum}`;
      if (issue.origin === 'string') return `${got} is too short (at least ${issue.minimum} characters)`;
      return `${got} is below the minimum ${issue.minimum}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'too_big':
      if (issue.origin === 'array') return `has ${(value as unknown[]).length} entries, at most ${issue.maximum} allowed`;
      if (issue.origin === 'string') return `${got} is longer than ${issue.maximum} characters`;
      return `${got} is above the maximum ${issue.maximum}`;
    case 'invalid_format':
    case 'custom':
      return `${got} ${issue.message}`;
    case 'invalid_union':
      return `${got} matches none of the allowed shapes`;
    default:
      return `${got}: ${issue.message}`;
  }
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  boolean: 'a boolean (true or false)',
  number: 'a number',
  string: 'a string',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** Echoed values are shortened: a config value never floods a CI log. */
export const MAX_ECHO = 80;

export function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  const text = JSON.stringify(value);
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO - 2)}…"` : text;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/**
 * The keys an object schema allows at `path`, found by walking the schema definition; for a
 * union (e.g. the backend types), the option whose `type` matches the value, else all options.
 */
function allowedKeys(schema: z.ZodType, path: KeyPath, value: unknown): string[] {
  let defs: unknown[] = [schema];
  for (const seg of path) defs = defs.flatMap((d) => child(unwrap(d), seg));
  let objects = defs
    .map(unwrap)
    .flatMap(options)
    .filter((d) => def(d).type === 'object');
  const type = (value as { type?: unknown } | null)?.type;
  const matching = objects.filter((d) => {
    const literal = (def(d).shape as Record<string, unknown>).type;
    return literal !== undefined && def(literal).type === 'literal' && (def(literal).values as unknown[]).includes(type);
  });
  if (matching.length > 0) objects = matching;
  return [...new Set(objects.flatMap((d) => Object.keys(def(d).shape as object)))];
}

function options(schema: unknown): unknown[] {
  const d = def(schema);
  return d.type === 'union' ? (d.options as unknown[]).map(unwrap).flatMap(options) : [schema];
}

interface Def {
  type: string;
  [k: string]: unknown;
}
const def = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function unwrap(schema: unknown): unknown {
  let s = schema;
  while (['optional', 'default', 'nullable', 'readonly', 'prefault'].includes(def(s).type)) s = def(s).innerType;
  return s;
}

function child(schema: unknown, seg: string | number): unknown[] {
  const d = def(schema);
  if (d.type === 'object') {
    const next = (d.shape as Record<string, unknown>)[String(seg)];
    return next ? [next] : [];
  }
  if (d.type === 'array') return [d.element];
  if (d.type === 'record') return [d.valueType];
  if (d.type === 'union') return (d.options as unknown[]).flatMap((o) => child(unwrap(o), seg));
  return [];
}

/** The allowed key nearest to a typo, if it is near enough to be a likely meaning. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
