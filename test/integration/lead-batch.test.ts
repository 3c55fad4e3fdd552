import { describeLeadBatch } from '../helpers/lead-batch';

// 4 500 leads, 2 250 selected: three chunks of the adapter's 1 000, so every chunk boundary of
// apply, verify, restore and verify restore is crossed. 100 000 and more: `npm run test:scale`.
describeLeadBatch(4_500);
