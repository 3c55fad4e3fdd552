import { readyWatcher } from '../../tools/chaos/worker-process';

/** The SDK's lines as a worker process writes them to stderr once it polls. */
const running = `2026-12-04T03:42:54.017Z [INFO] Worker state changed {
  sdkComponent: 'worker',
  taskQueue: 'test-e515df32-f1bb-49d3-ae65-f226e537a7c5',
  state: 'RUNNING'
}
`;
const after = `2026-12-04T03:42:54.018Z [WARN] No activities registered, not polling for activity tasks {
  sdkComponent: 'worker',
  taskQueue: 'test-e515df32-f1bb-49d3-ae65-f226e537a7c5'
}
2026-12-04T03:42:54.018Z [INFO] No Nexus services registered, not polling for Nexus tasks {
  sdkComponent: 'worker',
  taskQueue: 'test-e515df32-f1bb-49d3-ae65-f226e537a7c5'
}
`;

describe('worker readiness: the supervisor sees the RUNNING line however the output is chunked', () => {
  test('given the RUNNING line and the lines after it in one chunk (a loaded machine batches them), then it is seen', () => {
    const chunk = running + after;
    // More than the 400 characters the supervisor carries over follow the start of the line.
    expect(chunk.length - chunk.indexOf('Worker state changed')).toBeGreaterThan(400);
    expect(readyWatcher()(chunk)).toBe(true);
  });

  test('given the RUNNING line split over two chunks, then it is seen at the second', () => {
    const sawReady = readyWatcher();
    const cut = running.indexOf('state:');
    expect(sawReady(running.slice(0, cut))).toBe(false);
    expect(sawReady(running.slice(cut) + after)).toBe(true);
  });

  test('given a worker still starting (bundle output, other state changes), then it is not ready', () => {
    const sawReady = readyWatcher();
    expect(sawReady('webpack 5.113.0 compiled successfully in 1821 ms\n')).toBe(false);
    expect(sawReady(running.replace('RUNNING', 'STOPPING'))).toBe(false);
  });
});
