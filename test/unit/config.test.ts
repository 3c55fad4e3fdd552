import { crmConnection, loadConfig, workflowUiUrl } from '../../src/config/index';
import { ValidationError } from '../../src/domain/validation';
import { loadApiConfig } from '../../src/config/api';

describe('configuration from the environment', () => {
  test('given an empty environment, when loaded, then local defaults apply', () => {
    expect(loadConfig({})).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'lead-rollback',
    });
  });

  test('given TEMPORAL_TLS=false, when loaded, then it is false (not the truthy string)', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).TEMPORAL_TLS).toBe(false);
  });

  test('given a malformed MONGODB_URI, when loaded, then the error names the variable', () => {
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x' })).toThrow(ValidationError);
    expect(() => loadConfig({ MONGODB_URI: 'postgres://x' })).toThrow(/MONGODB_URI/);
  });

  test('given a namespace with special characters, when linking to the UI, then it is URL-encoded', () => {
    const url = workflowUiUrl(
      { TEMPORAL_UI_URL: 'https://ui.example.com/', TEMPORAL_NAMESPACE: 'ops.prod' },
      'change-a b',
    );
    expect(url).toBe('https://ui.example.com/namespaces/ops.prod/workflows/change-a%20b');
  });

  test.each(['WEBHOOK_SECRETS', 'REHEARSAL_WEBHOOK_SECRETS', 'REHEARSAL_WEBHOOK_BASE_URL', 'NOTIFY_WEBHOOK_SECRETS'])(
    'given %s (replaced by partners), when loaded, then it is refused saying what replaces it, without printing its value',
    (name) => {
      const value = 'partner-a=0123456789abcdef-secret';
      expect(() => loadConfig({ [name]: value })).toThrow(
        new RegExp(`${name}: is no longer read: .*(WEBHOOK_PARTNERS|REHEARSAL_WEBHOOK_PARTNERS)`),
      );
      expect(() => loadConfig({ [name]: value })).not.toThrow(/0123456789abcdef/);
      // Compose files pass unset variables as "": that is not set.
      expect(() => loadConfig({ [name]: '' })).not.toThrow();
    },
  );

  test('given a CRM URL and token, when loaded, then the worker gets a CRM connection with the default timeout', () => {
    const config = loadConfig({ CRM_BASE_URL: 'https://api.hubapi.com', CRM_TOKEN: 'pat-na1-xyz' });
    expect(crmConnection(config)).toEqual({
      baseUrl: 'https://api.hubapi.com',
      token: 'pat-na1-xyz',
      timeoutMs: 10_000,
    });
    expect(crmConnection(loadConfig({}))).toBeUndefined();
  });

  test.each([
    [{ CRM_BASE_URL: 'ftp://crm.example.com' }, 'CRM_BASE_URL'],
    [{ CRM_BASE_URL: 'https://crm.example.com' }, 'CRM_TOKEN'],
    [{ CRM_TOKEN: 'pat-na1-xyz' }, 'CRM_BASE_URL'],
    [{ CRM_BASE_URL: 'https://crm.example.com', CRM_TOKEN: 't', CRM_TIMEOUT_MS: 'soon' }, 'CRM_TIMEOUT_MS'],
  ])('given %p, when loaded, then %s is named', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });

  test('given no METRICS_PORT, when loaded, then no metrics listener is configured; given one, it binds loopback by default', () => {
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' })).toMatchObject({ METRICS_HOST: '127.0.0.1', METRICS_PORT: 9464 });
  });

  test.each(['0', '70000', 'nine', '94.5'])(
    'given METRICS_PORT=%s, when loaded, then METRICS_PORT is named',
    (port) => {
      expect(() => loadConfig({ METRICS_PORT: port })).toThrow(/METRICS_PORT:/);
    },
  );

  test('given the API on the metrics port, when the API configuration is loaded, then METRICS_PORT is named: metrics have a listener of their own', () => {
    expect(() => loadApiConfig({ API_PORT: '3000', METRICS_PORT: '3000' })).toThrow(
      /METRICS_PORT: must differ from API_PORT/,
    );
    expect(loadApiConfig({ API_PORT: '3000', METRICS_PORT: '9465' }).METRICS_PORT).toBe(9465);
  });
});
