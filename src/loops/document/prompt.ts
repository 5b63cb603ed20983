import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_SHAPES } from '../../agents/prompt.js';
import { DEFAULT_ROLE_TEXT, ROLE_FILES } from '../../agents/roles.js';
import { parseFrontmatter } from '../../core/frontmatter.js';
import { clipStart } from '../../core/text.js';
import type { UncoveredSource } from '../../wiki/rules/uncovered.js';

export interface StalePageBrief {
  /** Repo-relative page path. */
  file: string;
  sources: string[];
  verified: string;
  commits: { sha: string; subject: string; files: string[] }[];
  /** Bounded diff of the matched files since `verified`. */
  diff: string;
}

export interface DocsPromptInput {
  root: string;
  /** Adapter name, to find `.agents/<tool>/agents/docs.md`. */
  tool: string | undefined;
  head: string;
  date: string;
  wikiRel: string;
  stale: StalePageBrief[];
  /** Pages whose `verified` git does not know. */
  unknownVerified: string[];
  uncovered: UncoveredSource[];
}

const CONTEXT_MAX = 8 * 1024;

/**
 * The docs agent's prompt: which pages are stale and why (commits and
 * bounded diffs), which sources no page covers, the page format, and the
 * report contract. Short on purpose: the agent reads the code itself.
 */
export function buildDocsPrompt(input: DocsPromptInput): string {
  const { head, date, wikiRel } = input;
  const parts: string[] = [];
  parts.push(
    `# Jidoka: you are the docs writer for this repository, at commit ${head} (${date})\n\nYou run non-interactively: nobody will answer questions. Decide, act, and finish.`,
  );
  parts.push(roleText(input.root, input.tool));
  const context = join(input.root, 'agents', 'CONTEXT.md');
  if (existsSync(context))
    parts.push(
      `<!-- from agents/CONTEXT.md -->\n${clipStart(readFileSync(context, 'utf8').trim(), CONTEXT_MAX)}`,
    );

  if (input.stale.length || input.unknownVerified.length) {
    const lines = [
      '# Stale pages',
      '',
      'The code these pages describe changed after the commit each was last verified against. Read the changes and the code, then bring each page up to date.',
    ];
    for (const s of input.stale) {
      lines.push(
        '',
        `## ${s.file}`,
        '',
        `sources: ${s.sources.map((g) => `\`${g}\``).join(', ')}; verified: ${s.verified.slice(0, 12)}`,
        '',
        'Commits since:',
      );
      for (const c of s.commits) lines.push(`- ${c.sha.slice(0, 12)} ${c.subject} (${c.files.join(', ')})`);
      if (s.diff) lines.push('', '```diff', s.diff.trimEnd(), '```');
    }
    for (const f of input.unknownVerified)
      lines.push(
        '',
        `## ${f}`,
        '',
        'Its `verified` commit is unknown to git: check the whole page against the code.',
      );
    parts.push(lines.join('\n'));
  }
  if (input.uncovered.length) {
    const lines = [
      '# Uncovered sources',
      '',
      'No page describes these. Write a page for each module (or add them to the `sources` of the page that already describes them):',
      '',
    ];
    for (const u of input.uncovered)
      lines.push(
        `- \`${u.path}\`${u.path.endsWith('/') ? ` (${u.files} file${u.files === 1 ? '' : 's'})` : ''}`,
      );
    parts.push(lines.join('\n'));
  }
  parts.push(
    [
      '# Page format',
      '',
      `Pages live under ${wikiRel}/ (domain concepts in 10_DOMAIN/, code areas in 20_SYSTEM/). Follow ${wikiRel}/00_SCHEMA.md. Each page:`,
      '',
      '```markdown',
      '---',
      'title: <unique title>',
      'type: system            # or domain',
      'sources:',
      '  - src/<area>/**',
      `verified: ${head}`,
      `updated: ${date}`,
      '---',
      '# <title>',
      '',
      '<One paragraph: what this part is and does. index.md shows it.>',
      '',
      '## <sections: how it works, key files, decisions and why, limits>',
      '```',
      '',
      `- On every page you update or write, set \`verified: ${head}\` and \`updated: ${date}\`.`,
      '- Link pages with relative markdown links (`[Agents](agents.md)`), headings as `page.md#heading`.',
      '- Describe what the code does now; no placeholder text (TODO, TBD).',
      `- Change only files under ${wikiRel}/. Do not edit ${wikiRel}/index.md or ${wikiRel}/log.md: Jidoka regenerates the index and appends the log.`,
    ].join('\n'),
  );
  parts.push(
    `# Report\n\nWhen done, write this JSON to the file named by $JIDOKA_REPORT_FILE:\n\n\`\`\`json\n${REPORT_SHAPES.docs}\n\`\`\``,
  );
  return `${parts.join('\n\n---\n\n')}\n`;
}

function roleText(root: string, tool: string | undefined): string {
  if (tool) {
    const rel = `.agents/${tool}/agents/${ROLE_FILES.docs}`;
    const file = join(root, rel);
    if (existsSync(file))
      return `<!-- role: ${rel} -->\n${parseFrontmatter(readFileSync(file, 'utf8')).body.trim()}`;
  }
  return DEFAULT_ROLE_TEXT.docs;
}
