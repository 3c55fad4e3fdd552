import { changeListQuery, listFilterSchema } from '../../src/client/change-query';
import { parseOrThrow, ValidationError } from '../../src/domain/validation';

const parse = (input: unknown) => parseOrThrow(listFilterSchema, input, 'list filter');

describe('visibility queries for listing changes', () => {
  test('given status, target and requester, when built, then each becomes a quoted clause on the project’s search attributes', () => {
    expect(
      changeListQuery(
        'lead-rollback',
        parse({ status: 'awaiting-decision', target: 'flow-config', requestedBy: 'ops@example.com' }),
      ),
    ).toBe(
      "WorkflowType IN ('changeWorkflow', 'rollbackLaterWorkflow') AND TaskQueue = 'lead-rollback' AND ChangeStatus = 'awaiting-decision' AND Targets = 'flow-config' AND RequestedBy = 'ops@example.com'",
    );
    expect(changeListQuery('q', parse({}))).toBe(
      "WorkflowType IN ('changeWorkflow', 'rollbackLaterWorkflow') AND TaskQueue = 'q'",
    );
  });

  test('given values that could break out of a quote, when parsed, then they are refused naming the field and never reach a query', () => {
    for (const requestedBy of ["x' OR '1'='1", 'a"b', 'back\\slash', 'tab\there']) {
      expect(() => parse({ requestedBy })).toThrow(ValidationError);
    }
    expect(() => parse({ status: "completed' OR 'x'='x" })).toThrow(/status/);
    expect(() => changeListQuery("queue'", parse({}))).toThrow(TypeError);
  });

  test('given a page size out of range and a token that is not base64, when parsed, then both fields are named', () => {
    try {
      parse({ pageSize: 1000, nextPageToken: 'not a token!' });
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.path).sort()).toEqual(['nextPageToken', 'pageSize']);
    }
  });
});
