#!/usr/bin/env node
import { Command } from 'commander';
import { registerAndon } from './andon.js';
import { registerAudit } from './audit.js';
import { registerDaemon } from './daemon.js';
import { registerDocs } from './docs.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerMerge } from './merge.js';
import { registerMetrics } from './metrics.js';
import { registerPlan } from './plan.js';
import { registerPrompt } from './prompt.js';
import { registerReview } from './review.js';
import { registerRun } from './run.js';
import { registerService } from './service.js';
import { registerStatus } from './status.js';
import { VERSION } from './version.js';
import { registerWiki } from './wiki.js';
import { registerWorker } from './worker.js';

export function buildProgram(): Command {
  const program = new Command('jidoka')
    .description(
      'Run an AI-assisted software line in this git repository: plans built chunk by chunk by ' +
        'maker/checker/goal-checker agents in worktrees, the line stopped (Andon) on any abnormality, ' +
        'and a linted wiki kept in sync with the code.',
    )
    .version(VERSION, '-V, --version')
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (default: $JIDOKA_LOG_LEVEL or info)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the thing checked failed (lint errors, plan invalid, line stopped), 2 usage or configuration error.',
    );
  program.exitOverride((err) => {
    // commander uses exit code 1 for usage errors; Jidoka's contract says 2.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  // Registering is cheap on purpose: each command file imports its implementation inside
  // its action, so `--version`, `--help` and every command load only what they run.
  for (const register of [
    registerInit,
    registerDoctor,
    registerDaemon,
    registerWorker,
    registerStatus,
    registerAudit,
    registerPlan,
    registerRun,
    registerReview,
    registerMerge,
    registerDocs,
    registerWiki,
    registerAndon,
    registerPrompt,
    registerService,
    registerMetrics,
  ]) {
    register(program);
  }
  return program;
}

await buildProgram().parseAsync(process.argv);
