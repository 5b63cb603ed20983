import { sectionText } from './sections.js';

/**
 * The Five Whys of an incident page, and whether each is filled in or still a
 * placeholder (resolving needs real text, not the template's).
 */

export interface Why {
  n: number;
  hypothesis: string;
  verification: string;
  conclusion: string;
}

/** The whys as written under `## Five Whys` (`### Why N` with Hypothesis / Verification / Conclusion bullets). */
export function parseWhys(body: string): Why[] {
  const section = sectionText(body, 'Five Whys') ?? '';
  const whys: Why[] = [];
  const parts = section.split(/^### Why\s+/m).slice(1);
  for (const part of parts) {
    const n = Number.parseInt(part, 10);
    const field = (label: string) => {
      const re = new RegExp(
        `^\\s*[-*]\\s*\\*\\*${label}:?\\*\\*:?\\s*([\\s\\S]*?)(?=^\\s*[-*]\\s*\\*\\*\\w+:?\\*\\*|(?![\\s\\S]))`,
        'mi',
      );
      return (re.exec(part)?.[1] ?? '').trim();
    };
    whys.push({
      n: Number.isNaN(n) ? whys.length + 1 : n,
      hypothesis: field('Hypothesis'),
      verification: field('Verification'),
      conclusion: field('Conclusion'),
    });
  }
  return whys;
}

/** Why levels whose three parts are all written (not placeholders). */
export function filledWhys(body: string): Why[] {
  return parseWhys(body).filter(
    (w) =>
      !placeholderReason(w.hypothesis) &&
      !placeholderReason(w.verification) &&
      !placeholderReason(w.conclusion),
  );
}

const PLACEHOLDER_WORDS =
  /^(?:todo|tbd|tba|tbc|n\/?a|none|null|nil|nothing|unknown|later|wip|fixme|xxx+|placeholder|same|see above|-+|\.+|\?+|…)[.!:]?$/i;
const TEMPLATE_PHRASES = [
  'root cause',
  'the root cause',
  'countermeasure',
  'hypothesis',
  'verification',
  'conclusion',
  'what prevents a recurrence',
  'the root cause found',
  'describe the root cause',
  'fill me in',
  'lorem ipsum',
];

/**
 * Why `text` is not a real answer (empty, TODO/TBD/N/A, template text,
 * Jidoka's own "awaiting analysis" marker, too short to say anything), or
 * undefined when it is one.
 */
export function placeholderReason(text: string | undefined): string | undefined {
  const t = (text ?? '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/[_*`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!t) return 'it is empty';
  if (/awaiting analysis/i.test(t)) return 'it is the "awaiting analysis" marker';
  if (PLACEHOLDER_WORDS.test(t) || /^(?:todo|tbd|fixme|xxx)\b/i.test(t)) return `"${t}" is a placeholder`;
  if (/^<[^>]*>$/.test(t) || /^\[[^\]]*\]$/.test(t) || /^\.\.\.|^…/.test(t)) return `"${t}" is template text`;
  if (TEMPLATE_PHRASES.includes(t.toLowerCase().replace(/[.:]$/, ''))) return `"${t}" is template text`;
  if (t.split(' ').length < 2 || t.length < 8) return `"${t}" is too short to say what happened`;
  return undefined;
}
