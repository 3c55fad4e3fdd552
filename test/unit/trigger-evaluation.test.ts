import { triggerSchema } from '../../src/domain/observation';
import { evaluateTrigger } from '../../src/workflows/trigger-evaluation';

const trigger = (comparison: object, minSamples = 10) =>
  triggerSchema.parse({
    name: 't',
    metric: { source: 'lead-events', name: 'acceptance-rate' },
    comparison,
    minSamples,
  });

describe('trigger evaluation', () => {
  test('given too few samples, when judged, then it is inconclusive even though the value breaches', () => {
    expect(evaluateTrigger(trigger({ kind: 'below', threshold: 0.5 }), { value: 0.1, samples: 3 }).verdict).toBe(
      'inconclusive',
    );
  });

  test('given no data, when judged, then it is inconclusive', () => {
    expect(evaluateTrigger(trigger({ kind: 'above', threshold: 0.5 }), { value: null, samples: 0 }).verdict).toBe(
      'inconclusive',
    );
  });

  test.each([
    [{ kind: 'above', threshold: 0.1 }, 0.2, 'breach'],
    [{ kind: 'above', threshold: 0.1 }, 0.1, 'healthy'],
    [{ kind: 'below', threshold: 0.6 }, 0.5, 'breach'],
    [{ kind: 'below', threshold: 0.6 }, 0.7, 'healthy'],
  ])('given %p and a value of %p with enough samples, when judged, then it is %p', (comparison, value, verdict) => {
    expect(evaluateTrigger(trigger(comparison), { value, samples: 100 }).verdict).toBe(verdict);
  });

  test('given a 20% decrease rule and a baseline of 0.8, when acceptance is 0.6, then it breaches; at 0.7 it does not', () => {
    const rule = trigger({ kind: 'decrease', by: 0.2 });
    expect(evaluateTrigger(rule, { value: 0.6, samples: 50 }, { value: 0.8, samples: 50 }).verdict).toBe('breach');
    expect(evaluateTrigger(rule, { value: 0.7, samples: 50 }, { value: 0.8, samples: 50 }).verdict).toBe('healthy');
  });

  test('given a relative rule and a baseline with too little traffic, when judged, then it is inconclusive', () => {
    expect(
      evaluateTrigger(trigger({ kind: 'increase', by: 0.5 }), { value: 0.9, samples: 50 }, { value: 0.1, samples: 2 })
        .verdict,
    ).toBe('inconclusive');
  });

  test('given a source that cannot count samples, when it has a value, then the value is judged', () => {
    expect(evaluateTrigger(trigger({ kind: 'above', threshold: 0.1 }), { value: 0.3, samples: null }).verdict).toBe(
      'breach',
    );
  });
});
