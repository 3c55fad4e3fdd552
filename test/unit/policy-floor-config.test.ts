import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { policyFloorOf } from '../../src/config/policy-floor';
import { loadConfig } from '../../src/config/index';
import { builtInFloor } from '../../src/domain/policy-floor';
import { ValidationError } from '../../src/domain/validation';

function issuesOf(env: NodeJS.ProcessEnv): { path: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('the operator policy floor from configuration', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floor-config-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('given neither POLICY_FLOOR nor POLICY_FLOOR_FILE, then the built-in floor applies: risk high only, admin breaks glass', () => {
    const loaded = policyFloorOf(loadConfig({}));
    expect(loaded).toBe(builtInFloor);
    expect(loaded.floor).toEqual({
      name: 'built-in',
      approval: { risks: [], targets: [] },
      deciders: { groups: [], deadline: '1h', notify: [] },
      breakGlass: { groups: ['admin'] },
    });
  });

  test('given POLICY_FLOOR as JSON, then it is parsed with defaults and named by its source', () => {
    const loaded = policyFloorOf(
      loadConfig({
        POLICY_FLOOR: JSON.stringify({
          name: 'prod',
          approval: { risks: ['medium', 'high'], targets: ['webhook'], leadData: { maxLeads: 500 } },
          deciders: { groups: ['change-board'] },
        }),
      }),
    );
    expect(loaded.source).toBe('POLICY_FLOOR');
    expect(loaded.floor).toMatchObject({
      name: 'prod',
      approval: { risks: ['medium', 'high'], targets: ['webhook'], leadData: { maxLeads: 500 } },
      deciders: { groups: ['change-board'], deadline: '1h' },
      breakGlass: { groups: ['admin'] },
    });
  });

  test('given POLICY_FLOOR_FILE as YAML, then the file is read once and named with its path', () => {
    const file = path.join(dir, 'floor.yaml');
    fs.writeFileSync(
      file,
      'name: yaml floor\napproval:\n  mongoDocument:\n    collections: [partner_settings]\n  crm:\n    actions: [delete-property]\nbreakGlass:\n  groups: [sre]\n',
    );
    const loaded = policyFloorOf(loadConfig({ POLICY_FLOOR_FILE: file }));
    expect(loaded.source).toBe(`POLICY_FLOOR_FILE ${file}`);
    expect(loaded.floor).toMatchObject({
      name: 'yaml floor',
      approval: { mongoDocument: { collections: ['partner_settings'] }, crm: { actions: ['delete-property'] } },
      breakGlass: { groups: ['sre'] },
    });
  });

  test('given an empty POLICY_FLOOR (a compose default), then it means unset', () => {
    expect(policyFloorOf(loadConfig({ POLICY_FLOOR: '', POLICY_FLOOR_FILE: '' }))).toBe(builtInFloor);
  });

  test.each([
    [
      'a risk that does not exist',
      { POLICY_FLOOR: '{"approval":{"risks":["extreme"]}}' },
      'POLICY_FLOOR.approval.risks.0',
    ],
    ['an unknown target kind', { POLICY_FLOOR: '{"approval":{"targets":["ftp"]}}' }, 'POLICY_FLOOR.approval.targets.0'],
    [
      'a negative lead maximum',
      { POLICY_FLOOR: '{"approval":{"leadData":{"maxLeads":-1}}}' },
      'POLICY_FLOOR.approval.leadData.maxLeads',
    ],
    [
      'a decider group with capitals',
      { POLICY_FLOOR: '{"deciders":{"groups":["Change Board"]}}' },
      'POLICY_FLOOR.deciders.groups.0',
    ],
    [
      'an unknown field (a typo would silently weaken the floor)',
      { POLICY_FLOOR: '{"aproval":{"risks":["medium"]}}' },
      'POLICY_FLOOR',
    ],
    ['JSON that does not parse', { POLICY_FLOOR: '{"approval":' }, 'POLICY_FLOOR'],
  ])('given %s, then loading fails naming the field', (_what, env, field) => {
    const issues = issuesOf(env);
    expect(issues.map((i) => i.path)).toContain(field);
  });

  test('given a file with a bad field, then the issue names the variable and the field inside the file', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ breakGlass: { groups: ['$admins'] } }));
    expect(issuesOf({ POLICY_FLOOR_FILE: file }).map((i) => i.path)).toEqual(['POLICY_FLOOR_FILE.breakGlass.groups.0']);
  });

  test('given a file that cannot be read, then the issue names POLICY_FLOOR_FILE', () => {
    expect(issuesOf({ POLICY_FLOOR_FILE: path.join(dir, 'missing.yaml') })).toEqual([
      { path: 'POLICY_FLOOR_FILE', message: expect.stringContaining('cannot read') },
    ]);
  });

  test('given both variables, then loading fails: a floor has one source', () => {
    const file = path.join(dir, 'both.json');
    fs.writeFileSync(file, '{}');
    expect(issuesOf({ POLICY_FLOOR: '{}', POLICY_FLOOR_FILE: file })).toEqual([
      { path: 'POLICY_FLOOR_FILE', message: expect.stringContaining('together with POLICY_FLOOR') },
    ]);
  });
});
