import { decodeDecisionAction, encodeDecisionAction } from '../../src/slack/action-value';
import { parseCommand } from '../../src/chatops/commands';

describe('slash command text and button values', () => {
  test('given each verb, when parsed, then the command carries the change, decision, comment, category and reason', () => {
    expect(parseCommand('status c-1', 'u')).toEqual({ kind: 'status', changeId: 'c-1' });
    expect(parseCommand('  approve   c-1  looks good ', 'u')).toEqual({
      kind: 'decide',
      changeId: 'c-1',
      decision: 'approve',
      comment: 'looks good',
    });
    expect(parseCommand('reject c-1', 'u')).toEqual({ kind: 'decide', changeId: 'c-1', decision: 'reject' });
    expect(parseCommand('decide c-1 resolved-manually put v3 back by hand', 'u')).toEqual({
      kind: 'decide',
      changeId: 'c-1',
      decision: 'resolved-manually',
      comment: 'put v3 back by hand',
    });
    expect(parseCommand('rollback c-1 compliance consent missing', 'u')).toEqual({
      kind: 'rollback',
      changeId: 'c-1',
      category: 'compliance',
      reason: 'consent missing',
    });
    expect(parseCommand('rollback c-1', 'ana@example.com')).toEqual({
      kind: 'rollback',
      changeId: 'c-1',
      category: 'errors',
      reason: 'requested from Slack by ana@example.com',
    });
    expect(parseCommand('', 'u')).toEqual({ kind: 'help' });
  });

  test('given unknown verbs, missing ids or unknown decisions, when parsed, then the answer says what is expected', () => {
    expect(parseCommand('approve', 'u')).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/needs a change id/),
    });
    expect(parseCommand('decide c-1 maybe', 'u')).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/approve, reject/),
    });
    expect(parseCommand('nuke c-1', 'u')).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/Unknown command/),
    });
  });

  test('given a button value, when decoded, then only a well-formed decision of ours comes back', () => {
    const value = encodeDecisionAction({ changeId: 'c-1', questionId: 'q-1', decision: 'rollback' });
    expect(decodeDecisionAction(value)).toEqual({ changeId: 'c-1', questionId: 'q-1', decision: 'rollback' });
    for (const bad of [
      undefined,
      '',
      'not json',
      '{"changeId":"C 1","questionId":"q","decision":"rollback"}',
      '{"changeId":"c-1","questionId":"q","decision":"nuke"}',
    ]) {
      expect(decodeDecisionAction(bad)).toBeUndefined();
    }
  });
});
