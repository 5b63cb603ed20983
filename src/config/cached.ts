import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';
import type { LoadedConfig } from './load.js';

/** The config file at the repository root (defined here, not in load.ts, which loads zod). */
export const CONFIG_FILE = 'jidoka.yaml';

/**
 * loadConfig, remembered: the validated config of a given jidoka.yaml is
 * kept in `.jidoka/cache/config.json`, keyed by the sha1 of the file's text
 * and of the code that validates it (schema.js, load.js, their package). A
 * command whose jidoka.yaml has not changed then starts without loading the
 * YAML parser, zod and node-cron: about 0.2 s of every CLI start.
 *
 * Validation is a pure function of those inputs, so a hit is exactly what
 * loadConfig would return. A bad file is never cached: it fails again, with
 * every problem named. The cache is an optimisation only; any damage to it
 * means a miss.
 */
export async function loadConfigCached(
  root: string,
  opts: { required?: boolean } = {},
): Promise<LoadedConfig> {
  const path = join(root, CONFIG_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = undefined;
  }
  const key = cacheKey(text);
  const file = join(jidokaPaths(root).cache, 'config.json');
  if (key) {
    try {
      const hit = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; config?: unknown };
      if (hit.key === key && hit.config && typeof hit.config === 'object')
        return { config: hit.config as LoadedConfig['config'], path: text === undefined ? undefined : path };
    } catch {
      // A miss.
    }
  }
  const { loadConfig } = await import('./load.js');
  const loaded = loadConfig(root, opts);
  if (key) {
    try {
      writeFileAtomic(file, JSON.stringify({ key, config: loaded.config }), { durable: false });
    } catch {
      // Not writable (a read-only checkout): every start validates, as without a cache.
    }
  }
  return loaded;
}

/** The sha1 of the config text and the validating code; undefined when that code cannot be read. */
function cacheKey(text: string | undefined): string | undefined {
  const hash = createHash('sha1');
  try {
    // Named from dist/'s parent of this file, so that they are found from the status bundle in dist/cli/ too.
    for (const rel of ['../config/schema.js', '../config/load.js', '../../package.json'])
      hash.update(readFileSync(new URL(rel, import.meta.url))).update('\0');
  } catch {
    return undefined;
  }
  return hash.update(text === undefined ? '\0no file' : `\0${text}`).digest('hex');
}
