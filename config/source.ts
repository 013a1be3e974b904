/**
 * Reading one YAML config file with source positions, so every problem points at a line and
 * column. Guards against oversized files and alias bombs before anything is expanded.
 */
import { closeSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/** Larger than any real site file by two orders of magnitude; bigger means a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Alias expansions allowed per file; a "billion laughs" document needs far more. */
export const MAX_ALIAS_COUNT = 100;
/** Longest key shown in a key path. */
const MAX_KEY = 60;

export type KeyPath = readonly (string | number)[];

/** One problem in one file, ready to print. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

export function formatKeyPath(path: KeyPath): string {
  if (path.length === 0) return '(document)';
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      // A pasted blob as a key must not flood a CI log.
      const key = seg.length > MAX_KEY ? `${seg.slice(0, MAX_KEY - 1)}…` : seg;
      if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? seg : `.${seg}`;
    })
    .join('');
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`;
}

/** A parsed file: its data, and a way back from a key path to a position. */
export class SourceFile {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
  ) {}

  /** Reads and parses `file`; returns the problems instead when it cannot be read safely. */
  static read(file: string): SourceFile | Problem[] {
    const at = (message: string, path = '(file)', line = 1, column = 1): Problem[] => [{ file, line, column, path, message }];
    // Checked before reading: a directory, FIFO, device or link must never hang or crash the
    // loader, nor print another file's content into a CI log.
    let stat: Stats;
    try {
      stat = lstatSync(file);
    } catch {
      return at('file not found');
    }
    if (stat.isSymbolicLink()) return at('is a symbolic link (allowed: a regular file in the config folder)');
    if (!stat.isFile()) return at(`is a ${stat.isDirectory() ? 'directory' : 'special file'} (allowed: a regular YAML file)`);
    if (stat.size > MAX_CONFIG_BYTES) {
      return at(`file is ${stat.size} bytes, over the limit of ${MAX_CONFIG_BYTES} bytes for a config file`);
    }
    const text = readBounded(file);
    if (text === undefined) return at(`file grew beyond the limit of ${MAX_CONFIG_BYTES} bytes while being read`);
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
    const problems: Problem[] = doc.errors.map((err) => {
      const pos = lines.linePos(err.pos[0]);
      const message =
        err.code === 'MULTIPLE_DOCS'
          ? 'a config file holds one YAML document; remove the "---" that starts a second one'
          : `YAML syntax: ${firstLine(err.message)}`;
      return { file, line: pos.line, column: pos.col, path: '(yaml)', message };
    });
    if (problems.length > 0) return problems;
    const tagged = firstTag(doc);
    if (tagged) {
      const pos = lines.linePos(tagged.offset);
      return at(
        `YAML tag ${tagged.tag} is not allowed: config is plain YAML (mappings, lists, strings, numbers, booleans); remove the tag`,
        '(yaml)',
        pos.line,
        pos.col,
      );
    }

    const aliases = countAliases(doc);
    if (aliases.count > 0) {
      let data: unknown;
      try {
        data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch {
        const pos = lines.linePos(aliases.firstOffset);
        return at(
          `YAML aliases expand beyond ${MAX_ALIAS_COUNT} nodes (an alias bomb); write the values out instead`,
          '(yaml)',
          pos.line,
          pos.col,
        );
      }
      return new SourceFile(file, data, doc, lines);
    }
    return new SourceFile(file, doc.toJS(), doc, lines);
  }

  /** A problem at `path`; points at the key itself when `onKey`, else at the value. */
  problem(path: KeyPath, message: string, onKey = false): Problem {
    const pos = this.position(path, onKey);
    return { file: this.file, line: pos.line, column: pos.col, path: formatKeyPath(path), message };
  }

  private position(path: KeyPath, onKey: boolean): { line: number; col: number } {
    let node: unknown = this.doc?.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        const last = i === path.length - 1;
        if ((last && onKey) || pair.value === null) {
          offset = keyNode.range?.[0] ?? offset;
          if (pair.value === null) break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
      } else {
        break;
      }
      if (!(i === path.length - 1 && onKey)) offset = (node as Node).range?.[0] ?? offset;
    }
    return this.lines.linePos(offset);
  }
}

/** Reads at most MAX_CONFIG_BYTES + 1 bytes; undefined when the file is longer than the limit. */
function readBounded(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_CONFIG_BYTES) return undefined;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The first explicitly tagged node (`!custom`, `!!binary`, ...), if any. */
function firstTag(doc: Document): { tag: string; offset: number } | undefined {
  let found: { tag: string; offset: number } | undefined;
  visit(doc, (_, node) => {
    const tag = (node as { tag?: string } | null)?.tag;
    if (tag && !found) {
      found = { tag: tag.replace(/^tag:yaml\.org,2002:/, '!!'), offset: (node as Node).range?.[0] ?? 0 };
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function countAliases(doc: Document): { count: number; firstOffset: number } {
  let count = 0;
  let firstOffset = 0;
  visit(doc, {
    Alias(_, node) {
      if (count === 0) firstOffset = node.range?.[0] ?? 0;
      count++;
    },
  });
  return { count, firstOffset };
}
