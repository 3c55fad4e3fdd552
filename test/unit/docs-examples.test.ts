import fs from 'node:fs';
import path from 'node:path';
import { exampleChecks, exampleProblems } from '../helpers/doc-examples';
import { docFiles, repoRoot, scan } from '../helpers/markdown';

const pages = docFiles().map((file) => ({ file, scanned: scan(fs.readFileSync(path.join(repoRoot, file), 'utf8')) }));

describe('examples in the docs', () => {
  test.each(pages.map((page) => [page.file, page] as const))(
    'given %s, then every marked example validates against its schema',
    (_file, { file, scanned }) => {
      const problems = scanned.blocks.flatMap((block) => exampleProblems(file, block));
      const stray = scanned.strayMarkers.map(
        ({ line }) => `${file}:${line}: an example marker with no fenced block after it`,
      );
      expect([...problems, ...stray]).toEqual([]);
    },
  );

  test('given the docs, then they hold examples of the request, its policy, decisions and the floor', () => {
    const kinds = new Set(pages.flatMap(({ scanned }) => scanned.blocks.map((block) => block.marker)));
    for (const kind of ['change-request', 'step', 'policy', 'decision', 'rollback-request', 'policy-floor', 'partners'])
      expect(kinds).toContain(kind);
  });

  test('given a webhook step naming a secret, when it is checked, then the problem names the file, the line and the field', () => {
    const source = [
      '{',
      '  "id": "announce",',
      '  "target": "webhook",',
      '  "spec": {',
      '    "secret": "s3cret-s3cret-s3cret",',
      '    "forward": { "method": "POST", "url": "https://hooks.partner-a.example/x" },',
      '    "irreversible": true',
      '  }',
      '}',
    ].join('\n');
    const problems = exampleProblems('docs/page.md', { lang: 'json', line: 10, source, marker: 'step' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^docs\/page\.md:15 \(step\): spec\.secret: is no longer accepted/),
        expect.stringMatching(/^docs\/page\.md:\d+ \(step\): spec\.partner: /),
      ]),
    );
  });

  test('given a policy with a duration out of its range, when it is checked, then the problem names the field inside the policy', () => {
    const source = '{ "locks": {\n  "maxWait": "2d" } }';
    expect(exampleProblems('docs/page.md', { lang: 'json', line: 1, source, marker: 'policy' })).toEqual([
      'docs/page.md:3 (policy): locks.maxWait: must be from 1s to 1d',
    ]);
  });

  test('given an unmarked json block or an unknown kind, when it is checked, then it is refused', () => {
    expect(exampleProblems('a.md', { lang: 'json', line: 3, source: '{}' })).toEqual([
      expect.stringContaining('a.md:3 (unmarked): a json block needs a marker'),
    ]);
    expect(exampleProblems('a.md', { lang: 'json', line: 3, source: '{}', marker: 'nonsense' })).toEqual([
      expect.stringContaining('unknown example kind "nonsense"'),
    ]);
    expect(Object.keys(exampleChecks)).toContain('spec:webhook');
  });
});
