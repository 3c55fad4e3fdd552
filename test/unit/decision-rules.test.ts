import { ErrorType } from '../../src/domain/errors';
import type { EscalationLevel } from '../../src/domain/policy';
import type { AcceptedDecision } from '../../src/domain/status';
import {
  isDecider,
  judgeDecision,
  legacyRules,
  type DecisionContext,
  type DecisionRules,
  type JudgedQuestion,
} from '../../src/workflows/decision-rules';

// The rules the change workflow's update validator and its decision desk apply (one place):
// the refusal's type is what clients map to 403 / 409, never its sentence.

const level = (name: string, actors: string[], groups: string[] = []): EscalationLevel => ({
  name,
  deciders: { actors, groups },
  notify: [],
  deadline: '1h',
});
const levels = [level('team', ['lead@example.com']), level('managers', [], ['managers'])];
const strict: DecisionRules = { strict: true, breakGlassGroups: ['admin'] };

const question = (over: Partial<JudgedQuestion> = {}): JudgedQuestion => ({
  id: 'q1',
  kind: 'approval',
  prompt: 'Approve?',
  options: ['approve', 'reject'],
  level: 1,
  mode: 'escalate',
  approvalsNeeded: 2,
  askedAt: '2026-01-01T00:00:00Z',
  mayDecide: [],
  approvals: [],
  ...over,
});

const context = (over: Partial<DecisionContext> = {}): DecisionContext => ({
  levels,
  requestedBy: 'ops@example.com',
  rules: strict,
  accepted: [],
  ...over,
});
const approval = (actor: string): AcceptedDecision => ({
  questionId: 'q1',
  kind: 'approval',
  decision: 'approve',
  actor,
  level: 0,
  at: '2026-01-01T00:00:01Z',
});
/** The refusal's type, or `ok`. */
const verdict = (result: ReturnType<typeof judgeDecision>) => ('refusal' in result ? result.refusal.type : 'ok');

describe('judging a decision (the update validator: a refusal writes nothing to the history)', () => {
  test('given deciders of earlier levels and groups of the current one, when they approve, then they may', () => {
    expect(verdict(judgeDecision([question()], { decision: 'approve', actor: 'lead@example.com' }, context()))).toBe(
      'ok',
    );
    expect(
      verdict(
        judgeDecision([question()], { decision: 'approve', actor: 'm@example.com', groups: ['managers'] }, context()),
      ),
    ).toBe('ok');
  });

  test('given a question at the first level, when a decider of a later level decides, then it is not allowed', () => {
    expect(
      verdict(
        judgeDecision(
          [question({ level: 0 })],
          { decision: 'approve', actor: 'm@example.com', groups: ['managers'] },
          context(),
        ),
      ),
    ).toBe(ErrorType.NotAllowed);
  });

  test('given the requester, even in a deciding group, when approving, then it is not allowed; rejecting is allowed', () => {
    expect(
      judgeDecision([question()], { decision: 'approve', actor: 'ops@example.com', groups: ['managers'] }, context()),
    ).toEqual({
      refusal: { type: ErrorType.NotAllowed, reason: 'ops@example.com requested this change and cannot approve it' },
    });
    expect(
      verdict(
        judgeDecision([question()], { decision: 'reject', actor: 'ops@example.com', groups: ['managers'] }, context()),
      ),
    ).toBe('ok');
  });

  test('given someone outside every level, when deciding, then it is not allowed', () => {
    expect(
      verdict(
        judgeDecision([question()], { decision: 'reject', actor: 'x@example.com', groups: ['marketing'] }, context()),
      ),
    ).toBe(ErrorType.NotAllowed);
  });

  test('given no question, another question id, a wrong answer, a repeated approval or a resolution without comment, then each has its own type', () => {
    const compensation = question({ kind: 'compensation', options: ['retry-compensation', 'resolved-manually'] });
    const results = [
      judgeDecision([], { decision: 'approve', actor: 'lead@example.com' }, context()),
      judgeDecision([question()], { decision: 'approve', actor: 'lead@example.com', questionId: 'q9' }, context()),
      judgeDecision([question()], { decision: 'retry', actor: 'lead@example.com' }, context()),
      judgeDecision(
        [question({ approvals: [approval('lead@example.com')] })],
        { decision: 'approve', actor: 'lead@example.com' },
        context(),
      ),
      judgeDecision(
        [compensation],
        { decision: 'resolved-manually', actor: 'lead@example.com', comment: '  ' },
        context(),
      ),
    ];
    expect(results.map(verdict)).toEqual([
      ErrorType.WrongState,
      ErrorType.UnknownQuestion,
      ErrorType.WrongState,
      ErrorType.AlreadyApproved,
      ErrorType.IncompleteDecision,
    ]);
    expect(
      judgeDecision([], { decision: 'approve', actor: 'lead@example.com' }, context({ phase: 'applying' })),
    ).toEqual({
      refusal: { type: ErrorType.WrongState, reason: 'no decision is being asked for (change is applying)' },
    });
  });

  test('given a question named by id, when it is open behind another, then the decision answers that one', () => {
    const second = question({ id: 'q2', kind: 'step-failure', options: ['retry', 'skip', 'rollback', 'hold'] });
    const result = judgeDecision(
      [question(), second],
      { decision: 'retry', actor: 'lead@example.com', questionId: 'q2' },
      context(),
    );
    expect('question' in result && result.question.id).toBe('q2');
  });
});

describe('segregation of duties, actors and break-glass', () => {
  const asked = (kind: JudgedQuestion['kind'], options: JudgedQuestion['options']) =>
    question({ kind, options, level: 0 });
  const own = context({
    levels: [level('team', ['ana@example.com', 'lead@example.com'], ['change-board'])],
    requestedBy: 'ana@example.com',
  });

  test.each([
    ['approve', 'approval', ['approve', 'reject'], 'cannot approve it'],
    ['skip', 'step-failure', ['retry', 'skip', 'rollback', 'hold'], 'cannot skip its failed step'],
    ['accept', 'trigger', ['rollback', 'accept'], 'cannot accept its fired trigger'],
    [
      'resolved-manually',
      'compensation',
      ['retry-compensation', 'resolved-manually'],
      'cannot mark its compensation resolved by hand',
    ],
  ] as const)(
    'given the requester is a decider, when they %s, then it is not allowed',
    (decision, kind, options, reason) => {
      expect(
        judgeDecision([asked(kind, [...options])], { decision, actor: 'ana@example.com', comment: 'done' }, own),
      ).toEqual({
        refusal: { type: ErrorType.NotAllowed, reason: `ana@example.com requested this change and ${reason}` },
      });
    },
  );

  test.each([
    ['reject', 'approval', ['approve', 'reject']],
    ['retry', 'step-failure', ['retry', 'skip', 'rollback', 'hold']],
    ['rollback', 'trigger', ['rollback', 'accept']],
    ['retry-compensation', 'compensation', ['retry-compensation', 'resolved-manually']],
  ] as const)(
    'given the requester is a decider, when they %s (accepting no risk), then they may',
    (decision, kind, options) => {
      expect(verdict(judgeDecision([asked(kind, [...options])], { decision, actor: 'ana@example.com' }, own))).toBe(
        'ok',
      );
    },
  );

  test('given the requester spelled another way, when approving, then they are still the requester', () => {
    expect(
      verdict(
        judgeDecision(
          [asked('approval', ['approve', 'reject'])],
          { decision: 'approve', actor: 'Ana@Example.com' },
          own,
        ),
      ),
    ).toBe(ErrorType.NotAllowed);
  });

  test('given a decider named in lower case, when they decide with capitals, then they are recognised under the floor rules, not under the rules older runs keep', () => {
    const input = { decision: 'approve', actor: 'LEAD@example.com' } as const;
    expect(verdict(judgeDecision([asked('approval', ['approve', 'reject'])], input, own))).toBe('ok');
    expect(
      verdict(judgeDecision([asked('approval', ['approve', 'reject'])], input, { ...own, rules: legacyRules })),
    ).toBe(ErrorType.NotAllowed);
  });

  test('given a run older than the floor, when its requester skips, then only the validator (segregation) refuses it', () => {
    const input = { decision: 'skip', actor: 'ana@example.com' } as const;
    const failed = asked('step-failure', ['retry', 'skip', 'rollback', 'hold']);
    expect(verdict(judgeDecision([failed], input, { ...own, rules: legacyRules }))).toBe('ok');
    expect(verdict(judgeDecision([failed], input, { ...own, rules: legacyRules, segregation: true }))).toBe(
      ErrorType.NotAllowed,
    );
  });

  test('given an approval already given in another spelling, when the same approver approves again, then it is already approved', () => {
    const approvedOnce = question({ approvals: [approval('lead@example.com')] });
    expect(judgeDecision([approvedOnce], { decision: 'approve', actor: 'Lead@Example.com' }, context())).toEqual({
      refusal: { type: ErrorType.AlreadyApproved, reason: 'Lead@Example.com has already approved' },
    });
  });

  test('given a break-glass group, when one of its members decides, then they may, though no level names them; a requester in it still may not accept its own risk', () => {
    const failed = asked('step-failure', ['retry', 'skip', 'rollback', 'hold']);
    expect(
      verdict(judgeDecision([failed], { decision: 'skip', actor: 'root@example.com', groups: ['admin'] }, own)),
    ).toBe('ok');
    expect(
      verdict(judgeDecision([failed], { decision: 'skip', actor: 'root@example.com', groups: ['marketing'] }, own)),
    ).toBe(ErrorType.NotAllowed);
    expect(
      verdict(
        judgeDecision(
          [failed],
          { decision: 'skip', actor: 'root@example.com', groups: ['admin'] },
          { ...own, requestedBy: 'root@example.com' },
        ),
      ),
    ).toBe(ErrorType.NotAllowed);
    expect(isDecider(own, 'root@example.com', ['admin'])).toBe(true);
    expect(isDecider(own, 'root@example.com', ['marketing'])).toBe(false);
  });
});

describe('the history budget bounds repeated decisions', () => {
  const failed = question({ kind: 'step-failure', options: ['retry', 'skip', 'rollback', 'hold'], level: 0 });
  const retried = (n: number) =>
    Array.from({ length: n }, (): AcceptedDecision => ({
      questionId: 'q0',
      kind: 'step-failure',
      decision: 'retry',
      actor: 'lead@example.com',
      level: 0,
      at: '2026-01-01T00:00:01Z',
    }));

  test('given retry chosen as often as the budget allows, when retried again, then it is the wrong state; another answer is taken', () => {
    const budget = context({ accepted: retried(3), repeats: { retry: 3 } });
    expect(verdict(judgeDecision([failed], { decision: 'retry', actor: 'lead@example.com' }, budget))).toBe(
      ErrorType.WrongState,
    );
    expect(verdict(judgeDecision([failed], { decision: 'rollback', actor: 'lead@example.com' }, budget))).toBe('ok');
    expect(
      verdict(
        judgeDecision([failed], { decision: 'retry', actor: 'lead@example.com' }, context({ accepted: retried(3) })),
      ),
    ).toBe('ok');
  });

  test('given a question already holding, when told to hold again under the budget, then it is the wrong state', () => {
    const holding = { ...failed, mode: 'hold' as const };
    expect(
      verdict(judgeDecision([holding], { decision: 'hold', actor: 'lead@example.com' }, context({ repeats: {} }))),
    ).toBe(ErrorType.WrongState);
    expect(verdict(judgeDecision([holding], { decision: 'hold', actor: 'lead@example.com' }, context()))).toBe('ok');
  });
});
