import type { Db, Document } from 'mongodb';
import type { Step } from '../../domain/change-request';
import { partnerDestinationProblem, type Partners } from '../../domain/partners';
import { productCollections } from '../../domain/product-collections';
import type { TargetKind } from '../../domain/targets/index';
import type { SendPhase } from '../../store/send-journal';
import type { StepKey } from '../../domain/outcomes';
import type { CrmConnection } from '../targets/crm/api';
import type { FlowDoc } from '../../store/flows';
import { toMongoFilter } from '../../domain/targets/lead-data';
import { docId } from '../targets/mongo-document/document';
import { rendered } from '../targets/webhook/adapter';
import { sandboxUrl } from '../targets/webhook/sandbox-url';
import type { WebhookSpec } from '../../domain/targets/webhook';

/** The sandbox targets a rehearsal runs against; `src/worker.ts` builds them from REHEARSAL_* variables. */
export interface RehearsalDeps {
  /** The rehearsal database: copies of the touched documents, and the sandbox run's own records. */
  db: Db;
  /** A sandbox CRM; without it `crm` steps are not rehearsed. */
  crm?: CrmConnection;
  /**
   * The partners' sandboxes by partner name (REHEARSAL_WEBHOOK_PARTNERS): a webhook step is
   * rehearsed against its partner's sandbox origin, signed with the sandbox's secret; a step
   * whose partner has no sandbox is not rehearsed.
   */
  webhookPartners?: Partners;
  /** How long a rehearsal holds its sandbox documents against other rehearsals (default 1 h). */
  leaseMs?: number;
  /** Most documents one lead selection may copy (REHEARSAL_MAX_LEADS, default 10 000). */
  maxLeads?: number;
}

/**
 * MongoDB documents a step reads or writes. They are copied from production into the rehearsal
 * database before the sandbox run and checksummed on both sides; production is only read.
 */
export interface DocumentSelection {
  collection: string;
  /** A filter built by the plan from a validated spec (an `_id`, a lead filter), never from raw input. */
  filter: Record<string, unknown>;
  /**
   * The part of each document that must come back exactly after the rollback. Absent: the
   * documents are copied (the step needs them) but not compared, e.g. a history that grows by design.
   */
  exact?: (doc: Document) => unknown;
  /** A lead selection: its size is the request's to choose, so it is capped (REHEARSAL_MAX_LEADS). */
  leads?: boolean;
}

type SpecOf<K extends TargetKind> = Extract<Step, { target: K }>['spec'];

/** How one target kind is rehearsed. */
export interface SandboxPlan<Spec> {
  /** Why a step of this kind cannot be rehearsed with these sandboxes, or undefined when it can. */
  unavailable(spec: Spec, deps: RehearsalDeps): string | undefined;
  /** The MongoDB documents to copy and compare (kinds outside MongoDB have none). */
  documents?(spec: Spec): DocumentSelection[];
  /** The spec as it runs in the sandbox, when it differs from the production spec. */
  sandboxSpec?(spec: Spec, deps: RehearsalDeps): Spec;
}

/**
 * Every target kind that can be rehearsed, and how. A kind missing here is reported "not
 * rehearsed" and never runs anywhere. Adding a MongoDB kind is usually one entry naming its
 * documents, as `mongo-document` does.
 */
export const sandboxPlans: { [K in TargetKind]?: SandboxPlan<SpecOf<K>> } = {
  'flow-config': {
    unavailable: () => undefined,
    documents: (spec) => [
      // The configuration must come back; its version number moves on (a restore is a new version).
      { collection: productCollections.flows, filter: { _id: spec.flowId }, exact: (doc) => (doc as FlowDoc).config },
      // The history too: restore-to steps read it, and sandbox writes never meet versions an earlier
      // rehearsal left. It grows by design, so it is copied, not compared.
      { collection: productCollections.flowVersions, filter: { flowId: spec.flowId } },
    ],
  },
  // The selected leads are copied and must come back exactly; the journal the sandbox run keeps is its own.
  'lead-data': {
    unavailable: () => undefined,
    documents: (spec) => [
      { collection: spec.collection, filter: toMongoFilter(spec.filter), exact: (doc) => doc, leads: true },
    ],
  },
  'mongo-document': {
    unavailable: () => undefined,
    documents: (spec) => [{ collection: spec.collection, filter: { _id: docId(spec) }, exact: (doc) => doc }],
  },
  crm: {
    unavailable: (_spec, deps) =>
      deps.crm ? undefined : 'no sandbox CRM: set REHEARSAL_CRM_BASE_URL and REHEARSAL_CRM_TOKEN',
  },
  // The sandbox webhook adapter moves every request to the partner's sandbox origin itself.
  webhook: {
    unavailable: (spec, deps) =>
      deps.webhookPartners?.get(spec.partner)
        ? undefined
        : `no sandbox for partner "${spec.partner}": add its sandbox to REHEARSAL_WEBHOOK_PARTNERS`,
  },
};

/**
 * Why a webhook step may not be rehearsed at all, or undefined: each of its requests is built as
 * the sandbox adapter will build it (rendered with the rehearsal's key, moved to the sandbox
 * origin from the parsed URL) and must then be on the sandbox origin; and the step as written
 * must be one production would send (on its partner's origins), so a rehearsal never passes a
 * URL form the real run would refuse.
 */
export function webhookRehearsalProblem(
  spec: WebhookSpec,
  key: StepKey,
  production: Partners | undefined,
  sandboxes: Partners | undefined,
): string | undefined {
  const partner = production?.get(spec.partner);
  const sandbox = sandboxes?.get(spec.partner);
  if (!partner) return `it names partner "${spec.partner}", which is not in this worker's WEBHOOK_PARTNERS`;
  if (!sandbox) return undefined; // not rehearsed at all: reported as such
  const origin = sandbox.origins[0]!;
  const phases: [SendPhase, WebhookSpec['forward'] | undefined][] = [
    ['forward', spec.forward],
    ['compensate', spec.compensate],
  ];
  for (const [phase, template] of phases) {
    if (!template) continue;
    const production = partnerDestinationProblem(template.url, partner);
    if (production) return `its ${phase} URL ${template.url} ${production}`;
    let built: string;
    try {
      built = rendered(key, phase, template, (url) => sandboxUrl(url, origin)).url;
    } catch (err) {
      return `its ${phase} request cannot be built: ${(err as Error).message}`;
    }
    if (new URL(built).origin !== origin)
      return `its ${phase} request would go to ${new URL(built).origin}, not to the sandbox ${origin}`;
  }
  return undefined;
}

/** The plan of a step's kind, typed loosely for dispatch. */
export function planFor(step: Step): SandboxPlan<Step['spec']> | undefined {
  return sandboxPlans[step.target] as SandboxPlan<Step['spec']> | undefined;
}
