import { loadApiConfig } from '../../src/config/api';
import { can, decidingGroups, tokenHash } from '../../src/auth/identity';
import { loadConfig } from '../../src/config/index';
import { ValidationError } from '../../src/domain/validation';

function issuesOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('identities and chat-ops configuration from the environment', () => {
  test('given API_TOKENS with a token and a token hash, when loaded, then both identities are found by hash and no raw token is kept', () => {
    const config = loadApiConfig({
      API_TOKENS: JSON.stringify([
        { token: 'a-long-enough-secret-token', actor: 'ci@example.com', roles: ['requester'] },
        {
          tokenSha256: tokenHash('another-secret-token-1'),
          actor: 'lead@example.com',
          roles: ['approver'],
          groups: ['oncall'],
        },
      ]),
    });
    expect(config.API_TOKENS.get(tokenHash('a-long-enough-secret-token'))).toEqual({
      actor: 'ci@example.com',
      roles: ['requester'],
      groups: [],
    });
    expect(config.API_TOKENS.get(tokenHash('another-secret-token-1'))).toMatchObject({ groups: ['oncall'] });
    expect(JSON.stringify([...config.API_TOKENS])).not.toContain('a-long-enough-secret-token');
  });

  test('given bad API_TOKENS entries, when loaded, then every bad field is named by position and no token value appears in the error', () => {
    const error = issuesOf(() =>
      loadApiConfig({
        API_TOKENS: JSON.stringify([
          { token: 'short-secret', actor: 'x@example.com', roles: ['boss'] },
          { actor: 'y@example.com', roles: ['admin'] },
        ]),
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'API_TOKENS.0.roles.0',
      'API_TOKENS.0.token',
      'API_TOKENS.1.token',
    ]);
    expect(error.message).not.toContain('short-secret');
    expect(issuesOf(() => loadApiConfig({ API_TOKENS: '{not json' })).issues).toEqual([
      { path: 'API_TOKENS', message: 'must be valid JSON' },
    ]);
  });

  test('given SLACK_USERS, when loaded, then Slack user ids map to identities; a malformed id is named', () => {
    const config = loadApiConfig({
      SLACK_USERS: JSON.stringify([
        { slackUserId: 'U012AB3CD', actor: 'ana@example.com', roles: ['approver'], groups: ['oncall'] },
      ]),
    });
    expect(config.SLACK_USERS.get('U012AB3CD')).toEqual({
      actor: 'ana@example.com',
      roles: ['approver'],
      groups: ['oncall'],
    });
    expect(
      issuesOf(() =>
        loadApiConfig({ SLACK_USERS: JSON.stringify([{ slackUserId: 'ana', actor: 'a', roles: ['approver'] }]) }),
      ).issues[0]!.path,
    ).toBe('SLACK_USERS.0.slackUserId');
  });

  test('given roles, then requesters start, approvers decide, admins do both and start on behalf of others', () => {
    const as = (roles: ('requester' | 'approver' | 'admin')[]) => ({ actor: 'a', roles, groups: [] });
    expect([
      can(as(['requester']), 'start'),
      can(as(['requester']), 'decide'),
      can(as(['requester']), 'rollback'),
    ]).toEqual([true, false, true]);
    expect([
      can(as(['approver']), 'start'),
      can(as(['approver']), 'decide'),
      can(as(['approver']), 'startOnBehalf'),
    ]).toEqual([false, true, false]);
    expect([can(as(['admin']), 'start'), can(as(['admin']), 'decide'), can(as(['admin']), 'startOnBehalf')]).toEqual([
      true,
      true,
      true,
    ]);
  });

  test('given notification channels, when loaded, then names map to URLs; a bad URL or one with a credential in its query is named without its value', () => {
    const config = loadConfig({
      SLACK_WEBHOOKS: '#ops=https://hooks.slack.com/services/T/B/x, oncall=http://127.0.0.1:9/hook',
      NOTIFY_WEBHOOK_URLS: 'audit=https://example.com/h',
    });
    expect([...config.SLACK_WEBHOOKS.keys()]).toEqual(['#ops', 'oncall']);
    expect(config.NOTIFY_WEBHOOK_URLS.get('audit')).toBe('https://example.com/h');
    const error = issuesOf(() =>
      loadConfig({
        SLACK_WEBHOOKS: '#ops=ftp://secret-token-in-url',
        NOTIFY_WEBHOOK_URLS: 'audit=https://example.com/h?access_token=secret-token-in-query',
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(['NOTIFY_WEBHOOK_URLS.0', 'SLACK_WEBHOOKS.0']);
    expect(error.message).not.toMatch(/secret-token-in-url|secret-token-in-query/);
  });

  test("given an admin token, then it decides with the group admin (the floor's default break-glass group), listed or not", () => {
    expect(decidingGroups({ actor: 'root@example.com', roles: ['admin'], groups: ['sre'] })).toEqual(['sre', 'admin']);
    expect(decidingGroups({ actor: 'root@example.com', roles: ['admin'], groups: ['admin'] })).toEqual(['admin']);
    expect(decidingGroups({ actor: 'ana@example.com', roles: ['requester', 'approver'], groups: ['oncall'] })).toEqual([
      'oncall',
    ]);
  });
});
