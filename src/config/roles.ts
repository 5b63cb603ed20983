/**
 * The agent roles a plan's work passes through, the keys of `agents:` in
 * jidoka.yaml. Apart from schema.ts (which re-exports them) so that the CLI
 * can name the roles in its help without loading zod.
 */
export const ROLES = ['maker', 'checker', 'goal', 'auditor', 'docs', 'diagnose'] as const;
export type Role = (typeof ROLES)[number];
