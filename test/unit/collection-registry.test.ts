import fs from 'node:fs';
import path from 'node:path';
import { collectionIssues, reservedCollectionProblem } from '../../src/domain/targets/collections';
import { targetCollectionsSchema } from '../../src/config/target-collections';
import { leadDataSpecSchema } from '../../src/domain/targets/lead-data';
import { mongoDocumentSpecSchema } from '../../src/domain/targets/mongo-document';
import { targetCollectionsGuard } from '../../src/client/target-collections-guard';
import { changeRequestSchema, type ChangeRequest } from '../../src/domain/change-request';
import { productCollectionNames, productCollections } from '../../src/domain/product-collections';

const src = path.resolve(__dirname, '../../src');
const registry = path.join(src, 'store/collections.ts');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `file:line  text` of every line in src/ matching `pattern`, the registry itself aside. */
function linesMatching(pattern: RegExp): string[] {
  return sourceFiles(src)
    .filter((file) => file !== registry)
    .flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          pattern.test(line) ? [`${path.relative(src, file)}:${index + 1}  ${line.trim()}`] : [],
        ),
    );
}

describe('the registry of the product collections', () => {
  test('given the sources, when scanned, then no code names a collection by a literal: every store goes through src/store/collections.ts', () => {
    // db.collection('x'), db.collection<T>('x'), db.collection(`x`) — a literal where the registry belongs.
    expect(linesMatching(/\.collection\s*(<.*>)?\s*\(\s*['"`]/)).toEqual([]);
  });

  test('given the sources, when scanned, then no selection names a product collection by a literal either', () => {
    const names = productCollectionNames.join('|');
    expect(linesMatching(new RegExp(`collection:\\s*['"\`](${names})['"\`]`))).toEqual([]);
  });

  test('given the scan, when a store bypasses the list, then it is found (the scan itself works)', () => {
    expect(/\.collection\s*(<.*>)?\s*\(\s*['"`]/.test("this.x = db.collection<Doc>('target_locks');")).toBe(true);
    expect(/\.collection\s*(<.*>)?\s*\(\s*['"`]/.test('db.collection(spec.collection)')).toBe(false);
  });

  test('given the stores the issue names, when listed, then each is in the registry', () => {
    expect(productCollectionNames).toEqual(
      expect.arrayContaining([
        'target_locks',
        'http_sends',
        'change_requests',
        'chatops_seen_requests',
        'lead_events',
        'notifications',
        'rehearsal_leases',
        'rehearsal_reports',
        'recovery_points',
        'change_reports',
      ]),
    );
    expect(new Set(productCollectionNames).size).toBe(Object.keys(productCollections).length);
  });
});

describe('collections a step may not target', () => {
  const refused = [
    ...productCollectionNames,
    ...productCollectionNames.map((name) => name.toUpperCase()),
    'system.profile',
    'System.js',
    'a..b',
    'leads.',
  ];

  test.each(refused)(
    'given the collection %s, when a lead-data or mongo-document spec names it, then it is refused at "collection"',
    (collection) => {
      expect(reservedCollectionProblem(collection)).toBeDefined();
      const lead = leadDataSpecSchema.safeParse({ collection, filter: { batch: 'b1' }, set: { status: 'x' } });
      const document = mongoDocumentSpecSchema.safeParse({ collection, id: 'a', op: 'set', fields: { a: 1 } });
      for (const result of [lead, document])
        expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('collection');
    },
  );

  test.each(['$cmd', '.hidden', 'a b', 'admin$x'])(
    'given the name %s, when a spec names it, then its form is refused (no other database, no special namespace)',
    (collection) => {
      expect(
        mongoDocumentSpecSchema
          .safeParse({ collection, id: 'a', op: 'set', fields: { a: 1 } })
          .error?.issues.map((i) => i.path.join('.')),
      ).toContain('collection');
    },
  );

  test('given ordinary collections, when named, then they pass', () => {
    for (const collection of ['leads', 'leads_archive', 'partner_settings', 'lead-events-2024', 'flows_backup'])
      expect(reservedCollectionProblem(collection)).toBeUndefined();
  });
});

describe('the operator allow-list per target kind (TARGET_COLLECTIONS)', () => {
  const request = (steps: unknown[]): ChangeRequest =>
    changeRequestSchema.parse({ title: 't', requestedBy: 'requester@example.com', steps });
  const lead = (collection: string) => ({
    id: `l-${collection.replace(/_/g, '-')}`,
    target: 'lead-data',
    spec: { collection, filter: { batch: 'b1' }, set: { status: 'x' } },
  });
  const document = (collection: string) => ({
    id: `d-${collection.replace(/_/g, '-')}`,
    target: 'mongo-document',
    spec: { collection, id: 'a', op: 'set', fields: { a: 1 } },
  });

  test('given a setting, when parsed, then each kind gets its list; a kind left out is not restricted', () => {
    expect(targetCollectionsSchema.parse('lead-data=leads, leads_archive; mongo-document=partner_settings')).toEqual({
      'lead-data': ['leads', 'leads_archive'],
      'mongo-document': ['partner_settings'],
    });
    expect(targetCollectionsSchema.parse('mongo-document=')).toEqual({ 'mongo-document': [] });
  });

  test.each([
    ['flow-config=flows', 'lead-data or mongo-document'],
    ['webhook=x', 'lead-data or mongo-document'],
    ['lead-data=leads;lead-data=more', 'given twice'],
    ['lead-data=target_locks', 'reserved'],
    ['mongo-document=system.users', 'system.'],
    ['lead-data=$cmd', 'letters, digits'],
  ])('given the setting %s, when parsed, then it is refused (%s)', (setting, message) => {
    expect(targetCollectionsSchema.safeParse(setting).error?.issues[0]?.message).toContain(message);
  });

  test('given an allow-list, when the guard checks a request, then only steps outside it are refused, each at its collection', async () => {
    const guard = targetCollectionsGuard({ 'lead-data': ['leads'], 'mongo-document': ['partner_settings'] });
    const issues = await guard.check(
      request([lead('leads'), lead('leads_archive'), document('partner_settings'), document('users')]),
    );
    expect(issues.map((i) => i.path)).toEqual(['steps.1.spec.collection', 'steps.3.spec.collection']);
    expect(issues[0]!.message).toContain('TARGET_COLLECTIONS');
    expect(await targetCollectionsGuard(undefined).check(request([lead('anything'), document('users')]))).toEqual([]);
  });

  test('given a request that reached the guard unvalidated, when checked, then reserved collections are refused too', () => {
    const steps = [
      {
        id: 's',
        target: 'mongo-document',
        spec: { collection: 'http_sends', id: 'a', idType: 'string', op: 'set', fields: { state: 'delivered' } },
      },
    ] as ChangeRequest['steps'];
    expect(collectionIssues(steps, undefined)).toEqual([
      { path: 'steps.0.spec.collection', message: expect.stringContaining('reserved') },
    ]);
  });
});
