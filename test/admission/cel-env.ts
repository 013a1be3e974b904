/**
 * The CEL of ValidatingAdmissionPolicies, evaluated by @bufbuild/cel: the standard library, the
 * strings extension and the part of Kubernetes' quantity library policies use; JSON turned into
 * CEL values as the API server decodes objects.
 */
import {
  CelScalar,
  type CelInput,
  type CelResult,
  type CelValue,
  celEnv,
  celFunc,
  celMethod,
  isCelError,
  parse,
  plan,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * JSON to CEL input: integers become CEL ints (bigint), other numbers doubles; null-valued fields
 * are dropped, as the API server's decoding of built-in types does, so `has()` sees them as absent.
 */
export function toCel(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (isTree(value)) {
    const out: { [key: string]: CelInput } = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = toCel(v);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (value === undefined) return null;
  throw new Error(`cannot pass ${typeof value} to CEL`);
}

// --- CEL compilation and evaluation ---

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** A Kubernetes quantity ("10Gi", "1.5T", "500m") in base units; undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : m[3] ? SUFFIX[m[3]] : 1);
}
/**
 * The part of Kubernetes' CEL quantity library the policies use: isQuantity(s), quantity(s) and
 * q.compareTo(q). A quantity is carried as a double of base units (exact for what policies compare).
 */
const QUANTITY_FUNCS = [
  celFunc('isQuantity', [CelScalar.STRING], CelScalar.BOOL, (s) => parseQuantity(s) !== undefined),
  celFunc('quantity', [CelScalar.STRING], CelScalar.DOUBLE, (s) => {
    const q = parseQuantity(s);
    if (q === undefined) throw new Error(`quantities must match the regular expression: ${s}`);
    return q;
  }),
  celMethod('compareTo', CelScalar.DOUBLE, [CelScalar.DOUBLE], CelScalar.INT, function (other) {
    return BigInt(Math.sign(this - other));
  }),
];
const env = celEnv({ funcs: [...strings, ...QUANTITY_FUNCS] });
type Program = (bindings: Record<string, CelInput>) => CelResult;
const programs = new Map<string, Program | Error>();

/** Parses and plans `expression` once; a syntax error comes back as an Error. */
export function compile(expression: string): Program | Error {
  let program = programs.get(expression);
  if (!program) {
    try {
      program = plan(env, parse(expression));
    } catch (e) {
      program = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(expression, program);
  }
  return program;
}

export type Outcome = { value: CelValue } | { error: string };

export function run(expression: string, bindings: Record<string, CelInput>): Outcome {
  const program = compile(expression);
  if (program instanceof Error) return { error: program.message };
  const result = program(bindings);
  return isCelError(result) ? { error: result.message } : { value: result };
}
