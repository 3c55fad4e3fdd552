import { loadConfig, workflowUiUrl } from '../../src/config';
import { ValidationError } from '../../src/domain/validation';

describe('configuration from the environment', () => {
  test('given an empty environment, when loaded, then local defaults apply', () => {
    expect(loadConfig({})).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'lead-rollback' });
  });

  test('given TEMPORAL_TLS=false, when loaded, then it is false (not the truthy string)', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).TEMPORAL_TLS).toBe(false);
  });

  test('given a malformed MONGODB_URI, when loaded, then the error names the variable', () => {
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x' })).toThrow(ValidationError);
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x' })).toThrow(/MONGODB_URI/);
  });

  test('given a namespace with special characters, when linking to the UI, then it is URL-encoded', () => {
    const url = workflowUiUrl({ TEMPORAL_UI_URL: 'https://ui.example.com/', TEMPORAL_NAMESPACE: 'ops.prod' }, 'change-a b');
    expect(url).toBe('https://ui.example.com/namespaces/ops.prod/workflows/change-a%20b');
  });
});
