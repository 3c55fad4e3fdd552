import { DefaultLogger, Runtime } from '@temporalio/worker';

// Real servers take real time; expected activity failures are part of many tests, so worker logs stay at errors.
jest.setTimeout(120_000);
Runtime.install({ logger: new DefaultLogger('ERROR') });
