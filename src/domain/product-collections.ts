/**
 * The names of lead-rollback's own collections live in the contract layer, so validation can refuse
 * them as step targets without importing the stores; the stores get their collections by these names
 * (src/store/collections.ts).
 */

/**
 * Every collection lead-rollback itself writes or reads as its own: the one list. Each store gets
 * its collection through `productCollection`, and a unit test (test/unit/collection-registry.test.ts)
 * fails when code in src/ names a collection by a literal instead, so a new store cannot be left
 * off — and the names refused as step targets are derived from this object, never kept by hand.
 */
export const productCollections = {
  /** Before-images of every step (src/store/recovery-points.ts). */
  recoveryPoints: 'recovery_points',
  /** Change reports (src/store/reports.ts). */
  changeReports: 'change_reports',
  /** Validated change requests, read back by later workflows (src/store/change-requests.ts). */
  changeRequests: 'change_requests',
  /** Target locks held by running changes (src/store/locks.ts). */
  targetLocks: 'target_locks',
  /** The notification outbox (src/store/notifications.ts). */
  notifications: 'notifications',
  /** Intent and outcome of every partner call, which decides whether a compensation is sent (src/store/send-journal.ts). */
  httpSends: 'http_sends',
  /** Per-lead before-images of lead-data steps (src/store/lead-journal.ts). */
  leadJournal: 'lead_journal',
  /** Leads a restore left alone, three-way (src/store/lead-journal.ts). */
  leadConflicts: 'lead_conflicts',
  /** Apply and restore markers of mongo-document steps (src/store/document-writes.ts). */
  documentWrites: 'document_writes',
  /** Lead-flow configurations and their versions (src/store/flows.ts). */
  flows: 'flows',
  flowVersions: 'flow_versions',
  /** Rehearsal bookkeeping in the sandbox database (src/store/rehearsal-leases.ts, src/activities/rehearsal/). */
  rehearsalLeases: 'rehearsal_leases',
  rehearsalReports: 'rehearsal_reports',
  /** Chat-ops replay protection (src/store/replay-guard.ts). */
  chatopsSeenRequests: 'chatops_seen_requests',
  /** The platform's lead events the observation triggers read (src/store/lead-events.ts): forged events would fire or silence them. */
  leadEvents: 'lead_events',
} as const;

export type ProductCollection = keyof typeof productCollections;

/** The product's own collection names. */
export const productCollectionNames: readonly string[] = Object.values(productCollections);
