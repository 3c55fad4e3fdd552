import { judgeDecision } from '../../src/client/decision-check';
import type { ChangeStatus, PendingQuestion } from '../../src/workflows/types';

const question = (over: Partial<PendingQuestion> = {}): PendingQuestion => ({
  id: 'q1',
  kind: 'approval',
  prompt: 'Approve?',
  options: ['approve', 'reject'],
  level: 1,
  mode: 'escalate',
  approvalsNeeded: 2,
  askedAt: '2026-01-01T00:00:00Z',
  mayDecide: [
    { level: 'team', actors: ['lead@example.com'], groups: [] },
    { level: 'managers', actors: [], groups: ['managers'] },
  ],
  ...over,
});

const status = (pending: PendingQuestion[], decisions: ChangeStatus['decisions'] = []): ChangeStatus => ({
  changeId: 'c1',
  title: 't',
  phase: 'awaiting-approval',
  steps: [],
  pendingDecisions: pending,
  decisions,
  timeline: [],
});

describe('judging a decision from the status query (403 vs 409 before anything is sent)', () => {
  test('given deciders of earlier levels and groups of the current one, when they approve, then they may', () => {
    expect(judgeDecision(status([question()]), 'ops@example.com', { decision: 'approve', actor: 'lead@example.com' }).ok).toBe(true);
    expect(judgeDecision(status([question()]), 'ops@example.com', { decision: 'approve', actor: 'm@example.com', groups: ['managers'] }).ok).toBe(true);
  });

  test('given the requester, even in a deciding group, when approving, then it is not allowed; rejecting is allowed', () => {
    expect(judgeDecision(status([question()]), 'ops@example.com', { decision: 'approve', actor: 'ops@example.com', groups: ['managers'] })).toEqual({
      ok: false,
      notAllowed: true,
      reason: 'ops@example.com requested this change and cannot approve it',
    });
    expect(judgeDecision(status([question()]), 'ops@example.com', { decision: 'reject', actor: 'ops@example.com', groups: ['managers'] }).ok).toBe(true);
  });

  test('given someone outside every level, when deciding, then it is not allowed (403)', () => {
    expect(judgeDecision(status([question()]), 'ops@example.com', { decision: 'reject', actor: 'x@example.com', groups: ['marketing'] })).toMatchObject({ ok: false, notAllowed: true });
  });

  test('given no question, another question id, a wrong answer or a repeated approval, then it is a conflict (409)', () => {
    const approvedOnce = status([question()], [{ questionId: 'q1', kind: 'approval', decision: 'approve', actor: 'lead@example.com', level: 0, at: '2026-01-01T00:00:01Z' }]);
    const verdicts = [
      judgeDecision(status([]), 'ops', { decision: 'approve', actor: 'lead@example.com' }),
      judgeDecision(status([question()]), 'ops', { decision: 'approve', actor: 'lead@example.com', questionId: 'q9' }),
      judgeDecision(status([question()]), 'ops', { decision: 'retry', actor: 'lead@example.com' }),
      judgeDecision(approvedOnce, 'ops', { decision: 'approve', actor: 'lead@example.com' }),
    ];
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.notAllowed ? 'forbidden' : 'conflict'))).toEqual(['conflict', 'conflict', 'conflict', 'conflict']);
  });
});
