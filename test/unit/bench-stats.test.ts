import { percentile, ratio, summarize } from '../../bench/stats';

describe('benchmark statistics', () => {
  test('given ten samples in any order, when the median and p95 are taken, then they interpolate between neighbouring ranks', () => {
    const samples = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(samples, 50)).toBeCloseTo(5.5);
    expect(percentile(samples, 95)).toBeCloseTo(9.55);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
  });

  test('given one sample, when summarized, then every statistic is that sample', () => {
    expect(summarize([42])).toEqual({ n: 1, min: 42, max: 42, median: 42, p50: 42, p95: 42, mean: 42 });
  });

  test('given no samples, when summarized, then the statistics are NaN rather than zero', () => {
    const summary = summarize([]);
    expect(summary.n).toBe(0);
    expect(summary.median).toBeNaN();
  });

  test('given a percentile outside 0..100, when asked for, then it is refused', () => {
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
  });

  test('given a zero or missing denominator, when a ratio is taken, then it is NaN', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });

  test('given samples, when summarized, then the input order is left untouched', () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});
