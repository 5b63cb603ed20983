import { type LintFinding, RULES, type RuleId } from '../types.js';

/** A finding with the rule's fixed severity, so no rule can drift from the documented table. */
export function finding(
  rule: RuleId,
  file: string,
  line: number,
  column: number,
  message: string,
): LintFinding {
  return { rule, severity: RULES[rule], file, line, column, message };
}
