import { judgeDecision } from '../../src/client/decision-check';
import type { ChangeStatus, PendingQuestion } from '../../src/domain/status';

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

describe('segregation of duties and break-glass, as the client judges them (the workflow keeps the same rules)', () => {
  const asked = (kind: PendingQuestion['kind'], options: PendingQuestion['options'], extra: PendingQuestion['mayDecide'] = []) =>
    question({ kind, options, mayDecide: [{ level: 'team', actors: ['ana@example.com', 'lead@example.com'], groups: ['change-board'] }, ...extra] });

  test.each([
    ['approve', 'approval', ['approve', 'reject'], 'cannot approve it'],
    ['skip', 'step-failure', ['retry', 'skip', 'rollback', 'hold'], 'cannot skip its failed step'],
    ['accept', 'trigger', ['rollback', 'accept'], 'cannot accept its fired trigger'],
    ['resolved-manually', 'compensation', ['retry-compensation', 'resolved-manually'], 'cannot mark its compensation resolved by hand'],
  ] as const)('given the requester is a decider, when they %s, then it is not allowed (403)', (decision, kind, options, reason) => {
    expect(judgeDecision(status([asked(kind, [...options])]), 'ana@example.com', { decision, actor: 'ana@example.com', comment: 'done' })).toEqual({
      ok: false,
      notAllowed: true,
      reason: `ana@example.com requested this change and ${reason}`,
    });
  });

  test.each([
    ['reject', 'approval', ['approve', 'reject']],
    ['retry', 'step-failure', ['retry', 'skip', 'rollback', 'hold']],
    ['rollback', 'trigger', ['rollback', 'accept']],
    ['retry-compensation', 'compensation', ['retry-compensation', 'resolved-manually']],
  ] as const)('given the requester is a decider, when they %s (accepting no risk), then they may', (decision, kind, options) => {
    expect(judgeDecision(status([asked(kind, [...options])]), 'ana@example.com', { decision, actor: 'ana@example.com' }).ok).toBe(true);
  });

  test('given the requester spelled another way, when approving, then they are still the requester', () => {
    expect(judgeDecision(status([asked('approval', ['approve', 'reject'])]), 'ana@example.com', { decision: 'approve', actor: 'Ana@Example.com' })).toMatchObject({ ok: false, notAllowed: true });
  });

  test('given a decider named in lower case, when they decide with capitals, then they are recognised', () => {
    expect(judgeDecision(status([asked('approval', ['approve', 'reject'])]), 'ana@example.com', { decision: 'approve', actor: 'LEAD@example.com' }).ok).toBe(true);
  });

  test('given an approval already given in another spelling, when the same approver approves again, then it is a conflict (409)', () => {
    const approvedOnce = status([asked('approval', ['approve', 'reject'])], [{ questionId: 'q1', kind: 'approval', decision: 'approve', actor: 'lead@example.com', level: 0, at: '2026-01-01T00:00:01Z' }]);
    expect(judgeDecision(approvedOnce, 'ana@example.com', { decision: 'approve', actor: 'Lead@Example.com' })).toMatchObject({ ok: false, notAllowed: false, reason: 'Lead@Example.com has already approved' });
  });

  test('given a break-glass group on the question, when one of its members decides, then they may, though no level names them', () => {
    const glass = asked('step-failure', ['retry', 'skip', 'rollback', 'hold'], [{ level: 'break-glass', actors: [], groups: ['admin'] }]);
    expect(judgeDecision(status([glass]), 'ana@example.com', { decision: 'skip', actor: 'root@example.com', groups: ['admin'] }).ok).toBe(true);
    expect(judgeDecision(status([glass]), 'ana@example.com', { decision: 'skip', actor: 'root@example.com', groups: ['marketing'] })).toMatchObject({ ok: false, notAllowed: true });
    expect(judgeDecision(status([glass]), 'root@example.com', { decision: 'skip', actor: 'root@example.com', groups: ['admin'] })).toMatchObject({ ok: false, notAllowed: true });
  });
});
