import { join } from 'node:path';
import { runProcess } from '../agents/runner.js';
import type { Config } from '../config/schema.js';
import { log } from '../core/log.js';
import { jidokaPaths } from '../core/paths.js';
import { clipEnd } from '../core/text.js';
import type { Category, LineStateName } from '../core/types.js';

/**
 * Tell people the line stopped or restarted: `alerts.webhook` gets a JSON
 * POST with a Slack-compatible `text`, `alerts.command` runs with
 * JIDOKA_INCIDENT* in its environment. Alerts never block or undo a stop:
 * the line state and the incident page are written before any alert goes
 * out, and a failing alert is logged and reported, never thrown.
 */
export interface AlertEvent {
  event: 'stop' | 'resolve';
  incident: string;
  severity: 'yellow' | 'red';
  category: Category;
  message: string;
  plan?: string;
  /** Repo-relative path of the incident page. */
  file: string;
  line: LineStateName;
  preservedRef?: string;
  /** Who resolved it (resolve only). */
  by?: string;
  countermeasure?: string;
  level?: string;
}

export interface AlertOutcome {
  channel: 'webhook' | 'command';
  ok: boolean;
  detail: string;
}

export function alertText(e: AlertEvent): string {
  if (e.event === 'stop') {
    const what = e.severity === 'red' ? 'Jidoka stopped the line' : 'Jidoka raised a yellow warning';
    return `${e.severity === 'red' ? ':rotating_light:' : ':warning:'} ${what}: ${e.incident} (${e.category}) ${e.message}${e.plan ? ` [plan ${e.plan}]` : ''}. Record: ${e.file}${e.preservedRef ? `; work kept at ${e.preservedRef}` : ''}`;
  }
  return `:white_check_mark: ${e.incident} resolved by ${e.by ?? 'someone'}${e.level ? ` (${e.level}: ${e.countermeasure ?? ''})` : ''}; the line is ${e.line}.`;
}

export async function sendAlerts(root: string, config: Config, e: AlertEvent): Promise<AlertOutcome[]> {
  const jobs: Promise<AlertOutcome>[] = [];
  if (config.alerts.webhook) jobs.push(postWebhook(config, e));
  if (config.alerts.command.length) jobs.push(runAlertCommand(root, config, e));
  const outcomes = await Promise.all(jobs);
  for (const o of outcomes) {
    if (o.ok) log().info({ incident: e.incident, channel: o.channel }, `alert sent: ${o.detail}`);
    else log().warn({ incident: e.incident, channel: o.channel }, `alert failed: ${o.detail}`);
  }
  return outcomes;
}

async function postWebhook(config: Config, e: AlertEvent): Promise<AlertOutcome> {
  const body = JSON.stringify({ text: alertText(e), ...e });
  const tries = config.alerts.retries + 1;
  let last = '';
  for (let i = 0; i < tries; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** (i - 1), 2000)));
    try {
      const res = await fetch(config.alerts.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'jidoka-andon' },
        body,
        signal: AbortSignal.timeout(config.alerts.timeout),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok)
        return {
          channel: 'webhook',
          ok: true,
          detail: `POST ${redactUrl(config.alerts.webhook)} → ${res.status}`,
        };
      last = `HTTP ${res.status}`;
    } catch (err) {
      last =
        err instanceof Error
          ? err.name === 'TimeoutError'
            ? `timed out after ${config.alerts.timeout}ms`
            : err.message
          : String(err);
    }
  }
  return {
    channel: 'webhook',
    ok: false,
    detail: `POST ${redactUrl(config.alerts.webhook)} failed ${tries} time${tries === 1 ? '' : 's'}: ${last}`,
  };
}

async function runAlertCommand(root: string, config: Config, e: AlertEvent): Promise<AlertOutcome> {
  const [file, ...args] = config.alerts.command as [string, ...string[]];
  const env: Record<string, string> = {};
  // The user's own command: it inherits the full environment (it may need its own tokens).
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    JIDOKA_INCIDENT: e.incident,
    JIDOKA_INCIDENT_EVENT: e.event,
    JIDOKA_INCIDENT_SEVERITY: e.severity,
    JIDOKA_INCIDENT_CATEGORY: e.category,
    JIDOKA_INCIDENT_MESSAGE: e.message,
    JIDOKA_INCIDENT_FILE: join(root, e.file),
    JIDOKA_INCIDENT_PLAN: e.plan ?? '',
    JIDOKA_INCIDENT_REF: e.preservedRef ?? '',
    JIDOKA_INCIDENT_TEXT: alertText(e),
    JIDOKA_LINE_STATE: e.line,
  });
  const res = await runProcess({
    file,
    args,
    cwd: root,
    env,
    input: `${JSON.stringify({ text: alertText(e), ...e })}\n`,
    timeoutMs: config.alerts.timeout,
    killGraceMs: 1000,
    maxOutputBytes: 64 * 1024,
    logFile: join(jidokaPaths(root).logs, 'alerts.log'),
  });
  if (res.spawnError)
    return { channel: 'command', ok: false, detail: `${file} could not start: ${res.spawnError}` };
  if (res.timedOut)
    return { channel: 'command', ok: false, detail: `${file} timed out after ${config.alerts.timeout}ms` };
  if (res.exitCode !== 0)
    return {
      channel: 'command',
      ok: false,
      detail: `${file} exited ${res.exitCode ?? res.signal}: ${clipEnd((res.stderr || res.stdout).trim(), 300)}`,
    };
  return { channel: 'command', ok: true, detail: `${file} exited 0` };
}

/** Webhook URLs often carry their secret in the path; logs and incidents show only the host. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return 'the webhook';
  }
}
