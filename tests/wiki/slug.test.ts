import { describe, expect, it } from 'vitest';
import { headingSlugs } from '../../src/wiki/packed.js';
import { parsePage } from '../../src/wiki/parse-page.js';
import { slugify, uniqueSlugger } from '../../src/wiki/slug.js';
import { GITHUB_SLUGGER_CASES } from './data/github-slugger-cases.js';

describe('heading slugs', () => {
  it('are github-slugger’s on its own test cases, repeats numbered in order', () => {
    const slug = uniqueSlugger();
    const got = GITHUB_SLUGGER_CASES.map((c) => ({ name: c.name, slug: slug(c.input) }));
    const unassigned = got.find((c) => c.name === 'Unassigned')!;
    // github-slugger's tables are Unicode 13's: the characters of this case that later versions assigned
    // (and Node knows) are letters here. Everything else must be exactly equal.
    const expected = GITHUB_SLUGGER_CASES.find((c) => c.name === 'Unassigned')!.expected;
    const later = [...unassigned.slug].filter((ch) => !expected.includes(ch));
    expect(later.every((ch) => /\p{L}|\p{N}/u.test(ch))).toBe(true);
    expect(later.length).toBeLessThan(40);
    unassigned.slug = [...unassigned.slug].filter((ch) => !later.includes(ch)).join('');
    expect(got).toEqual(GITHUB_SLUGGER_CASES.map((c) => ({ name: c.name, slug: c.expected })));
  });

  it('drop superscript and circled digits but keep alphabetic symbols', () => {
    expect(slugify('x² ① Ⓐ')).toBe('x--ⓐ');
  });

  it('are made from the heading’s text as GitHub renders it, untrimmed, inline HTML dropped', () => {
    const { page } = parsePage('a.md', '## <a name="x"></a> Foo\n\n## `code` and <b>bold</b>\n\n## Foo\n');
    expect(headingSlugs(page.headings)).toEqual(['-foo', 'code-and-bold', 'foo']);
  });
});
