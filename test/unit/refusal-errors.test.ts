import { ChangeClosedError, NotAllowedError, refusalError, RequestRefusedError } from '../../src/client/errors';
import { ErrorType, refusalTypes } from '../../src/domain/errors';

describe('the client maps refusal types to its errors (never the sentence)', () => {
  test('given each refusal type, when mapped, then the error is the one its interfaces answer 403 / 409 with', () => {
    const names = Object.fromEntries(refusalTypes.map((type) => [type, refusalError('c1', type, 'because').name]));
    expect(names).toEqual({
      [ErrorType.NotAllowed]: 'NotAllowedError',
      [ErrorType.ChangeClosed]: 'ChangeClosedError',
      [ErrorType.UnknownQuestion]: 'RequestRefusedError',
      [ErrorType.WrongState]: 'RequestRefusedError',
      [ErrorType.AlreadyApproved]: 'RequestRefusedError',
      [ErrorType.IncompleteDecision]: 'RequestRefusedError',
      [ErrorType.RollbackAlreadyRequested]: 'RequestRefusedError',
    });
  });

  test('given a sentence that reads like "not allowed" but no type, when mapped, then it is a plain refusal', () => {
    const err = refusalError('c1', undefined, 'x may not decide at escalation level 0');
    expect(err).toBeInstanceOf(RequestRefusedError);
    expect(err).not.toBeInstanceOf(NotAllowedError);
  });

  test('given the typed errors, then they carry the change and the reason', () => {
    expect(refusalError('c1', ErrorType.NotAllowed, 'no')).toMatchObject({ changeId: 'c1', reason: 'no' });
    expect(refusalError('c1', ErrorType.ChangeClosed, 'done')).toBeInstanceOf(ChangeClosedError);
  });
});
