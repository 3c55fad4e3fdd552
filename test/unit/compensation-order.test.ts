import type { Step } from '../../src/domain/status';
import { compensationUnits } from '../../src/workflows/compensation';

const step = (id: string): Step =>
  ({
    id,
    target: 'flow-config',
    spec: { flowId: `flow-${id}`, patch: [{ op: 'replace', path: '/pricing/cap', value: 40 }] },
  }) as Step;
const registered = (...ids: string[]) => ids.map(step);
const order = (units: Step[][]) => units.map((unit) => unit.map((s) => s.id));

describe('compensation order: reverse registration, independent groups together at their latest step', () => {
  test('given no groups, when compensations are ordered, then each step is its own unit, last registered first', () => {
    expect(order(compensationUnits(registered('a', 'b', 'c', 'd'), []))).toEqual([['d'], ['c'], ['b'], ['a']]);
  });

  test('given nothing registered, when compensations are ordered, then there is nothing to run', () => {
    expect(compensationUnits([], [['a', 'b']])).toEqual([]);
  });

  test('given a group of two steps apart, when compensations are ordered, then the group runs together at the place of its later step', () => {
    expect(order(compensationUnits(registered('a', 'b', 'c', 'd'), [['a', 'c']]))).toEqual([['d'], ['c', 'a'], ['b']]);
  });

  test('given two groups, when compensations are ordered, then each is one unit and the steps outside them keep reverse order', () => {
    expect(
      order(
        compensationUnits(registered('a', 'b', 'c', 'd', 'e'), [
          ['a', 'b'],
          ['d', 'e'],
        ]),
      ),
    ).toEqual([['e', 'd'], ['c'], ['b', 'a']]);
  });

  test('given a group naming a step that was never registered (the change stopped before it), when ordered, then only registered steps are compensated', () => {
    expect(order(compensationUnits(registered('a', 'b'), [['b', 'c']]))).toEqual([['b'], ['a']]);
  });

  test('given one group of every step, when compensations are ordered, then one unit holds each step once, latest first', () => {
    const units = compensationUnits(registered('a', 'b', 'c'), [['a', 'b', 'c']]);
    expect(order(units)).toEqual([['c', 'b', 'a']]);
    expect(units.flat()).toHaveLength(3);
  });
});
