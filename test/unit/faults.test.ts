import { FaultInjector, faultConfigSchema } from '../../tools/peers/faults';

describe('peer fault injection', () => {
  test('given the same seed, when two injectors decide for the same requests, then they inject the same faults', () => {
    const config = { seed: 42, error: 0.2, rateLimit: 0.1, slow: 0.05 };
    const a = new FaultInjector(config);
    const b = new FaultInjector(config);
    const run = (f: FaultInjector) => Array.from({ length: 200 }, () => f.decide('POST', '/x')?.kind ?? 'none');
    expect(run(a)).toEqual(run(b));
  });

  test('given 20% 5xx, 10% 429 and 5% slow, when 10 000 requests arrive, then the injected shares are close to the rates', () => {
    const faults = new FaultInjector({ seed: 7, error: 0.2, rateLimit: 0.1, slow: 0.05 });
    for (let i = 0; i < 10_000; i++) faults.decide('PATCH', '/crm/v3/objects/contacts/1');
    expect(faults.injected.error / 10_000).toBeCloseTo(0.2, 1);
    expect(faults.injected['rate-limit'] / 10_000).toBeCloseTo(0.1, 1);
    expect(faults.injected.slow / 10_000).toBeCloseTo(0.05, 1);
    expect(faults.injected.drop).toBe(0);
  });

  test('given scripted faults, when requests arrive, then matching ones are hit first, in order, as many times as asked', () => {
    const faults = new FaultInjector({
      script: [
        { fault: 'error', status: 502, count: 2, method: 'PATCH' },
        { fault: 'rate-limit', retryAfter: '3' },
      ],
    });
    expect(faults.decide('GET', '/a')).toEqual({ kind: 'rate-limit', status: 429, retryAfter: '3' });
    expect(faults.decide('PATCH', '/a')).toEqual({ kind: 'error', status: 502 });
    expect(faults.decide('PATCH', '/a')).toEqual({ kind: 'error', status: 502 });
    expect(faults.decide('PATCH', '/a')).toBeUndefined();
  });

  test('given rates that add up to more than 1, when configured, then the configuration is refused', () => {
    expect(faultConfigSchema.safeParse({ error: 0.6, rateLimit: 0.5 }).success).toBe(false);
  });

  test('given random faults limited to writes, when a read arrives, then it is never faulted', () => {
    const faults = new FaultInjector({ error: 1, methods: ['patch'] });
    expect(faults.decide('GET', '/x')).toBeUndefined();
    expect(faults.decide('PATCH', '/x')?.kind).toBe('error');
  });
});
