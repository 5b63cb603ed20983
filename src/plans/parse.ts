import { parseFrontmatter } from '../core/frontmatter.js';
import type { Chunk } from './types.js';

/**
 * Split a plan body into Context and `## Chunk N: title` sections. Headings
 * inside fenced code blocks do not count. Pure; line numbers are 1-based in
 * the whole file (`bodyLine` is where the body starts).
 */
export function splitChunks(
  body: string,
  bodyLine: number,
): { context: string; chunks: Chunk[]; badHeadings: { line: number; text: string }[] } {
  const lines = body.split('\n');
  const chunks: Chunk[] = [];
  const badHeadings: { line: number; text: string }[] = [];
  const contextLines: string[] = [];
  let current: { number: number; title: string; line: number; lines: string[] } | undefined;
  let fence: string | undefined;
  const flush = () => {
    if (current)
      chunks.push({
        number: current.number,
        title: current.title,
        line: current.line,
        body: trimBlank(current.lines.join('\n')),
      });
  };
  lines.forEach((text, i) => {
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(text);
    if (fenceMatch) {
      if (!fence) fence = fenceMatch[1]![0];
      else if (fenceMatch[1]![0] === fence) fence = undefined;
    }
    if (!fence && /^##\s+chunk\b/i.test(text)) {
      const m = /^##\s+Chunk\s+(\d+)\s*[:.\u2013\u2014-]\s*(\S.*?)\s*#*\s*$/i.exec(text);
      if (m) {
        flush();
        current = { number: Number(m[1]), title: m[2]!, line: bodyLine + i, lines: [] };
        return;
      }
      badHeadings.push({ line: bodyLine + i, text });
    }
    if (current) current.lines.push(text);
    else contextLines.push(text);
  });
  flush();
  return { context: trimBlank(contextLines.join('\n')), chunks, badHeadings };
}

function trimBlank(s: string): string {
  return s.replace(/^\s*\n/, '').replace(/\s+$/, '');
}

export { parseFrontmatter };
