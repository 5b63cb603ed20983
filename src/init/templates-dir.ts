import { fileURLToPath } from 'node:url';

/**
 * The `templates/` folder at the package root. Resolved from this module's own
 * URL so it works from `src/` under vitest, from `dist/` after a build, and from
 * an npm install (package.json "files" ships `templates`).
 */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}
