import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { JidokaError } from '../core/errors.js';
import { parseYaml } from '../core/yaml.js';
import { CONFIG_FILE } from './cached.js';
import { type Config, configSchema, defaultConfig } from './schema.js';

export { CONFIG_FILE };

export interface ConfigProblem {
  file: string;
  line: number | undefined;
  key: string;
  message: string;
}

export class ConfigError extends JidokaError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      `${problems.length === 1 ? 'jidoka.yaml has a problem' : `jidoka.yaml has ${problems.length} problems`}:\n${problems.map(formatProblem).join('\n')}`,
      { exitCode: 2, hint: 'fix the lines above; `jidoka init` writes a documented example of every key' },
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return `  ${at}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read, or undefined when defaults were used. */
  path: string | undefined;
}

/**
 * Read and validate `jidoka.yaml` at the repository root. With `required`
 * false a missing file yields the defaults; a present but bad file always
 * refuses, naming every problem with its line and key.
 */
export function loadConfig(root: string, opts: { required?: boolean } = {}): LoadedConfig {
  const path = join(root, CONFIG_FILE);
  if (!existsSync(path)) {
    if (opts.required)
      throw new JidokaError(`no ${CONFIG_FILE} in ${root}`, {
        exitCode: 2,
        hint: 'run `jidoka init` to create one',
      });
    return { config: defaultConfig(), path: undefined };
  }
  return { config: parseConfig(readFileSync(path, 'utf8'), CONFIG_FILE), path };
}

/** Validate config text; `file` is only used in messages. */
export function parseConfig(text: string, file = CONFIG_FILE): Config {
  const parsed = parseYaml(text);
  if (parsed.errors.length) {
    throw new ConfigError(
      parsed.errors.map((e) => ({ file, line: e.line, key: '', message: `invalid YAML: ${e.message}` })),
    );
  }
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([
      { file, line: 1, key: '', message: 'expected a mapping of keys (agents, checks, limits, ...)' },
    ]);
  }
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const path = [...issue.path, k];
        problems.push({
          file,
          line: parsed.lineOf(path),
          key: path.join('.'),
          message: `unknown key${suggest(k, knownKeys(issue.path))}`,
        });
      }
      continue;
    }
    problems.push({
      file,
      line: parsed.lineOf(issue.path),
      key: issue.path.join('.'),
      message: describeIssue(issue),
    });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigError(problems);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}${'input' in issue && issue.input !== undefined ? `, got ${describeValue(issue.input)}` : ''}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${'input' in issue ? `, got ${describeValue(issue.input)}` : ''}`;
    case 'too_small':
      return `expected ${issue.origin === 'array' ? `at least ${issue.minimum} item(s)` : `a value >= ${issue.minimum}`}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'invalid_union':
      return 'expected a command string or { name, run, timeout }';
    default:
      return issue.message;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  let shape: unknown = configSchema;
  for (const key of path) {
    const obj = unwrap(shape) as { shape?: Record<string, unknown> } | undefined;
    shape = obj?.shape?.[String(key)];
  }
  const obj = unwrap(shape) as { shape?: Record<string, unknown> } | undefined;
  return Object.keys(obj?.shape ?? {});
}

function unwrap(schema: unknown): unknown {
  let s = schema as
    | { def?: { innerType?: unknown; in?: unknown; schema?: unknown; type?: string } }
    | undefined;
  for (let i = 0; i < 10 && s?.def; i++) {
    const next = s.def.innerType ?? s.def.in ?? s.def.schema;
    if (!next) break;
    s = next as typeof s;
  }
  return s;
}

function suggest(key: string, known: string[]): string {
  if (!known.length) return '';
  let best = '';
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const hint = bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
  return `${hint}; known keys here: ${known.join(', ')}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
