import { RequestRefusedError } from '../../src/client/errors';
import { capStep, change, irreversibleStep, MANAGER, ONCALL, saga, twoLevels } from './saga';
import { openTimeSkipping, type TimeSkipping } from './time-skipping';

/**
 * Compensation with fake targets: the order restores run in, a failed restore that is asked about
 * (never dropped) at every level and then held, and irreversible steps. The integration tier runs
 * the same against real flows (compensation.test.ts, irreversible.test.ts, walking-skeleton.test.ts).
 */
describe('compensation: reverse order, failed restores never dropped, irreversible steps', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await openTimeSkipping();
  });
  afterAll(() => ts?.close());

  const steps = (n: number) => Array.from({ length: n }, (_, i) => capStep(`s${i}`, 30 + i));

  test('given the last of four steps fails, when the change rolls back, then each step is restored once, in reverse order of apply, and verified again', async () => {
    const s = await saga(ts, 'reverse', { failApply: { s3: Infinity } });
    const report = await s.run(change(steps(4)), () => s.changes.result(s.changeId));
    expect(report.phase).toBe('rolled-back');
    expect(report.cause).toMatchObject({ stepId: 's3', type: 'InvalidStepError' });
    expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['s0', 's1', 's2', 's3']);
    // Registered before its apply, the failed step is compensated too (first, as a no-op).
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s3', 's2', 's1', 's0']);
    expect(report.steps.map((step) => [step.id, step.state, step.restore?.status])).toEqual([
      ['s0', 'restored', 'restored'],
      ['s1', 'restored', 'restored'],
      ['s2', 'restored', 'restored'],
      ['s3', 'failed', 'not-applied'],
    ]);
    // The validation after the rollback re-reads every restored target.
    expect(s.fakes.steps('verifyRestoreStep').sort()).toEqual(['s0', 's1', 's2']);
    expect(report.validation?.ok).toBe(true);
    // Notifications are sent without waiting for them, so only the saga's own calls have an order.
    const activities = s.fakes.calls.map((c) => c.activity).filter((a) => a !== 'notify');
    expect(activities.lastIndexOf('applyAndVerifyStep')).toBeLessThan(activities.indexOf('restoreAndVerifyStep'));
    expect(activities.slice(-2)).toEqual(['releaseTargetLocks', 'saveReport']);
  });

  test('given an independent group, when the change rolls back, then the group is restored together at the place of its latest step and the rest in reverse order', async () => {
    const s = await saga(ts, 'group', { failApply: { s3: Infinity } });
    const report = await s.run(change(steps(4), { compensation: { independentGroups: [['s0', 's2']] } }), () =>
      s.changes.result(s.changeId),
    );
    expect(report.phase).toBe('rolled-back');
    const restores = s.fakes.steps('restoreAndVerifyStep');
    expect(restores[0]).toBe('s3');
    expect(restores.slice(1, 3).sort()).toEqual(['s0', 's2']);
    expect(restores.slice(3)).toEqual(['s1']);
  });

  test('given a restore that fails, when the on-call decides retry-compensation, then it is restored by the second call and the rest carries on', async () => {
    const s = await saga(ts, 'retry-restore', { failApply: { s2: Infinity }, failRestore: { s1: 1 } });
    const report = await s.run(change(steps(3), { escalation: { levels: twoLevels() } }), async () => {
      const question = await s.question('compensation');
      expect(question).toMatchObject({ stepId: 's1', options: ['retry-compensation', 'resolved-manually'] });
      const status = await s.changes.status(s.changeId);
      expect(status.phase).toBe('rolling-back');
      expect(status.steps.map((step) => step.state)).toEqual(['applied', 'compensation-failed', 'failed']);
      // s0 waits: compensations run in order, a later one never jumps a failed one.
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s2', 's1']);
      await s.changes.decide(s.changeId, { decision: 'retry-compensation', actor: ONCALL });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rolled-back');
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s2', 's1', 's1', 's0']);
    expect(report.steps.map((step) => step.state)).toEqual(['restored', 'restored', 'failed']);
    expect(s.fakes.notifications().filter((n) => n.event === 'compensation-failed')).toHaveLength(1);
  });

  test('given a restore that keeps failing and nobody answers, when both levels lapse, then the question is retried once more and held for the widest level, never dropped, until it is resolved by hand', async () => {
    const s = await saga(ts, 'never-dropped', { failApply: { s1: Infinity }, failRestore: { s0: Infinity } });
    const report = await s.run(change(steps(2), { escalation: { levels: twoLevels() } }), async () => {
      await s.question('compensation', 0);
      await s.skip('1h');
      await s.question('compensation', 1);
      await s.skip('1h');
      const held = await s.until((status) => status.pendingDecisions.some((q) => q.mode === 'hold'));
      expect(held.pendingDecisions).toEqual([
        expect.objectContaining({ kind: 'compensation', stepId: 's0', mode: 'hold', level: 1 }),
      ]);
      await s.skip('30d');
      const month = await s.changes.status(s.changeId);
      expect(month.phase).toBe('rolling-back');
      expect(month.pendingDecisions).toEqual([
        expect.objectContaining({ kind: 'compensation', stepId: 's0', mode: 'hold' }),
      ]);
      await expect(
        s.changes.decide(s.changeId, { decision: 'resolved-manually', actor: MANAGER }),
      ).rejects.toBeInstanceOf(RequestRefusedError);
      s.fakes.undoByHand('s0');
      await s.changes.decide(s.changeId, {
        decision: 'resolved-manually',
        actor: MANAGER,
        comment: 'cap set back by hand',
      });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rolled-back');
    // What the person did is checked like any restore.
    expect(report.validation).toMatchObject({
      ok: true,
      targets: [
        expect.objectContaining({
          stepId: 's0',
          ok: true,
          resolvedManually: { actor: MANAGER, at: expect.any(String) },
        }),
      ],
    });
    expect(report.steps[0]).toMatchObject({
      state: 'compensation-failed',
      resolvedManually: { actor: MANAGER, comment: 'cap set back by hand' },
    });
    // Once when the rollback reached it, once more when the escalation ran out, then no more without a person.
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s1', 's0', 's0']);
    expect(s.fakes.notifications().filter((n) => n.event === 'compensation-failed')).toHaveLength(2);
    expect(
      s.fakes
        .notifications()
        .filter((n) => n.event === 'escalated')
        .map((n) => n.channels),
    ).toEqual([['webhook:managers'], ['webhook:managers']]);
  });

  test('given a restore that meets a later edit, when it is resolved by hand, then the edit is kept, the step is validated all the same and the report keeps the restore and the answer apart', async () => {
    const s = await saga(ts, 'conflict', { failApply: { s1: Infinity }, conflictOnRestore: ['s0'] });
    const report = await s.run(change(steps(2), { escalation: { levels: twoLevels() } }), async () => {
      await s.question('compensation');
      // The on-call takes twenty minutes to look.
      await s.skip('20m');
      await s.changes.decide(s.changeId, {
        decision: 'resolved-manually',
        actor: ONCALL,
        comment: 'kept the teammate edit',
      });
      return s.changes.result(s.changeId);
    });
    expect(report.steps[0]).toMatchObject({
      state: 'conflict',
      restore: { status: 'conflict', conflicts: { count: 1 } },
      resolvedManually: { actor: ONCALL },
    });
    expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['s1', 's0']);
    // The step resolved by hand is validated like a restored one (s1 never applied: nothing to check), saying by whom.
    expect(s.fakes.steps('verifyRestoreStep')).toEqual(['s0']);
    expect(report.validation!.targets).toEqual([
      expect.objectContaining({ stepId: 's0', ok: true, resolvedManually: expect.objectContaining({ actor: ONCALL }) }),
    ]);
    const recovery = report.recovery!;
    const s0 = report.steps[0]!;
    // The restore's end is when it found the conflict, not when the on-call answered twenty minutes later.
    expect(s0.timings!.compensatedAt).toBe(recovery.lastRestoreAt);
    expect(Date.parse(s0.resolvedManually!.at) - Date.parse(s0.timings!.compensatedAt!)).toBeGreaterThanOrEqual(
      20 * 60_000,
    );
    expect(recovery.resolvedManuallyAt).toBe(s0.resolvedManually!.at);
    expect(recovery.waitedOnPeopleMs).toBeGreaterThanOrEqual(20 * 60_000);
    expect(recovery.measuredTo).toBe('validated');
    expect(recovery.timeToRecoverMs).toBe(Date.parse(recovery.validatedAt!) - Date.parse(recovery.detectedAt));
  });

  test('given a failed restore resolved by hand, when the target still carries the step, then the validation fails and asks until someone acknowledges it', async () => {
    const s = await saga(ts, 'resolved-not-undone', { failApply: { s1: Infinity }, failRestore: { s0: Infinity } });
    const report = await s.run(change(steps(2), { escalation: { levels: twoLevels() } }), async () => {
      await s.question('compensation');
      await s.changes.decide(s.changeId, { decision: 'resolved-manually', actor: ONCALL, comment: 'done, I think' });
      const question = await s.question('validation');
      expect(question.prompt).toContain(`s0: resolved by hand by ${ONCALL}`);
      await s.changes.decide(s.changeId, { decision: 'acknowledge', actor: ONCALL, comment: 'will fix it now' });
      return s.changes.result(s.changeId);
    });
    expect(report.phase).toBe('rolled-back');
    expect(report.validation).toMatchObject({ ok: false });
    expect(report.validation!.targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          stepId: 's0',
          ok: false,
          resolvedManually: expect.objectContaining({ actor: ONCALL }),
        }),
      ]),
    );
    expect(s.fakes.notifications().filter((n) => n.event === 'validation-failed')).toHaveLength(1);
  });

  describe('an irreversible step between two others', () => {
    const irreversibleChange = () =>
      change([capStep('raise'), irreversibleStep('announce'), capStep('last')], {
        escalation: { levels: twoLevels() },
      });

    test('given its own approval is given, when a later step fails, then it is applied once and left in place by the rollback', async () => {
      const s = await saga(ts, 'irreversible-ok', { failApply: { last: Infinity } });
      const report = await s.run(irreversibleChange(), async () => {
        const question = await s.question('approval');
        expect(question).toMatchObject({ stepId: 'announce' });
        expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise']);
        await s.changes.decide(s.changeId, { decision: 'approve', actor: ONCALL });
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('rolled-back');
      expect(report.steps.map((step) => [step.id, step.state])).toEqual([
        ['raise', 'restored'],
        ['announce', 'applied'],
        ['last', 'failed'],
      ]);
      expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise', 'announce', 'last']);
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['last', 'raise']);
      expect(
        report.timeline.filter((e) => e.event === 'not compensated: irreversible step').map((e) => e.stepId),
      ).toEqual(['announce']);
    });

    test('given its approval is refused, when the change rolls back, then it is never applied and the earlier step is restored', async () => {
      const s = await saga(ts, 'irreversible-no');
      const report = await s.run(irreversibleChange(), async () => {
        await s.question('approval');
        await s.changes.decide(s.changeId, { decision: 'reject', actor: ONCALL, comment: 'partner is mid-migration' });
        return s.changes.result(s.changeId);
      });
      expect(report.phase).toBe('rolled-back');
      expect(report.cause).toMatchObject({ stepId: 'announce', type: 'IrreversibleStepNotApproved' });
      expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise']);
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['raise']);
    });

    test('given nobody approves it, when both levels lapse, then it is not applied and the change rolls back as not approved', async () => {
      const s = await saga(ts, 'irreversible-lapsed');
      const report = await s.run(irreversibleChange(), async () => {
        await s.question('approval');
        return s.changes.result(s.changeId);
      });
      expect(report.cause).toMatchObject({ stepId: 'announce', type: 'IrreversibleStepNotApproved' });
      expect(s.fakes.steps('applyAndVerifyStep')).toEqual(['raise']);
      expect(s.fakes.steps('restoreAndVerifyStep')).toEqual(['raise']);
    });
  });
});
