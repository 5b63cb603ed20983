import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configSchema, defaultConfig, ROLES } from '../../src/config/schema.js';
import { templatesDir } from '../../src/init/templates-dir.js';

const text = readFileSync(join(templatesDir(), 'jidoka.yaml'), 'utf8');

interface SchemaNode {
  def?: {
    type?: string;
    shape?: Record<string, SchemaNode>;
    innerType?: SchemaNode;
    in?: SchemaNode;
    element?: SchemaNode;
    options?: SchemaNode[];
    valueType?: SchemaNode;
  };
}

/** Every object key the config schema knows, as dotted paths, found by walking the zod schema itself. */
function schemaKeys(
  node: SchemaNode | undefined,
  prefix: string[] = [],
  out = new Set<string>(),
): Set<string> {
  const def = node?.def;
  if (!def) return out;
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      out.add([...prefix, key].join('.'));
      schemaKeys(child, [...prefix, key], out);
    }
  }
  for (const next of [def.innerType, def.in, def.element, def.valueType, ...(def.options ?? [])]) {
    schemaKeys(next, prefix, out);
  }
  return out;
}

describe('templates/jidoka.yaml', () => {
  const config = parseConfig(text);
  const defaults = defaultConfig();

  it('is a valid config', () => {
    expect(config.checks).toEqual(['npm test']);
  });

  it('states exactly the schema defaults for every section with defaults', () => {
    for (const section of [
      'limits',
      'schedule',
      'merge',
      'docs',
      'alerts',
      'daemon',
      'git',
      'approval',
    ] as const) {
      expect(config[section], section).toEqual(defaults[section]);
    }
  });

  it('writes every default out explicitly, not by omission', () => {
    for (const section of ['limits', 'schedule', 'alerts', 'daemon'] as const) {
      for (const key of Object.keys(defaults[section])) {
        expect(text, `${section}.${key}`).toMatch(new RegExp(`^\\s+${key}:`, 'm'));
      }
    }
  });

  it('configures every role as DESIGN.md shows: codex maker, claude for the rest', () => {
    for (const role of ROLES) expect(config.agents[role], role).toBeDefined();
    expect(config.agents.maker?.adapter).toBe('codex');
    for (const role of ROLES.filter((r) => r !== 'maker'))
      expect(config.agents[role]?.adapter).toBe('claude');
  });

  it('mentions every key the schema knows', () => {
    const keys = schemaKeys(configSchema as unknown as SchemaNode);
    // Sanity: the walker really reaches nested keys (agent keys, price, check objects).
    for (const k of [
      'agents.maker.bin',
      'agents.maker.price.cachedInputPerMTok',
      'checks.run',
      'limits.noProgress',
    ])
      expect(keys).toContain(k);
    const missing = [...keys]
      .map((k) => k.split('.').pop()!)
      .filter((leaf) => !new RegExp(`\\b${leaf}:`).test(text));
    expect(missing).toEqual([]);
  });

  it('documents the command adapter placeholders', () => {
    for (const p of ['{prompt_file}', '{report_file}', '{worktree}']) expect(text).toContain(p);
    expect(text).toMatch(/adapter: command/);
  });
});
