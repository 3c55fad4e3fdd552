import {
  approvalReasons,
  floorRules,
  floorViolations,
  tightenToFloor,
  type FloorFacts,
} from '../../src/domain/floor-rules';
import { changeRequestSchema, type ChangeRequest, type ChangeRequestInput } from '../../src/domain/change-request';
import { policyFloorSchema, type PolicyFloor } from '../../src/domain/policy-floor';

type StepInput = ChangeRequestInput['steps'][number];

const flowStep: StepInput = {
  id: 'raise-cap',
  target: 'flow-config',
  spec: { flowId: 'solar', patch: [{ op: 'replace', path: '/pricing/cap', value: 30 }] },
};
const hookStep: StepInput = {
  id: 'announce',
  target: 'webhook',
  spec: {
    partner: 'partner-a',
    forward: { method: 'POST', url: 'https://partner.example.com/hooks' },
    compensate: { method: 'DELETE', url: 'https://partner.example.com/hooks/{{changeId}}' },
  },
};
const leadStep: StepInput = {
  id: 'requalify',
  target: 'lead-data',
  spec: { filter: { batch: 'b1' }, set: { status: 'qualified' } },
};
const docStep: StepInput = {
  id: 'settings',
  target: 'mongo-document',
  spec: { collection: 'partner_settings', id: 'partner-a', op: 'set', fields: { retries: 5 } },
};
const crmStep: StepInput = {
  id: 'drop-tier',
  target: 'crm',
  spec: { action: 'delete-property', objectType: 'contacts', name: 'tier' },
};

const request = (over: Partial<ChangeRequestInput> = {}): ChangeRequest =>
  changeRequestSchema.parse({ title: 'Test', requestedBy: 'ana@example.com', steps: [flowStep], ...over });
const floor = (over: Record<string, unknown> = {}): PolicyFloor => policyFloorSchema.parse(over);
const counted = (leadCounts: Record<string, number>): FloorFacts => ({ leadCounts });
const none = counted({});
const board = { levels: [{ name: 'leads', deciders: { actors: ['lead@example.com'] }, deadline: '1h' }] };

describe('the policy floor: when it requires approval', () => {
  const strict = floor({
    approval: {
      risks: ['medium'],
      targets: ['webhook'],
      maxSteps: 2,
      leadData: { maxLeads: 100 },
      mongoDocument: { collections: ['partner_settings'] },
      crm: { actions: ['delete-property'] },
    },
  });

  test.each<[string, ChangeRequest, FloorFacts, string[]]>([
    ['a low-risk flow change', request(), none, []],
    ['risk medium', request({ risk: 'medium' }), none, ['approval.risks']],
    [
      'risk high (built in, whatever the floor says)',
      request({ risk: 'high', policy: { escalation: board } }),
      none,
      ['built-in'],
    ],
    ['a webhook step', request({ steps: [hookStep] }), none, ['approval.targets']],
    [
      'three steps, more than two',
      request({ steps: [flowStep, { ...flowStep, id: 'b' }, { ...flowStep, id: 'c' }] }),
      none,
      ['approval.maxSteps'],
    ],
    ['a lead batch of 100 leads (at the maximum)', request({ steps: [leadStep] }), counted({ requalify: 100 }), []],
    [
      'a lead batch over the maximum',
      request({ steps: [leadStep] }),
      counted({ requalify: 101 }),
      ['approval.leadData.maxLeads'],
    ],
    ['a lead batch that could not be counted', request({ steps: [leadStep] }), none, ['approval.leadData.maxLeads']],
    ['a document in a listed collection', request({ steps: [docStep] }), none, ['approval.mongoDocument.collections']],
    [
      'a document in another collection',
      request({ steps: [{ ...docStep, spec: { ...docStep.spec, collection: 'routing_rules' } } as StepInput] }),
      none,
      [],
    ],
    ['a CRM property deletion', request({ steps: [crmStep] }), none, ['approval.crm.actions']],
  ])('given %s, then the floor asks for approval for the rules expected', (_what, req, facts, rules) => {
    expect(approvalReasons(req, strict, facts).map((r) => r.rule)).toEqual(rules);
  });

  test('given several rules, then each reason names the request field it is about', () => {
    const reasons = approvalReasons(
      request({ risk: 'medium', steps: [flowStep, hookStep, leadStep] }),
      strict,
      counted({ requalify: 5000 }),
    );
    expect(reasons.map((r) => r.path)).toEqual(['risk', 'steps', 'steps.1.target', 'steps.2.spec.filter']);
    expect(reasons[3]!.reason).toBe('step requalify selects more than 100 lead(s)');
  });

  test('given the built-in floor, then only risk high needs approval and admin breaks glass', () => {
    const builtIn = floor();
    expect(approvalReasons(request({ risk: 'medium', steps: [hookStep, leadStep] }), builtIn, none)).toEqual([]);
    expect(floorRules(request(), builtIn, none)).toEqual([
      'break-glass: group admin may decide at every level and roll back (breakGlass.groups)',
    ]);
  });
});

describe('the policy floor: a request may only tighten it', () => {
  const withBoard = floor({
    approval: { risks: ['medium', 'high'], targets: ['webhook'] },
    deciders: { groups: ['change-board'], deadline: '2h', notify: ['slack:#changes'] },
  });
  const noGroups = floor({ approval: { risks: ['medium', 'high'], targets: ['webhook'] } });

  test('given risk medium with approval "none", when tightened, then approval is required and the floor\'s groups get a level of their own', () => {
    const { request: tightened, issues } = tightenToFloor(
      request({ risk: 'medium', policy: { approval: 'none' } }),
      withBoard,
      none,
    );
    expect(issues).toEqual([]);
    expect(tightened.policy.approval).toBe('required');
    expect(tightened.policy.escalation).toEqual({
      levels: [
        {
          name: 'operator-floor',
          deciders: { actors: ['ana@example.com'], groups: ['change-board'] },
          notify: ['slack:#changes'],
          deadline: '2h',
        },
      ],
      whenExhausted: 'rollback',
    });
  });

  test("given an escalation of its own, when tightened, then the floor's groups join the first level, once, and later levels stay as they were", () => {
    const levels = [
      { name: 'team', deciders: { actors: ['lead@example.com'], groups: ['change-board', 'oncall'] }, deadline: '15m' },
      { name: 'managers', deciders: { groups: ['managers'] }, deadline: '1h' },
    ];
    const original = request({ steps: [hookStep], policy: { escalation: { levels } } });
    const { request: tightened } = tightenToFloor(
      original,
      floor({ deciders: { groups: ['change-board', 'audit'] } }),
      none,
    );
    expect(tightened.policy.escalation!.levels[0]!.deciders).toEqual({
      actors: ['lead@example.com'],
      groups: ['change-board', 'oncall', 'audit'],
    });
    expect(tightened.policy.escalation!.levels[1]).toEqual(original.policy.escalation!.levels[1]);
    expect(tightened.policy.escalation!.whenExhausted).toBe('rollback');
  });

  test('given no rule applies and no decider groups, when tightened, then the request runs exactly as it was asked', () => {
    const original = request();
    expect(tightenToFloor(original, noGroups, none)).toEqual({ request: original, issues: [] });
  });

  test('given approval is forced and the floor names no decider groups, when the request names no escalation, then it is refused at policy.escalation', () => {
    const { issues } = tightenToFloor(request({ steps: [hookStep] }), noGroups, none);
    expect(issues).toEqual([
      { path: 'policy.escalation', message: expect.stringContaining('step announce is a webhook step') },
    ]);
  });

  test.each([
    ['the requester', 'ana@example.com'],
    ['the requester spelled with capitals', 'Ana@Example.COM'],
  ])(
    'given approval is needed and the only decider is %s, then it is refused at policy.escalation.levels (nobody approves their own change)',
    (_what, actor) => {
      const { issues } = tightenToFloor(
        request({
          risk: 'medium',
          policy: { escalation: { levels: [{ name: 'me', deciders: { actors: [actor] }, deadline: '1h' }] } },
        }),
        noGroups,
        none,
      );
      expect(issues).toEqual([
        {
          path: 'policy.escalation.levels',
          message: expect.stringContaining('other than the requester ana@example.com'),
        },
      ]);
    },
  );

  test('given approval the request asked for itself and only the requester decides, then it is refused too', () => {
    const { issues } = tightenToFloor(
      request({
        policy: {
          approval: 'required',
          escalation: { levels: [{ name: 'me', deciders: { actors: ['ana@example.com'] }, deadline: '1h' }] },
        },
      }),
      noGroups,
      none,
    );
    expect(issues.map((i) => i.path)).toEqual(['policy.escalation.levels']);
  });

  test("given the first level already names 20 groups, when the floor would add one, then it is refused naming that level's groups", () => {
    const groups = Array.from({ length: 20 }, (_, i) => `g${i}`);
    const { issues } = tightenToFloor(
      request({ policy: { escalation: { levels: [{ name: 'many', deciders: { groups }, deadline: '1h' }] } } }),
      withBoard,
      none,
    );
    expect(issues).toEqual([
      { path: 'policy.escalation.levels.0.deciders.groups', message: expect.stringContaining('at most 20 groups') },
    ]);
  });

  test('given requests of every shape, when tightened, then the result is never weaker and the worker finds no violation in it', () => {
    const requests = [
      request(),
      request({ risk: 'medium' }),
      request({ risk: 'medium', policy: { approval: 'none' } }),
      request({ risk: 'high', policy: { escalation: board } }),
      request({ steps: [hookStep], policy: { onStepFailure: 'ask', escalation: board } }),
      request({ steps: [leadStep, docStep, crmStep] }),
      request({ policy: { approval: 'required', escalation: board } }),
    ];
    const floors = [
      withBoard,
      noGroups,
      floor(),
      floor({ approval: { leadData: { maxLeads: 0 } }, deciders: { groups: ['board'] } }),
    ];
    for (const f of floors) {
      for (const original of requests) {
        const { request: tightened, issues } = tightenToFloor(original, f, none);
        if (issues.length > 0) continue;
        expect(floorViolations(tightened, f, none)).toEqual([]);
        if (original.policy.approval === 'required') expect(tightened.policy.approval).toBe('required');
        original.policy.escalation?.levels.forEach((level, i) => {
          const after = tightened.policy.escalation!.levels[i]!;
          expect(after.deciders.actors).toEqual(level.deciders.actors);
          expect(after.deciders.groups).toEqual(expect.arrayContaining(level.deciders.groups));
          expect(after.deadline).toBe(level.deadline);
        });
        expect({ ...tightened, policy: undefined }).toEqual({ ...original, policy: undefined });
      }
    }
  });
});

describe('the policy floor: what the worker refuses (a request that reached it weaker than its floor)', () => {
  const workerFloor = floor({
    approval: { risks: ['medium'], leadData: { maxLeads: 10 } },
    deciders: { groups: ['change-board'] },
  });

  test.each<[string, ChangeRequest, FloorFacts, string[]]>([
    [
      'risk medium without approval',
      request({
        risk: 'medium',
        policy: {
          approval: 'none',
          escalation: { levels: [{ name: 'x', deciders: { groups: ['change-board'] }, deadline: '1h' }] },
        },
      }),
      none,
      ['policy.approval'],
    ],
    ["no escalation at all (the floor's groups missing)", request(), none, ['policy.escalation']],
    [
      "a first level without the floor's group",
      request({ policy: { escalation: board } }),
      none,
      ['policy.escalation.levels.0.deciders.groups'],
    ],
    [
      "the floor's group only at a later level",
      request({
        policy: {
          escalation: {
            levels: [board.levels[0]!, { name: 'later', deciders: { groups: ['change-board'] }, deadline: '1h' }],
          },
        },
      }),
      none,
      ['policy.escalation.levels.0.deciders.groups'],
    ],
    [
      'a lead batch over the maximum without approval',
      request({
        steps: [leadStep],
        policy: { escalation: { levels: [{ name: 'x', deciders: { groups: ['change-board'] }, deadline: '1h' }] } },
      }),
      counted({ requalify: 11 }),
      ['policy.approval'],
    ],
  ])('given %s, then the worker names the violated field', (_what, req, facts, paths) => {
    expect(floorViolations(req, workerFloor, facts).map((v) => v.path)).toEqual(paths);
  });

  test('given a request tightened by the client, then the worker has nothing to refuse and lists the rules that applied', () => {
    const { request: tightened } = tightenToFloor(
      request({ risk: 'medium', steps: [leadStep] }),
      workerFloor,
      counted({ requalify: 11 }),
    );
    expect(floorViolations(tightened, workerFloor, counted({ requalify: 11 }))).toEqual([]);
    expect(floorRules(tightened, workerFloor, counted({ requalify: 11 }))).toEqual([
      'approval required: risk medium (approval.risks)',
      'approval required: step requalify selects more than 10 lead(s) (approval.leadData.maxLeads)',
      'deciders: group change-board decide from the first escalation level on (deciders.groups)',
      'break-glass: group admin may decide at every level and roll back (breakGlass.groups)',
    ]);
  });
});
