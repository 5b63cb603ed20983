import { type ParsedYaml, parseYaml, type YamlProblem } from './yaml.js';

/**
 * The one frontmatter parser, shared by plans, wiki pages, incidents and the
 * wiki linter. Frontmatter is a YAML block between `---` lines at the very top
 * of a markdown file.
 */
export interface Frontmatter {
  /** True when the file starts with a `---` block (even if its YAML is bad). */
  present: boolean;
  /** The parsed mapping; `{}` when absent or unparseable. */
  data: Record<string, unknown>;
  /** YAML errors with file lines (1-based). */
  errors: YamlProblem[];
  /** The markdown after the closing `---`. */
  body: string;
  /** 1-based line where `body` starts. */
  bodyLine: number;
  /** Line of a top-level key (or nested path) in the file, for error messages. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

const OPEN = /^---[ \t]*\r?\n/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/m;

export function parseFrontmatter(text: string): Frontmatter {
  const open = OPEN.exec(text);
  if (!open)
    return { present: false, data: {}, errors: [], body: text, bodyLine: 1, lineOf: () => undefined };
  const rest = text.slice(open[0].length);
  const close = findClose(rest);
  if (!close) {
    return {
      present: true,
      data: {},
      errors: [{ message: 'frontmatter opened with --- but never closed', line: 1, column: 1 }],
      body: text,
      bodyLine: 1,
      lineOf: () => 1,
    };
  }
  const yamlText = rest.slice(0, close.index);
  const after = rest.slice(close.index + close.length);
  const body = after.replace(/^\r?\n/, '');
  const parsed: ParsedYaml = parseYaml(yamlText, 1);
  const errors = [...parsed.errors];
  let data: Record<string, unknown> = {};
  if (!errors.length) {
    if (parsed.value == null) data = {};
    else if (typeof parsed.value === 'object' && !Array.isArray(parsed.value))
      data = parsed.value as Record<string, unknown>;
    else errors.push({ message: 'frontmatter must be a mapping of key: value', line: 2, column: 1 });
  }
  const bodyLine = countLines(text.slice(0, text.length - body.length)) + 1;
  return { present: true, data, errors, body, bodyLine, lineOf: parsed.lineOf };
}

function findClose(rest: string): { index: number; length: number } | undefined {
  // The closing fence must start a line; an empty frontmatter closes at index 0.
  const m = CLOSE.exec(rest);
  if (!m) return undefined;
  if (m.index !== 0 && rest[m.index - 1] !== '\n') return undefined;
  return { index: m.index, length: m[0].length };
}

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Set one top-level scalar key in the frontmatter, changing only that line
 * (or appending the key before the closing fence). Everything else in the
 * file stays byte for byte, which is what users expect when Jidoka flips a
 * plan's status in a file they are editing.
 */
export function setFrontmatterField(
  text: string,
  key: string,
  value: string | number | boolean | null,
): string {
  const open = OPEN.exec(text);
  const line = `${key}: ${formatScalar(value)}`;
  if (!open) return `---\n${line}\n---\n${text}`;
  const rest = text.slice(open[0].length);
  const close = findClose(rest);
  if (!close) throw new Error('frontmatter opened with --- but never closed');
  const yamlText = rest.slice(0, close.index);
  const keyRe = new RegExp(`^${escapeRegExp(key)}[ \\t]*:[^\\n]*$`, 'm');
  const eol = open[0].endsWith('\r\n') ? '\r\n' : '\n';
  let newYaml: string;
  const m = keyRe.exec(yamlText);
  if (m) {
    const old = m[0].endsWith('\r') ? `${line}\r` : line;
    newYaml = yamlText.slice(0, m.index) + old + yamlText.slice(m.index + m[0].length);
  } else {
    newYaml = yamlText + line + eol;
  }
  return open[0] + newYaml + rest.slice(close.index);
}

export function formatScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  const needsQuotes =
    value === '' ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]|\s$|: | #|\n/.test(value) ||
    /^(true|false|null|yes|no|on|off|~|[-+]?\d[\d._:eE+-]*)$/i.test(value);
  if (needsQuotes) return JSON.stringify(value);
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
