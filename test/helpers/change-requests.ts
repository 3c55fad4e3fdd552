import type { ChangeRequestInput } from '../../src/domain/change-request';

/** Requests the interface tests start; deciders and channels are parameters so each test owns its own. */
export function approvalChange(
  flowId: string,
  requestedBy: string,
  options: { risk?: 'low' | 'high'; deciders?: { actors?: string[]; groups?: string[] } } = {},
): ChangeRequestInput {
  return {
    title: `Raise the cap of ${flowId}`,
    requestedBy,
    risk: options.risk ?? 'low',
    steps: [
      {
        id: 'raise-cap',
        target: 'flow-config',
        spec: { flowId, patch: [{ op: 'replace', path: '/pricing/cap', value: 35 }] },
      },
    ],
    policy: {
      approval: 'required',
      escalation: {
        levels: [
          {
            name: 'approvers',
            deciders: { actors: options.deciders?.actors ?? [], groups: options.deciders?.groups ?? ['approvers'] },
            notify: [],
            deadline: '10m',
          },
        ],
      },
    },
  };
}

/** Step 2 fails (a JSON-Patch `test` that does not match); policy asks the on-call level, notified on `channels`. */
export function failingAskChange(
  flows: [string, string],
  requestedBy: string,
  oncall: { actors?: string[]; groups?: string[] },
  channels: string[],
): ChangeRequestInput {
  return {
    title: `Reroute ${flows[0]} and retarget ${flows[1]}`,
    requestedBy,
    risk: 'medium',
    steps: [
      {
        id: 'reroute',
        target: 'flow-config',
        spec: { flowId: flows[0], patch: [{ op: 'replace', path: '/steps/2/recipient', value: 'crm-west' }] },
      },
      {
        id: 'retarget',
        target: 'flow-config',
        spec: {
          flowId: flows[1],
          patch: [
            { op: 'test', path: '/pricing/currency', value: 'EUR' },
            { op: 'replace', path: '/enabled', value: false },
          ],
        },
      },
    ],
    policy: {
      onStepFailure: 'ask',
      escalation: {
        levels: [
          {
            name: 'on-call',
            deciders: { actors: oncall.actors ?? [], groups: oncall.groups ?? [] },
            notify: channels,
            deadline: '10m',
          },
        ],
      },
    },
  };
}

export function simpleChange(flowId: string, requestedBy: string): ChangeRequestInput {
  return {
    title: `Disable ${flowId}`,
    requestedBy,
    steps: [
      {
        id: 'disable',
        target: 'flow-config',
        spec: { flowId, patch: [{ op: 'replace', path: '/enabled', value: false }] },
      },
    ],
  };
}
