/**
 * Heading anchors as GitHub (and most forges and editors) make them:
 * lowercase, punctuation dropped, spaces to hyphens, repeats numbered
 * `-1`, `-2`. Same algorithm as github-slugger, without the dependency.
 */
const DROP = /[^\p{L}\p{M}\p{N}\p{Pc} -]/gu;

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
