import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * Kaizen: a countermeasure resolved at level L3 (standard) becomes a line in
 * the Standards section of `agents/CONTEXT.md`, which every prompt includes,
 * so the lesson reaches every later agent. Each standard links back to its
 * incident; appending is idempotent per incident.
 */
export function contextFile(root: string): string {
  return join(jidokaPaths(root).agentsDir, 'CONTEXT.md');
}

/** Append the standard; returns false when this incident's standard is already there. */
export function appendStandard(
  root: string,
  s: { incident: string; countermeasure: string; date: string },
): boolean {
  const file = contextFile(root);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Context\n';
  const bullet = `- ${s.countermeasure.replace(/\s*\n\s*/g, ' ').trim()} — Kaizen from incident [${s.incident}](../wiki/90_LOG/incidents/${s.incident}.md), ${s.date}.`;
  if (text.includes(`[${s.incident}]`)) return false;
  const heading = /^## Standards[ \t]*$/m.exec(text);
  let next: string;
  if (!heading) {
    next = `${text.trimEnd()}\n\n## Standards\n\nRules learned from resolved incidents (Kaizen). Every prompt includes them.\n\n${bullet}\n`;
  } else {
    const start = heading.index + heading[0].length;
    const rest = text.slice(start);
    const nextHeading = /^#{1,2} /m.exec(rest);
    const end = nextHeading ? start + nextHeading.index : text.length;
    const section = text.slice(start, end).trimEnd();
    next = `${text.slice(0, start)}${section}\n${section.trim() ? '' : '\n'}${bullet}\n${end < text.length ? `\n${text.slice(end)}` : ''}`;
  }
  writeFileAtomic(file, next);
  return true;
}

/** The standards written from incidents (bullets that link an incident). */
export function listStandards(root: string): { incident: string; text: string }[] {
  const file = contextFile(root);
  if (!existsSync(file)) return [];
  const out: { incident: string; text: string }[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/^- (.+?) — Kaizen from incident \[([^\]]+)\]/gm))
    out.push({ incident: m[2]!, text: m[1]! });
  return out;
}
