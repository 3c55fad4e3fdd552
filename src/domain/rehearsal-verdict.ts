import type { ChangeRequest } from './change-request';
import { ownValue } from './safe-keys';
import type {
  FailureNote,
  PreparedStep,
  RehearsalReport,
  SandboxRun,
  StepComparison,
  StepRehearsal,
} from './rehearsal';

/** Everything a rehearsal observed; the report is derived from it (pure, so workflow code can use it). */
export interface RehearsalObservations {
  rehearsalId: string;
  changeId?: string;
  request: ChangeRequest;
  startedAt: string;
  finishedAt: string;
  prepared: PreparedStep[];
  runs: Record<string, SandboxRun>;
  comparisons: StepComparison[];
  applyFailed?: { stepId: string; error: FailureNote };
}

const failure = (f: FailureNote) => `${f.type ?? 'Error'}: ${f.message}`;

function judge(
  prepared: PreparedStep,
  run: SandboxRun,
  comparison: StepComparison | undefined,
  applyFailed: RehearsalObservations['applyFailed'],
): Pick<StepRehearsal, 'outcome' | 'detail'> {
  if (prepared.notRehearsed) return { outcome: 'not-rehearsed', detail: prepared.notRehearsed };
  if (run.notReached) {
    return {
      outcome: 'not-rehearsed',
      detail: `not applied: step ${applyFailed?.stepId ?? '?'} failed in the sandbox first, and the real change would stop there too`,
    };
  }
  const problems: string[] = [];
  if (run.restoreError) problems.push(`the restore failed: ${failure(run.restoreError)}`);
  if (run.restore && (run.restore.status === 'conflict' || run.restore.status === 'partial'))
    problems.push(`the restore reported ${run.restore.status}: ${run.restore.summary}`);
  if (run.verifyProblem) problems.push(`the restore did not verify: ${run.verifyProblem}`);
  if ((run.remainingOperations ?? 0) > 0)
    problems.push(`${run.remainingOperations} operation(s) still lie between the sandbox and the recovery point`);
  if (prepared.sandbox && comparison?.sandboxExactChecksum !== prepared.sandbox.exactChecksum) {
    problems.push('the sandbox documents after the rollback differ from the copy taken before');
  }
  const applied = run.applyError ? `apply failed in the sandbox (${failure(run.applyError)}); ` : '';
  if (problems.length > 0) return { outcome: 'differs', detail: `${applied}${problems.join('; ')}` };
  const how = prepared.sandbox
    ? `the sandbox content equals the copy taken before the apply (${prepared.sandbox.documents} document(s) copied)`
    : `restore ${run.restore?.status ?? 'done'} and verified by the adapter, no operation left between the sandbox and the recovery point`;
  return { outcome: 'exact', detail: `${applied}${how}` };
}

function production(prepared: PreparedStep, comparison: StepComparison | undefined): StepRehearsal['production'] {
  if (prepared.productionChecksum === undefined || comparison?.productionChecksum === undefined) return 'not-read';
  return prepared.productionChecksum === comparison.productionChecksum ? 'untouched' : 'changed';
}

/**
 * The rehearsal report: per step `exact`, `differs` or `not-rehearsed` with the reason, and
 * whether production stayed untouched. `exact` needs at least one rehearsed step, all exact.
 */
export function rehearsalReport(observed: RehearsalObservations): RehearsalReport {
  const steps: StepRehearsal[] = observed.prepared.map((prepared) => {
    const run = (ownValue(observed.runs, prepared.stepId) as SandboxRun | undefined) ?? {};
    const comparison = observed.comparisons.find((c) => c.stepId === prepared.stepId);
    return {
      stepId: prepared.stepId,
      target: prepared.target,
      ...judge(prepared, run, comparison, observed.applyFailed),
      ...(run.applied ? { applied: run.applied } : {}),
      ...(run.applyError ? { applyError: run.applyError } : {}),
      ...(run.restore ? { restore: run.restore } : {}),
      ...(run.restoreError ? { restoreError: run.restoreError } : {}),
      ...(prepared.sandbox
        ? {
            sandbox: {
              documents: prepared.sandbox.documents,
              before: prepared.sandbox.exactChecksum,
              after: comparison?.sandboxExactChecksum,
            },
          }
        : {}),
      production: production(prepared, comparison),
    };
  });
  const rehearsed = steps.filter((s) => s.outcome !== 'not-rehearsed');
  return {
    rehearsalId: observed.rehearsalId,
    ...(observed.changeId ? { changeId: observed.changeId } : {}),
    title: observed.request.title,
    requestedBy: observed.request.requestedBy,
    startedAt: observed.startedAt,
    finishedAt: observed.finishedAt,
    exact: rehearsed.length > 0 && rehearsed.every((s) => s.outcome === 'exact'),
    productionUntouched: steps.every((s) => s.production !== 'changed'),
    ...(observed.applyFailed ? { applyFailed: observed.applyFailed } : {}),
    steps,
  };
}
