import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The absolute path `name` would run as, or undefined. A name with a slash is
 * a path (relative ones resolve against `cwd`, the repository root: agents run
 * in a checkout of it); a bare name is looked up on PATH like a shell does.
 */
export function resolveExecutable(
  name: string,
  opts: { cwd: string; path?: string | undefined },
): string | undefined {
  if (name.includes('/')) {
    const full = isAbsolute(name) ? name : resolve(opts.cwd, name);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of (opts.path ?? process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    if (isExecutableFile(full)) return full;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    // No exception for a missing file: PATH is walked for every sandboxed step.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `name` is a path to a file that exists but cannot be run (a bin missing its x bit). */
export function notExecutable(name: string, cwd: string): boolean {
  if (!name.includes('/')) return false;
  const full = isAbsolute(name) ? name : resolve(cwd, name);
  try {
    return statSync(full).isFile() && !isExecutableFile(full);
  } catch {
    return false;
  }
}
