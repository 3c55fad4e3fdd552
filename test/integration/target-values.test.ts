import type { Document } from 'mongodb';
import type { Identity } from '../../src/auth/identity';
import { REDACTED } from '../../src/domain/redaction';
import { productCollection } from '../../src/store/collections';
import { changeWorkflowId } from '../../src/workflows/definitions';
import type { ChangeReport } from '../../src/domain/status';
import { call, startApi, type RunningApi } from '../helpers/api-server';
import { failingStep, waitForQuestion } from '../helpers/changes';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import { carriesData, decodedText, payloadsIn, serializeHistory } from '../helpers/history-leaks';

/**
 * Lead data as personal data, end to end: a lead-data step is rolled back after someone edited
 * one of its leads, so the report carries a conflict sample. The worker keeps the always-redacted
 * field (REDACTED_LEAD_FIELDS: contact.email) out of everything it stores or returns; the API shows
 * the other values to an approver and hides them all from a requester-only token.
 */

const REQUESTER = 'requester-token-target-values-01';
const APPROVER = 'approver-token-target-values-01';
const identities: Record<string, Identity> = {
  [REQUESTER]: { actor: 'requester@example.com', roles: ['requester'], groups: [] },
  [APPROVER]: { actor: 'approver@example.com', roles: ['approver'], groups: [] },
};

/** The seeded leads' contacts, and the edit someone makes to the first one while the change waits. */
const seeded = [0, 1, 2].map((i) => ({
  _id: `tv-lead-${i}`,
  batch: 'tv',
  status: 'new',
  contact: { email: `original.${i}@example.com`, name: `Original Name ${i}` },
}));
const edited = { email: 'edited.by.someone@example.com', name: 'Edited By Someone' };
const written = { email: 'pool@example.com', name: 'Lead Pool' };
const neverShown = [...seeded.map((l) => l.contact.email), edited.email];

describe('target values in reports: always-redacted fields never stored, other values for approvers and admins only', () => {
  let env: TestEnv;
  let api: RunningApi;
  let changeId: string;
  let report: ChangeReport;

  beforeAll(async () => {
    env = await openTestEnv();
    await env.startWorker(undefined, { redactedLeadFields: ['contact.email'] });
    api = await startApi(env, { tokens: identities });
    const flow = uniqueId('tv-flow');
    await seedFlows(env.db, [flow]);
    await env.db.collection<Document>('leads').insertMany(seeded.map((lead) => ({ ...lead }) as Document));

    const started = await call(api, 'POST', '/v1/changes', {
      token: REQUESTER,
      body: {
        title: 'Move the tv batch to the lead pool',
        requestedBy: 'requester@example.com',
        steps: [
          { id: 'to-pool', target: 'lead-data', spec: { filter: { batch: 'tv' }, set: { contact: written } } },
          failingStep('check-currency', flow),
        ],
        policy: {
          onStepFailure: 'ask',
          escalation: {
            levels: [{ name: 'on-call', deciders: { actors: ['approver@example.com'], groups: [] }, deadline: '1h' }],
          },
        },
      },
    });
    expect(started.status).toBe(201);
    changeId = started.body.changeId as string;
    await waitForQuestion(env.changes, changeId);
    // Someone edits one lead after the step wrote it: the rollback must leave it and report it three-way.
    await env.db
      .collection<Document>('leads')
      .updateOne({ _id: 'tv-lead-0' } as Document, { $set: { contact: edited } });
    expect(
      (
        await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
          token: APPROVER,
          body: { decision: 'rollback', comment: 'step failed' },
        })
      ).status,
    ).toBe(200);
    // The edited lead is a conflict of the restore: a person says it is settled.
    await waitForQuestion(env.changes, changeId, { kind: 'compensation' });
    const settled = await call(api, 'POST', `/v1/changes/${changeId}/decisions`, {
      token: APPROVER,
      body: { decision: 'resolved-manually', comment: 'the edit stays' },
    });
    expect(settled.status).toBe(200);
    report = await env.changes.result(changeId);
  });

  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies and reports alike
  const sampleOf = (body: any): unknown[] =>
    body.steps.find((s: { id: string }) => s.id === 'to-pool').restore.conflicts.sample;

  test('given the rolled-back change, when the worker reports the conflict, then the always-redacted email is replaced on every side and the names are kept', () => {
    expect(report.phase).toBe('rolled-back');
    expect(sampleOf(report)).toEqual([
      {
        item: 'leads/tv-lead-0',
        before: { contact: { email: REDACTED, name: 'Original Name 0' } },
        written: { contact: { email: REDACTED, name: written.name } },
        now: { contact: { email: REDACTED, name: edited.name } },
      },
    ]);
  });

  test('given what the worker stored (report, lead_conflicts) and its workflow history, when read, then no always-redacted value is there in plain text', async () => {
    const stored = JSON.stringify(
      await productCollection(env.db, 'changeReports').findOne({ _id: changeId } as Document),
    );
    const conflicts = JSON.stringify(await productCollection(env.db, 'leadConflicts').find({ changeId }).toArray());
    expect(stored).toContain(edited.name);
    expect(conflicts).toContain(edited.name);
    const history = serializeHistory(await env.client.workflow.getHandle(changeWorkflowId(changeId)).fetchHistory());
    const decoded = await decodedText(
      payloadsIn(history.json).filter(carriesData),
      env.dataConverter.payloadCodecs![0]!,
    );
    expect(decoded).toContain(edited.name);
    for (const text of [stored, conflicts, decoded]) for (const email of neverShown) expect(text).not.toContain(email);
  });

  test('given an approver token, when the report and status are read, then the conflict values are shown', async () => {
    const shown = await call(api, 'GET', `/v1/changes/${changeId}/report`, { token: APPROVER });
    expect(shown.status).toBe(200);
    expect(sampleOf(shown.body)).toEqual(sampleOf(report));
    const markdown = await call(api, 'GET', `/v1/changes/${changeId}/report?format=markdown`, { token: APPROVER });
    expect(markdown.body).toContain(edited.name);
    expect(sampleOf((await call(api, 'GET', `/v1/changes/${changeId}`, { token: APPROVER })).body)).toEqual(
      sampleOf(report),
    );
  });

  test.each(['report', 'report?format=markdown', 'report?format=text', 'status'])(
    'given a requester-only token, when the %s is read, then every conflict value is redacted and the item is still named',
    async (what) => {
      const answer = await call(api, 'GET', `/v1/changes/${changeId}${what === 'status' ? '' : `/${what}`}`, {
        token: REQUESTER,
      });
      expect(answer.status).toBe(200);
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      for (const name of [edited.name, written.name, 'Original Name 0']) expect(text).not.toContain(name);
      // Markdown shows the conflict table (item named, values redacted); text shows counts only.
      if (what.endsWith('markdown')) {
        expect(text).toContain('tv-lead-0');
        expect(text).toContain(REDACTED);
      } else if (typeof answer.body !== 'string')
        expect(sampleOf(answer.body)).toEqual([
          { item: 'leads/tv-lead-0', before: REDACTED, written: REDACTED, now: REDACTED },
        ]);
    },
  );
});
