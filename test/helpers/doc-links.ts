import fs from 'node:fs';
import path from 'node:path';
import { anchors, codeSpans, links, repoRoot, type Scanned } from './markdown';

/**
 * What a page points at inside this repository: relative links (to a file or folder, with an
 * optional `#anchor`) and the repository paths it cites in inline code. A page that names a file
 * that moved, or a heading that was renamed, fails the docs test instead of sending readers nowhere.
 */

/** Folders whose paths the docs cite in backticks; a cited path under one of them must exist. */
const CITED_ROOTS = /^(?:src|test|tools|bench|scripts|schema|docs|\.ci)\/[\w./-]*$/;
/** A cited path with a placeholder or a glob names a family of files, not one to check. */
const PLACEHOLDER = /[<>*{}…]/;

export interface Page {
  file: string;
  scanned: Scanned;
}

/** Problems with a page's links and cited paths, as `file:line: …`. */
export function linkProblems(page: Page, pageAnchors: (file: string) => Set<string> | undefined): string[] {
  const problems: string[] = [];
  const dir = path.posix.dirname(page.file);
  for (const { line, text } of page.scanned.prose) {
    const where = `${page.file}:${line}`;
    for (const target of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not ours to check
      const [filePart = '', anchor] = target.split('#', 2);
      const file = filePart === '' ? page.file : path.posix.normalize(path.posix.join(dir, decodeURI(filePart)));
      if (file.startsWith('..')) {
        problems.push(`${where}: link ${target} leaves the repository`);
        continue;
      }
      if (filePart !== '' && !fs.existsSync(path.join(repoRoot, file))) {
        problems.push(`${where}: link ${target}: ${file} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      const offered = pageAnchors(file);
      if (!offered) problems.push(`${where}: link ${target}: only Markdown pages have anchors`);
      else if (!offered.has(anchor))
        problems.push(`${where}: link ${target}: ${file} has no heading or <a id> "${anchor}"`);
    }
    for (const span of codeSpans(text)) {
      for (const token of span.split(/\s+/)) {
        const cited = token.replace(/[),;:]+$/, '');
        if (!CITED_ROOTS.test(cited) || PLACEHOLDER.test(cited)) continue;
        if (!fs.existsSync(path.join(repoRoot, cited))) problems.push(`${where}: \`${cited}\` does not exist`);
      }
    }
  }
  return problems;
}

/** The anchors of every page, by repository-relative path (undefined for a file that is not a page). */
export function anchorIndex(pages: Page[]): (file: string) => Set<string> | undefined {
  const index = new Map(pages.map((page) => [page.file, anchors(page.scanned.prose)]));
  return (file) => index.get(file);
}
