import type { FileChange } from '../core/types.js';
import { LOCK_FILES } from './patterns.js';

/**
 * Secrets in added lines: known token formats (exact shapes, no guessing)
 * and high-entropy values assigned to secret-sounding names. Pure. Matches
 * are redacted before they reach evidence, because incident pages are
 * committed to the wiki.
 *
 * Deliberate non-findings (no false stops on ordinary code): hashes in lock
 * files, a sha or base64 blob assigned to a name that does not sound like a
 * secret (`integrity`, `fixture`, `sha`), values read from the environment
 * (`process.env.X`, `os.environ[...]`, `${VAR}`), and obvious placeholders
 * (`changeme`, `xxxx`, `<token>`, `your-api-key`).
 */
export interface SecretHit {
  path: string;
  kind: string;
  /** First four characters, an ellipsis and the length: enough to find it, useless to an attacker. */
  redacted: string;
}

const TOKEN_FORMATS: { kind: string; re: RegExp }[] = [
  { kind: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'AWS access key id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/ },
  { kind: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/ },
  { kind: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/ },
  { kind: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { kind: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  {
    kind: 'Slack webhook',
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/,
  },
  {
    kind: 'OpenAI/Anthropic-style key',
    re: /\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{32,}\b/,
  },
  { kind: 'Stripe live key', re: /\b[rsp]k_live_[0-9a-zA-Z]{24,}\b/ },
  { kind: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { kind: 'PyPI token', re: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}\b/ },
  { kind: 'JWT', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/ },
  { kind: 'credentials in URL', re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:[^\s:/@'"$]{6,}@[\w.-]+/i },
];

/** `apiKey = "..."`, `"client_secret": "..."`, `TOKEN=...` */
const SECRET_ASSIGNMENT =
  /(?:^|[^A-Za-z0-9])([A-Za-z0-9_.-]*(?:secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)[A-Za-z0-9_]*)["']?\s*(?::=|=|:)\s*["'`]?([^\s"'`,;)]{16,})/gi;

const PLACEHOLDER_VALUE =
  /^(?:x+|\*+|\.+|<.*>|\{.*\}|\$.*|changeme.*|your[_-].*|example.*|dummy.*|fake.*|test.*|placeholder.*|redacted.*)$/i;
const FROM_ENV = /process\.env|os\.environ|getenv|import\.meta\.env|\$\{|\$\(|ENV\[|secrets\.|vars\./;

export function findSecrets(changes: FileChange[]): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const c of changes) {
    if (c.binary || c.status === 'deleted') continue;
    const lock = LOCK_FILES.test(c.path);
    for (const line of c.addedLines) {
      for (const f of TOKEN_FORMATS) {
        const m = f.re.exec(line);
        if (m) hits.push({ path: c.path, kind: f.kind, redacted: redact(m[0]) });
      }
      if (lock || FROM_ENV.test(line)) continue;
      for (const m of line.matchAll(SECRET_ASSIGNMENT)) {
        const value = m[2]!;
        if (PLACEHOLDER_VALUE.test(value) || !looksRandom(value)) continue;
        if (hits.some((h) => h.path === c.path && h.redacted === redact(value))) continue;
        hits.push({ path: c.path, kind: `high-entropy value assigned to ${m[1]}`, redacted: redact(value) });
      }
    }
  }
  return hits;
}

/** Random-looking: long, high Shannon entropy, letters mixed with digits, not a plain identifier or path. */
export function looksRandom(value: string): boolean {
  if (value.length < 16) return false;
  if (/^[a-z_]+$/i.test(value) || (/^[\w-]+(?:\.[\w-]+)+$/.test(value) && !/\d/.test(value))) return false;
  if (value.includes('/') && !/^[A-Za-z0-9+/=]+$/.test(value)) return false;
  if (!/\d/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}

export function shannonEntropy(s: string): number {
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function redact(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}
