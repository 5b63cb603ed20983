/**
 * `## Section` text in a markdown page, read and replaced one section at a
 * time, so that a human's edits elsewhere on the page survive.
 */

/** The text under `## name` (up to the next `## `), or undefined. */
export function sectionText(body: string, name: string): string | undefined {
  const range = sectionRange(body, name);
  return range ? body.slice(range.start, range.end) : undefined;
}

/** Replace the text under `## name`, keeping the heading; appends the section when missing. */
export function replaceSection(text: string, name: string, content: string): string {
  const range = sectionRange(text, name);
  const block = `\n${content.trim()}\n\n`;
  if (!range) return `${text.trimEnd()}\n\n## ${name}\n${block}`;
  return text.slice(0, range.start) + block + text.slice(range.end);
}

function sectionRange(text: string, name: string): { start: number; end: number } | undefined {
  const re = new RegExp(`^## ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const next = /^## /m.exec(text.slice(start));
  return { start, end: next ? start + next.index : text.length };
}
