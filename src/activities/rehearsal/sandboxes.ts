import type { Db, Document } from 'mongodb';
import type { Step } from '../../domain/change-request';
import { productCollections } from '../../store/collections';
import type { TargetKind } from '../../domain/targets';
import type { CrmConnection } from '../targets/crm/api';
import type { FlowDoc } from '../targets/flow-config/store';
import { toMongoFilter } from '../targets/lead-data/spec';
import { docId } from '../targets/mongo-document/document';
import type { WebhookSecrets } from '../targets/webhook/adapter';
import type { WebhookSpec } from '../targets/webhook/spec';

/** The sandbox targets a rehearsal runs against; `src/worker.ts` builds them from REHEARSAL_* variables. */
export interface RehearsalDeps {
  /** The rehearsal database: copies of the touched documents, and the sandbox run's own records. */
  db: Db;
  /** A sandbox CRM; without it `crm` steps are not rehearsed. */
  crm?: CrmConnection;
  /** A sandbox origin for webhooks; without it `webhook` steps are not rehearsed. */
  webhookBaseUrl?: string;
  /** HMAC secrets of the sandbox webhooks, by name. */
  webhookSecrets?: WebhookSecrets;
  /** How long a rehearsal holds its sandbox documents against other rehearsals (default 1 h). */
  leaseMs?: number;
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
}

type SpecOf<K extends TargetKind> = Extract<Step, { target: K }>['spec'];

/** How one target kind is rehearsed. */
export interface SandboxPlan<Spec> {
  /** Why a step of this kind cannot be rehearsed with these sandboxes, or undefined when it can. */
  unavailable(spec: Spec, deps: RehearsalDeps): string | undefined;
  /** The MongoDB documents to copy and compare (kinds outside MongoDB have none). */
  documents?(spec: Spec): DocumentSelection[];
  /** The spec as it runs in the sandbox (e.g. webhook URLs moved to the sandbox origin). */
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
    documents: (spec) => [{ collection: spec.collection, filter: toMongoFilter(spec.filter), exact: (doc) => doc }],
  },
  'mongo-document': {
    unavailable: () => undefined,
    documents: (spec) => [{ collection: spec.collection, filter: { _id: docId(spec) }, exact: (doc) => doc }],
  },
  crm: {
    unavailable: (_spec, deps) => (deps.crm ? undefined : 'no sandbox CRM: set REHEARSAL_CRM_BASE_URL and REHEARSAL_CRM_TOKEN'),
  },
  webhook: {
    unavailable: (spec, deps) => {
      if (!deps.webhookBaseUrl) return 'no sandbox webhook origin: set REHEARSAL_WEBHOOK_BASE_URL';
      if (spec.secret && !deps.webhookSecrets?.[spec.secret]) return `webhook secret "${spec.secret}" is not in REHEARSAL_WEBHOOK_SECRETS`;
      return undefined;
    },
    sandboxSpec: (spec, deps) => toSandboxOrigin(spec, deps.webhookBaseUrl!),
  },
};

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The webhook's requests with their origin replaced by the sandbox's (path and query kept, after
 * any path the sandbox base URL has). The spec validation keeps template variables out of the
 * origin, so the replacement cannot cut one.
 */
export function toSandboxOrigin(spec: WebhookSpec, baseUrl: string): WebhookSpec {
  const base = baseUrl.replace(/\/+$/, '');
  const move = (url: string) => url.replace(ORIGIN, base);
  return {
    ...spec,
    forward: { ...spec.forward, url: move(spec.forward.url) },
    ...(spec.compensate ? { compensate: { ...spec.compensate, url: move(spec.compensate.url) } } : {}),
  };
}

/** The plan of a step's kind, typed loosely for dispatch. */
export function planFor(step: Step): SandboxPlan<Step['spec']> | undefined {
  return sandboxPlans[step.target] as SandboxPlan<Step['spec']> | undefined;
}
