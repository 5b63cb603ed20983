import { basename } from 'node:path';
import type { Config } from '../config/schema.js';

/**
 * Service files for running `jidoka daemon` beside a repository. The stop
 * timeout is the daemon's grace period plus a margin, so the service manager
 * never SIGKILLs the daemon before it has killed its agents and checkpointed.
 */
export interface ServiceSpec {
  root: string;
  node: string;
  cli: string;
  config: Config;
  /**
   * PATH as the user's shell has it: service managers start with a minimal
   * one, where agent CLIs installed by npm or a version manager are not found.
   */
  path?: string;
  /** `jidoka worker` (a machine that runs the daemon's plans through queue.redis) instead of the daemon. */
  worker?: boolean;
}

/**
 * An ExecStart command line: each word quoted when needed, `%` doubled (unit
 * specifiers) and, in the arguments, `$` doubled (systemd expands variables
 * there but not in the executable's path).
 */
export function systemdCommand(argv: string[]): string {
  return argv
    .map((word, i) => {
      let literal = word.replace(/%/g, '%%');
      if (i > 0) literal = literal.replace(/\$/g, '$$$$');
      return /^[A-Za-z0-9_@%+=:,./-]+$/.test(literal) ? literal : systemdQuote(literal);
    })
    .join(' ');
}

function systemdQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A value systemd reads whole (WorkingDirectory, Description): only `%` specifiers need escaping. */
function systemdValue(text: string): string {
  return text.replace(/%/g, '%%');
}

export function serviceName(root: string, worker = false): string {
  return `jidoka-${worker ? 'worker-' : ''}${basename(root).replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

export function systemdUnit(s: ServiceSpec): string {
  const stopSec = Math.ceil(s.config.daemon.gracePeriod / 1000) + 15;
  const pathLine = s.path ? `Environment=${systemdQuote(`PATH=${s.path.replace(/%/g, '%%')}`)}\n` : '';
  const name = serviceName(s.root, s.worker);
  // A worker reads jidoka.yaml once, at start: it has no reload (SIGHUP would end it).
  const reload = s.worker
    ? '# Changed jidoka.yaml: systemctl --user restart ' +
      name +
      ' (the running plan stops at its next step and resumes elsewhere)'
    : `# Reload jidoka.yaml: systemctl --user reload ${name}`;
  return `# systemd unit for ${s.worker ? 'a Jidoka worker (plans from queue.redis) in' : 'the Jidoka line of'} ${s.root}
# Install (user service):
#   mkdir -p ~/.config/systemd/user && cp <this file> ~/.config/systemd/user/${name}.service
#   systemctl --user daemon-reload && systemctl --user enable --now ${name}
# Logs: journalctl --user -u ${name} -f   (JSON lines; pipe through pino-pretty to read)
${reload}
[Unit]
Description=${s.worker ? 'Jidoka worker' : 'Jidoka line'} for ${systemdValue(s.root)}
After=network-online.target

[Service]
Type=simple
WorkingDirectory=${systemdValue(s.root)}
ExecStart=${systemdCommand([s.node, s.cli, s.worker ? 'worker' : 'daemon'])}
${s.worker ? '' : 'ExecReload=/bin/kill -HUP $MAINPID\n'}Environment=JIDOKA_LOG_LEVEL=info
${pathLine}Restart=on-failure
RestartSec=10
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=${stopSec}

[Install]
WantedBy=default.target
`;
}

export function pm2Ecosystem(s: ServiceSpec): string {
  const app = {
    name: serviceName(s.root),
    script: s.cli,
    args: 'daemon',
    interpreter: s.node,
    cwd: s.root,
    // One daemon per repository: never cluster mode or several instances.
    exec_mode: 'fork',
    instances: 1,
    autorestart: true,
    restart_delay: 10_000,
    kill_timeout: s.config.daemon.gracePeriod + 15_000,
    // Signal the daemon only: it lets the running agent finish within the grace period, then kills it itself.
    treekill: false,
    env: { JIDOKA_LOG_LEVEL: 'info', ...(s.path ? { PATH: s.path } : {}) },
  };
  return `// pm2 ecosystem file for the Jidoka line of ${s.root}
// Start: pm2 start <this file> && pm2 save      Logs: pm2 logs ${app.name}
// Reload jidoka.yaml: pm2 sendSignal SIGHUP ${app.name}
module.exports = { apps: [${JSON.stringify(app, null, 2).replace(/\n/g, '\n  ')}] };
`;
}
