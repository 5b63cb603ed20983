#!/usr/bin/env node
/**
 * The `jidoka` executable, as tsc emits it; `npm run build` makes the one
 * package.json names, dist/cli/bin.cjs, from it (scripts/bundle-status.mjs).
 * `jidoka status [--json]`, the command run most (by people, scripts and
 * health checks), goes straight to its module without commander and every
 * other command's registration; everything else is main.ts. No top-level
 * await: the bundle is CommonJS, which starts faster than ES modules.
 */
const args = process.argv.slice(2);
if (args[0] === 'status' && args.slice(1).every((a) => a === '--json'))
  void import('./status.js').then((m) => m.runStatusDirect(args.includes('--json')));
else void import('./main.js');
