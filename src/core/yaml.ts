import { createRequire } from 'node:module';
import type { LineCounter, Node as YamlNode } from 'yaml';

// Required on first parse, not imported: loading the yaml package costs as much as node's own
// start, and `jidoka status` reads no YAML when its cache of parsed files is current.
const require = createRequire(import.meta.url);
let loaded: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => {
  loaded ??= require('yaml') as typeof import('yaml');
  return loaded;
};

export interface YamlProblem {
  message: string;
  line: number;
  column: number;
}

export interface ParsedYaml {
  value: unknown;
  errors: YamlProblem[];
  /** 1-based line of the key (or item) at `path`, for error messages; the nearest existing parent otherwise. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * The one YAML reader. It keeps positions so that every error about a YAML
 * file (jidoka.yaml, plan or page frontmatter) can name its line. `lineOffset`
 * is added to every line: frontmatter starts below the opening `---`.
 */
export function parseYaml(text: string, lineOffset = 0): ParsedYaml {
  const { isMap, isSeq, LineCounter: Counter, parseDocument } = yaml();
  const counter = new Counter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const errors: YamlProblem[] = doc.errors.map((e) => {
    const pos = counter.linePos(e.pos[0]);
    return { message: e.message.split('\n')[0] ?? e.message, line: pos.line + lineOffset, column: pos.col };
  });
  let value: unknown;
  if (!errors.length) {
    try {
      // An alias bomb (a billion laughs) expands exponentially: the yaml package stops it past maxAliasCount.
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      const at = firstAliasLine(text, counter) ?? 1;
      errors.push({
        message: `${(err as Error).message.split('\n')[0]} (more than ${MAX_ALIASES} alias expansions; YAML aliases are limited)`,
        line: at + lineOffset,
        column: 1,
      });
    }
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    let node: unknown = doc.contents;
    let best: number | undefined = rangeLine(node as YamlNode | null, counter);
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        best = rangeLine(pair.key as YamlNode, counter) ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as YamlNode | undefined;
        if (!item) break;
        best = rangeLine(item, counter) ?? best;
        node = item;
      } else break;
    }
    return best === undefined ? undefined : best + lineOffset;
  };
  return { value, errors, lineOf };
}

/** How many alias expansions one document may make: plenty for real configs, far too few for a bomb. */
const MAX_ALIASES = 100;

function firstAliasLine(text: string, counter: LineCounter): number | undefined {
  const m = /(^|[\s,[{:-])\*[^\s,\]}]+/m.exec(text);
  return m ? counter.linePos(m.index + m[1]!.length).line : undefined;
}

function rangeLine(node: YamlNode | null | undefined, counter: LineCounter): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : counter.linePos(start).line;
}
