import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TEST_BOUND_MS } from '../helpers/bounds';

// Real servers take real time, more of it on a busy machine: the bound is for hangs only.
jest.setTimeout(TEST_BOUND_MS);
// Expected activity failures are part of many tests, so worker logs stay at errors.
Runtime.install({ logger: new DefaultLogger('ERROR') });
