import type { WikiModel } from './model.js';
import type { LinkResult } from './types.js';

/**
 * Which cached link results still hold. A page's result (see LinkResult)
 * depends on its own content and on the link targets it names: for a page,
 * that it is still there with the same headings; for any other file, that
 * it still exists or still does not. So a result is kept when its page did
 * not change (the caller passes only those), no page it reaches `moved`
 * (was removed, or re-parsed with other headings), and every other file it
 * names exists exactly as before (a new page where a link was broken counts
 * here: the file now exists), and every markdown file outside the wiki whose
 * anchors it checked has the same content. Wikilinks resolve by path, file name or title
 * against every page, so a page's wikilinks are checked again whenever any
 * page was added, removed or retitled (`renamed`).
 *
 * This is what makes the lint after a one-page edit cheap: of a wiki's
 * hundred thousand links, only the edited page's are resolved again, plus
 * those of the pages linking to it when its headings changed.
 */
export function validLinkResults(
  model: WikiModel,
  cached: ReadonlyMap<string, LinkResult>,
  changes: { moved: ReadonlySet<string>; renamed: boolean },
): Map<string, LinkResult> {
  const { moved, renamed } = changes;
  const out = new Map<string, LinkResult>();
  for (const [path, result] of cached) {
    const page = model.pages.get(path);
    if (!page || (renamed && page.wikilinks.length)) continue;
    if (moved.size && reachesAny(result.pages, moved)) continue;
    if (result.files && !filesAsBefore(model, result.files)) continue;
    out.set(path, result);
  }
  return out;
}

function reachesAny(pages: string, moved: ReadonlySet<string>): boolean {
  for (let at = 0; at < pages.length; ) {
    let nl = pages.indexOf('\n', at);
    if (nl < 0) nl = pages.length;
    if (moved.has(pages.slice(at, nl))) return true;
    at = nl + 1;
  }
  return false;
}

/** Lines `1path` / `0path` (existed or not) and `=hash\tpath` (a markdown file whose anchors were read). */
function filesAsBefore(model: WikiModel, files: string): boolean {
  for (let at = 0; at < files.length; ) {
    const nl = files.indexOf('\n', at);
    if (files[at] === '=') {
      const tab = files.indexOf('\t', at);
      if (model.fileHash(files.slice(tab + 1, nl)) !== files.slice(at + 1, tab)) return false;
    } else if (model.exists(files.slice(at + 1, nl)) !== (files[at] === '1')) return false;
    at = nl + 1;
  }
  return true;
}
