import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from 'mongodb';
import { canonicalJson } from '../../domain/canonical';
import type { Step } from '../../domain/change-request';
import { ErrorType } from '../../domain/errors';
import type { Partners } from '../../domain/partners';
import type {
  PreparedStep,
  RehearsalReport,
  RehearsalStepInput,
  SandboxRun,
  StepComparison,
} from '../../domain/rehearsal';
import { permanent } from '../../domain/failures';
import {
  allowListProblem,
  reservedCollectionProblem,
  stepCollection,
  type TargetCollections,
} from '../../domain/targets/collections';
import { adapterFor, createAdapterRegistry, type AdapterRegistry } from '../targets/registry';
import type { ApplyOutcome, StepKey } from '../../domain/outcomes';
import { createWebhookAdapter } from '../targets/webhook/adapter';
import { SandboxLeases } from '../../store/rehearsal-leases';
import { planFor, webhookRehearsalProblem, type DocumentSelection, type RehearsalDeps } from './sandboxes';
import { selectionBatches, selectionChecksums, StreamedChecksum } from './selection';
import { productCollection } from '../../store/collections';

const DEFAULT_LEASE_MS = 60 * 60 * 1000;
const DEFAULT_MAX_LEADS = 10_000;

const leaseKey = (selection: DocumentSelection) => `${selection.collection} ${canonicalJson(selection.filter)}`;

/**
 * Rehearsal activities: the same adapters as a real change, built over the sandbox (rehearsal
 * database, sandbox CRM, webhook origin) and keyed by the rehearsal id, so nothing they write can
 * reach production. Production documents are only ever read (`find`), to copy and to checksum them.
 */
export function createRehearsalActivities(deps: {
  db: Db;
  partners?: Partners;
  rehearsal?: RehearsalDeps;
  targetCollections?: TargetCollections;
  redactedLeadFields?: readonly string[];
}) {
  let registry: AdapterRegistry | undefined;

  function sandbox(): RehearsalDeps {
    if (!deps.rehearsal)
      throw permanent(
        ErrorType.WorkerMisconfigured,
        'this worker has no rehearsal database: start it with one (REHEARSAL_MONGODB_DB, default <MONGODB_DB>_rehearsal)',
      );
    if (deps.rehearsal.db.databaseName === deps.db.databaseName)
      throw permanent(ErrorType.WorkerMisconfigured, 'the rehearsal database must not be the production database');
    return deps.rehearsal;
  }

  /** The adapters over the sandbox: its database, its CRM, and a webhook adapter that only knows the partners' sandboxes. */
  function sandboxRegistry(): AdapterRegistry {
    const { db, crm, webhookPartners } = sandbox();
    return (registry ??= {
      ...createAdapterRegistry({
        db,
        crm,
        targetCollections: deps.targetCollections,
        redactedLeadFields: deps.redactedLeadFields,
      }),
      webhook: createWebhookAdapter(db, webhookPartners, { sandbox: true }),
    });
  }

  /**
   * Refuses the rehearsal, before anything is copied or sent, when a step's sandbox run could
   * send anything elsewhere than its sandbox, or a lead selection is larger than the cap.
   */
  async function refuseUnsafe(rehearsalId: string, steps: Step[]): Promise<void> {
    const max = sandbox().maxLeads ?? DEFAULT_MAX_LEADS;
    for (const step of steps) {
      const plan = planFor(step);
      if (!plan || plan.unavailable(step.spec, sandbox())) continue;
      if (step.target === 'webhook') {
        const problem = webhookRehearsalProblem(
          step.spec,
          { changeId: rehearsalId, stepId: step.id },
          deps.partners,
          sandbox().webhookPartners,
        );
        if (problem) throw permanent(ErrorType.InvalidStep, `rehearsal refused: step ${step.id} ${problem}`);
      }
      for (const selection of plan.documents?.(step.spec) ?? []) {
        if (!selection.leads) continue;
        const count = await deps.db.collection(selection.collection).countDocuments(selection.filter);
        if (count > max) throw permanent(ErrorType.InvalidStep, tooManyLeads(step, selection, count, max));
      }
    }
  }

  /** The step as the sandbox runs it, and its key (the rehearsal id stands for the change id). */
  function inSandbox(input: RehearsalStepInput): { step: Step; key: StepKey } {
    const plan = planFor(input.step);
    if (!plan || plan.unavailable(input.step.spec, sandbox())) {
      throw permanent(
        ErrorType.WorkerMisconfigured,
        `step ${input.step.id} (${input.step.target}) has no sandbox here; it must not run`,
      );
    }
    const spec = plan.sandboxSpec ? plan.sandboxSpec(input.step.spec, sandbox()) : input.step.spec;
    return { step: { ...input.step, spec } as Step, key: { changeId: input.rehearsalId, stepId: input.step.id } };
  }

  return {
    /**
     * Decides per step whether it can be rehearsed, takes the sandbox documents for this rehearsal,
     * copies the production documents into them and checksums both sides.
     */
    async prepareRehearsal(input: { rehearsalId: string; steps: Step[] }): Promise<PreparedStep[]> {
      const { db: sandboxDb, leaseMs } = sandbox();
      const max = sandbox().maxLeads ?? DEFAULT_MAX_LEADS;
      await refuseUnsafe(input.rehearsalId, input.steps);
      const leases = new SandboxLeases(sandboxDb);
      const prepared: PreparedStep[] = [];
      for (const step of input.steps) {
        // Production is read to copy it: never a collection no step may target here.
        const named = stepCollection(step);
        const refused =
          named &&
          (reservedCollectionProblem(named.collection) ??
            allowListProblem(named.kind, named.collection, deps.targetCollections));
        if (refused)
          throw permanent(
            ErrorType.InvalidStep,
            `step ${step.id} may not be rehearsed here: collection "${named.collection}" ${refused}`,
          );
        const plan = planFor(step);
        const notRehearsed = plan ? plan.unavailable(step.spec, sandbox()) : `no sandbox for ${step.target} steps`;
        if (notRehearsed) {
          prepared.push({ stepId: step.id, target: step.target, notRehearsed });
          continue;
        }
        const selections = plan!.documents?.(step.spec) ?? [];
        if (selections.length === 0) {
          prepared.push({ stepId: step.id, target: step.target });
          continue;
        }
        const all = new StreamedChecksum().open();
        const exact = new StreamedChecksum().open();
        let documents = 0;
        for (const selection of selections) {
          await leases.acquire(leaseKey(selection), input.rehearsalId, leaseMs ?? DEFAULT_LEASE_MS);
          const copy = sandboxDb.collection(selection.collection);
          await copy.deleteMany(selection.filter);
          all.open();
          if (selection.exact) exact.open();
          let copied = 0;
          // Streamed: a batch in memory at a time; a selection that grew past the cap since it was counted stops here.
          for await (const batch of selectionBatches(deps.db, selection)) {
            copied += batch.length;
            if (selection.leads && copied > max)
              throw permanent(ErrorType.InvalidStep, tooManyLeads(step, selection, copied, max));
            await copy.insertMany(batch);
            for (const doc of batch) {
              all.item(doc);
              if (selection.exact) exact.item(selection.exact(doc));
            }
          }
          all.close();
          if (selection.exact) exact.close();
          documents += copied;
        }
        prepared.push({
          stepId: step.id,
          target: step.target,
          sandbox: { documents, exactChecksum: exact.close().digest() },
          productionChecksum: all.close().digest(),
        });
      }
      log.info('rehearsal prepared', {
        rehearsalId: input.rehearsalId,
        sandbox: sandboxDb.databaseName,
        copied: prepared.filter((p) => p.sandbox).length,
      });
      return prepared;
    },

    /** Recovery point → apply → verify, in the sandbox. */
    async rehearseApply(input: RehearsalStepInput): Promise<ApplyOutcome> {
      const { step, key } = inSandbox(input);
      const adapter = adapterFor(sandboxRegistry(), step);
      await adapter.snapshot(key, step.spec);
      const applied = await adapter.apply(key, step.spec);
      await adapter.verify(key, step.spec);
      return applied;
    },

    /** Restore → verify the restore → preview what is left, in the sandbox. A failed verification is reported, not thrown. */
    async rehearseRollback(
      input: RehearsalStepInput,
    ): Promise<Pick<SandboxRun, 'restore' | 'verifyProblem' | 'remainingOperations'>> {
      const { step, key } = inSandbox(input);
      const adapter = adapterFor(sandboxRegistry(), step);
      const restore = await adapter.restore(key, step.spec);
      let verifyProblem: string | undefined;
      try {
        await adapter.verifyRestore(key, step.spec);
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== ErrorType.VerificationFailed) throw err;
        verifyProblem = err.message;
      }
      const preview = await adapter.preview(key, step.spec);
      return { restore, ...(verifyProblem ? { verifyProblem } : {}), remainingOperations: preview.operations.length };
    },

    /** Reads the sandbox copies and the production documents again (production read-only). */
    async compareRehearsal(input: { rehearsalId: string; steps: Step[] }): Promise<StepComparison[]> {
      const { db: sandboxDb } = sandbox();
      const comparisons: StepComparison[] = [];
      for (const step of input.steps) {
        const plan = planFor(step);
        if (!plan || plan.unavailable(step.spec, sandbox()) || !plan.documents) continue;
        const selections = plan.documents(step.spec);
        const [sandboxNow, productionNow] = await Promise.all([
          selectionChecksums(sandboxDb, selections),
          selectionChecksums(deps.db, selections),
        ]);
        comparisons.push({
          stepId: step.id,
          sandboxExactChecksum: sandboxNow.exact,
          productionChecksum: productionNow.all,
        });
      }
      return comparisons;
    },

    /** Keeps the report in the rehearsal database, beside the sandbox run it describes. */
    async saveRehearsalReport(report: RehearsalReport): Promise<void> {
      await productCollection<RehearsalReport & { _id: string }>(sandbox().db, 'rehearsalReports').updateOne(
        { _id: report.rehearsalId },
        { $set: report },
        { upsert: true },
      );
    },

    /** Gives the sandbox documents back to other rehearsals. */
    async releaseRehearsal(input: { rehearsalId: string }): Promise<void> {
      if (!deps.rehearsal) return;
      await new SandboxLeases(deps.rehearsal.db).releaseAll(input.rehearsalId);
    },
  };
}

function tooManyLeads(step: Step, selection: DocumentSelection, count: number, max: number): string {
  return `rehearsal refused: step ${step.id} selects ${count} documents in ${selection.collection}, more than a rehearsal copies (${max}, REHEARSAL_MAX_LEADS); narrow its filter or rehearse a sample`;
}
