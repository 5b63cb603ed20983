import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The only files the board serves: its page, and uPlot from node_modules.
 * A fixed table from URL path to file, so no request path ever becomes a
 * file system path (no traversal to guard against), and nothing is loaded
 * from the network: the page works offline. Read on each request (small
 * files), so a page edit shows on reload.
 */
export interface Asset {
  file: string;
  type: string;
}

const PAGE = fileURLToPath(new URL('../../src/board/page/', import.meta.url));
const require = createRequire(import.meta.url);

export const ASSETS: Readonly<Record<string, Asset>> = {
  '/': { file: `${PAGE}index.html`, type: 'text/html; charset=utf-8' },
  '/board.js': { file: `${PAGE}board.js`, type: 'text/javascript; charset=utf-8' },
  '/board.css': { file: `${PAGE}board.css`, type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': {
    file: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uPlot.min.css': {
    file: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

export function readAsset(path: string): { body: Buffer; type: string } | undefined {
  const a = Object.hasOwn(ASSETS, path) ? ASSETS[path] : undefined;
  return a ? { body: readFileSync(a.file), type: a.type } : undefined;
}
