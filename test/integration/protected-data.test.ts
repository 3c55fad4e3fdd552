import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { ChangeClient } from '../../src/client/change-client';
import type { ChangeRequestInput } from '../../src/domain/change-request';
import { createDataConverter } from '../../src/temporal/data-converter';
import { PayloadDecryptionError } from '../../src/temporal/encryption-codec';
import { changeWorkflowId } from '../../src/workflows/definitions';
import { seedFlows } from '../helpers/flows';
import { openTestEnv, uniqueId, type TestEnv } from '../helpers/harness';
import {
  base64Forms,
  decodedText,
  findLeaks,
  isEncryptedPayload,
  carriesData,
  payloadsIn,
  serializeHistory,
  encodingOf,
} from '../helpers/history-leaks';
import { ENV, requiredEnv } from '../setup/services';

/** A lead's personal data and a token, as they would reach a change request. */
const lead = {
  name: 'Janet Quillfeather',
  email: 'janet.quillfeather@example.com',
  phone: '+1 415 555 0142',
  phoneDigits: '4155550142',
  token: 'sk_live_7QmZp4TkR9vXa2Lf',
};
const secrets = Object.values(lead);

/**
 * Step 1 writes the lead's contact into a flow; step 2 fails on a flow whose id carries the phone
 * number, so the failure message (and the rollback of step 1) reach history as well.
 */
function leadChange(contactFlow: string, phoneFlow: string): ChangeRequestInput {
  return {
    title: `Route lead ${lead.name} <${lead.email}> to the west CRM`,
    requestedBy: 'ops@example.com',
    steps: [
      {
        id: 'add-contact',
        target: 'flow-config',
        description: `Call ${lead.phone} first; partner api token ${lead.token}`,
        spec: {
          flowId: contactFlow,
          patch: [
            {
              op: 'add',
              path: '/contact',
              value: { name: lead.name, email: lead.email, phone: lead.phone, apiToken: lead.token },
            },
          ],
        },
      },
      {
        id: 'check-currency',
        target: 'flow-config',
        spec: { flowId: phoneFlow, patch: [{ op: 'test', path: '/pricing/currency', value: lead.token }] },
      },
    ],
  };
}

describe('protected data: payloads in Temporal history are encrypted', () => {
  let env: TestEnv;
  let codec: PayloadCodec;

  beforeEach(async () => {
    env = await openTestEnv();
    codec = env.dataConverter.payloadCodecs![0]!;
  });

  afterEach(async () => {
    await env.close();
  });

  test('given a change carrying lead data and a token, when its raw history is read without the codec, then no plaintext or base64 of them appears', async () => {
    const contactFlow = uniqueId('contact');
    const phoneFlow = `lead-${lead.phoneDigits}-${uniqueId('x')}`;
    await seedFlows(env.db, [contactFlow, phoneFlow]);
    await env.startWorker();
    const changeId = uniqueId('pii');
    await env.changes.start(leadChange(contactFlow, phoneFlow), { changeId });

    // With the codec, everything decodes: the report quotes the title and the failure on the phone flow.
    const report = await env.changes.result(changeId);
    expect(report.phase).toBe('rolled-back');
    expect(report.title).toContain(lead.email);
    expect(report.cause).toMatchObject({ stepId: 'check-currency', type: 'InvalidStepError' });
    expect(report.cause!.message).toContain(lead.phoneDigits);
    const described = await env.client.workflow.getHandle(changeWorkflowId(changeId)).describe();
    expect(await described.staticSummary()).toContain(lead.name);

    // Without the codec: the raw history, as the server stores and serves it.
    const raw = new Client({ connection: env.client.connection, namespace: 'default' });
    const history = serializeHistory(await raw.workflow.getHandle(changeWorkflowId(changeId)).fetchHistory());

    expect(findLeaks(history, secrets)).toEqual([]);
    expect(history.json).toContain(changeWorkflowId(changeId)); // the serialization is the real thing
    const payloads = payloadsIn(history.json);
    const outsideSearchAttributes = payloads.filter(carriesData);
    const plain = outsideSearchAttributes
      .filter((p) => !isEncryptedPayload(p.payload))
      .map((p) => `${p.path} (${encodingOf(p.payload)})`);
    expect(plain).toEqual([]);
    // Failure messages were moved into encrypted attributes: the server sees a placeholder.
    const failed = JSON.parse(history.json).events.find(
      (e: { activityTaskFailedEventAttributes?: unknown }) => e.activityTaskFailedEventAttributes,
    );
    expect(failed.activityTaskFailedEventAttributes.failure.message).toBe('Encoded failure');

    // The ciphertext really held the secrets: decoded with the codec, every one is there.
    const plaintext = await decodedText(outsideSearchAttributes, codec);
    for (const secret of secrets) expect(plaintext).toContain(secret);
    console.log(
      `protected-data: ${outsideSearchAttributes.length} payloads in ${JSON.parse(history.json).events.length} events, all binary/encrypted; ` +
        `${payloads.length - outsideSearchAttributes.length} search-attribute payloads in plain text by design; history ${history.binary.length} bytes`,
    );
  });

  test('given the same change run with no codec at all, when its raw history is read, then the leak check finds every secret (the check can fail)', async () => {
    const contactFlow = uniqueId('contact');
    const phoneFlow = `lead-${lead.phoneDigits}-${uniqueId('x')}`;
    await seedFlows(env.db, [contactFlow, phoneFlow]);
    // Worker and client without a data converter: the default plain-JSON converters.
    await env.startWorker({ dataConverter: {} });
    const plainClient = new Client({ connection: env.client.connection, namespace: 'default' });
    const changeId = uniqueId('plain');
    const changes = new ChangeClient(plainClient, env.taskQueue);
    await changes.start(leadChange(contactFlow, phoneFlow), { changeId });
    await changes.result(changeId);

    const history = serializeHistory(await plainClient.workflow.getHandle(changeWorkflowId(changeId)).fetchHistory());
    const leaks = findLeaks(history, secrets);

    for (const secret of secrets) expect(leaks.some((leak) => leak.startsWith(`"${secret}"`))).toBe(true);
  });

  test('given a workflow started under an old key and a worker rotated to a new one, when it runs, then both keys decode and a client missing the new key is refused', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = createDataConverter({
      required: true,
      keyring: { activeKeyId: 'k-old', keys: new Map([['k-old', oldKey]]) },
    });
    const rotated = createDataConverter({
      required: true,
      keyring: {
        activeKeyId: 'k-new',
        keys: new Map([
          ['k-old', oldKey],
          ['k-new', newKey],
        ]),
      },
    });
    const contactFlow = uniqueId('rotate');
    await seedFlows(env.db, [contactFlow]);
    const oldClient = new Client({ connection: env.client.connection, namespace: 'default', dataConverter: before });
    const changeId = uniqueId('rotate');
    await new ChangeClient(oldClient, env.taskQueue).start(
      {
        title: `Rotate for ${lead.email}`,
        requestedBy: 'ops@example.com',
        steps: [
          {
            id: 'add',
            target: 'flow-config',
            spec: { flowId: contactFlow, patch: [{ op: 'add', path: '/owner', value: lead.email }] },
          },
        ],
      },
      { changeId },
    );

    await env.startWorker({ dataConverter: rotated });
    const rotatedClient = new Client({
      connection: env.client.connection,
      namespace: 'default',
      dataConverter: rotated,
    });
    const report = await new ChangeClient(rotatedClient, env.taskQueue).result(changeId);

    expect(report).toMatchObject({ phase: 'completed', title: `Rotate for ${lead.email}` });
    const raw = new Client({ connection: env.client.connection, namespace: 'default' });
    const payloads = payloadsIn(
      serializeHistory(await raw.workflow.getHandle(changeWorkflowId(changeId)).fetchHistory()).json,
    ).filter(carriesData);
    const keyIds = new Set(payloads.map((p) => Buffer.from(p.payload.metadata!['encryption-key-id']!).toString()));
    expect([...keyIds].sort()).toEqual(['k-new', 'k-old']);
    await expect(new ChangeClient(oldClient, env.taskQueue).result(changeId)).rejects.toThrow(PayloadDecryptionError);
  });

  test('given the workflow bundle the worker runs, then it holds the failure converter but no codec, cipher or key', () => {
    const bundle = fs.readFileSync(requiredEnv(ENV.workflowBundle), 'utf8');
    const keys = process.env.LEAD_ROLLBACK_ENCRYPTION_KEYS!.split(',').map((entry) => entry.split(':')[1]!);

    expect(bundle).toContain('encodeCommonAttributes');
    for (const absent of ['aes-256-gcm', 'createCipheriv', 'encryption-key-id', 'EncryptionCodec', ...keys])
      expect(bundle).not.toContain(absent);
  });

  test('given the leak check, then its base64 forms are found in base64 of the text at every byte alignment', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}${lead.email}!?`).toString('base64');
      expect(base64Forms(lead.email).some((form) => encoded.includes(form))).toBe(true);
    }
  });
});
