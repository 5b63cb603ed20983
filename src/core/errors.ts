/**
 * Errors meant for people. Every error Jidoka shows says what went wrong,
 * where (file, line, key when known) and what to do next, and carries the
 * exit code the CLI must use: 1 when the thing checked failed, 2 for usage or
 * configuration errors.
 */
export type ExitCode = 0 | 1 | 2;

export interface Where {
  file?: string;
  line?: number;
  column?: number;
  key?: string;
}

export class JidokaError extends Error {
  readonly exitCode: ExitCode;
  readonly where: Where | undefined;
  readonly hint: string | undefined;

  constructor(message: string, opts: { exitCode?: ExitCode; where?: Where; hint?: string } = {}) {
    super(message);
    this.name = 'JidokaError';
    this.exitCode = opts.exitCode ?? 2;
    this.where = opts.where;
    this.hint = opts.hint;
  }
}

/** A usage or configuration error (exit 2). */
export function usageError(message: string, hint?: string, where?: Where): JidokaError {
  return new JidokaError(message, { exitCode: 2, hint, where });
}

/** The thing checked failed (exit 1): a stopped line, an invalid plan, lint errors. */
export function checkFailed(message: string, hint?: string): JidokaError {
  return new JidokaError(message, { exitCode: 1, hint });
}

/** `file:line:column` (parts omitted when unknown), the prefix editors and terminals make clickable. */
export function formatWhere(where: Where): string {
  let out = where.file ?? '';
  if (where.line !== undefined) out += `:${where.line}`;
  if (where.line !== undefined && where.column !== undefined) out += `:${where.column}`;
  return out;
}

export function describeError(err: unknown): string {
  if (err instanceof JidokaError) {
    const parts: string[] = [];
    const at = err.where ? formatWhere(err.where) : '';
    parts.push(at ? `${at}: ${err.message}` : err.message);
    if (err.hint) parts.push(`  → ${err.hint}`);
    return parts.join('\n');
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
