/**
 * Heading anchors as GitHub makes them (github-slugger): lowercase, then drop
 * every character that is not a letter, mark, decimal or letter number,
 * connector (`_`), alphabetic symbol (Ⓐ), `-` or space, then spaces to
 * hyphens; nothing is trimmed, so `## <a name="x"></a> Foo` is `#-foo`.
 * Repeats are numbered `-1`, `-2`. Written from its documented behaviour and
 * tested against its own test cases (tests/wiki/slug.test.ts), not copied.
 * github-slugger uses Unicode 13 tables; Node's are newer, so a character
 * assigned since then is kept here where github-slugger drops it.
 */
const DROP = /[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\p{Alphabetic}\p{Cs} -]/gu;

export function slugify(text: string): string {
  return text.toLowerCase().replace(DROP, '').replace(/ /g, '-');
}

/** Slugs for a page's headings in order, numbering repeats the way GitHub does. */
export function uniqueSlugger(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text: string) => {
    const base = slugify(text);
    let slug = base;
    while (seen.has(slug)) {
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      slug = `${base}-${n}`;
    }
    seen.set(slug, 0);
    return slug;
  };
}
