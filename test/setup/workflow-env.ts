import { TEST_BOUND_MS } from '../helpers/bounds';

// The bound is for hangs only (a first run also provisions the test server from PyPI).
jest.setTimeout(TEST_BOUND_MS);
