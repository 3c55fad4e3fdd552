import fs from 'node:fs';
import path from 'node:path';
import { anchorIndex, linkProblems, type Page } from '../helpers/doc-links';
import { docFiles, repoRoot, scan } from '../helpers/markdown';

const pages: Page[] = docFiles().map((file) => ({
  file,
  scanned: scan(fs.readFileSync(path.join(repoRoot, file), 'utf8')),
}));
const anchorsOf = anchorIndex(pages);

describe('links in the docs', () => {
  test.each(pages.map((page) => [page.file, page] as const))(
    'given %s, then every relative link and every cited path exists',
    (_file, page) => {
      expect(linkProblems(page, anchorsOf)).toEqual([]);
    },
  );

  test('given the README, then it links the docs index and the index links every page', () => {
    const readme = pages.find((page) => page.file === 'README.md')!;
    expect(readme.scanned.prose.some(({ text }) => text.includes('(docs/README.md)'))).toBe(true);
    const index = fs.readFileSync(path.join(repoRoot, 'docs/README.md'), 'utf8');
    for (const page of pages.filter(({ file }) => file.startsWith('docs/') && file !== 'docs/README.md')) {
      expect(index).toContain(`(${path.posix.relative('docs', page.file)}`);
    }
  });

  test('given a page with a broken link, a missing anchor and a missing cited path, when it is checked, then each is named with its line', () => {
    const page: Page = {
      file: 'docs/example.md',
      scanned: scan(
        [
          '# Example',
          '',
          'See [ops](operating.md#no-such-heading), [gone](gone.md) and [here](#example).',
          '',
          'Code in `src/no-such-file.ts`; `src/activities/targets/<kind>/` is a family.',
        ].join('\n'),
      ),
    };
    expect(linkProblems(page, anchorIndex([...pages, page]))).toEqual([
      'docs/example.md:3: link operating.md#no-such-heading: docs/operating.md has no heading or <a id> "no-such-heading"',
      'docs/example.md:3: link gone.md: docs/gone.md does not exist',
      'docs/example.md:5: `src/no-such-file.ts` does not exist',
    ]);
  });
});
