#!/usr/bin/env node
/**
 * The `jidoka` executable. `jidoka status [--json]`, the command run most
 * (by people, scripts and health checks), goes straight to its module
 * without commander and every other command's registration, about a third
 * of its start-up (`npm run bench`); everything else is main.ts.
 */
const args = process.argv.slice(2);
if (args[0] === 'status' && args.slice(1).every((a) => a === '--json')) {
  const { runStatusDirect } = await import('./status.js');
  await runStatusDirect(args.includes('--json'));
} else {
  await import('./main.js');
}
