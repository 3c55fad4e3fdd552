import { countdown, formatDuration } from '../../src/cli/render';

describe('CLI live view', () => {
  test('given durations, when formatted, then hours, minutes and seconds read naturally', () => {
    expect([formatDuration(0), formatDuration(9_400), formatDuration(843_000), formatDuration(3_720_000)]).toEqual([
      '0s',
      '9s',
      '14m 03s',
      '1h 02m',
    ]);
  });

  test('given a deadline ahead, behind or absent, when counted down, then it says time left, overdue or held', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(countdown('2026-01-01T12:14:03Z', now)).toBe('14m 03s left (until 2026-01-01T12:14:03Z)');
    expect(countdown('2026-01-01T11:59:50Z', now)).toBe('overdue by 10s');
    expect(countdown(undefined, now)).toBe('no deadline (held)');
  });
});
