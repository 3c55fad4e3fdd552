import { describeLeadBatch } from '../helpers/lead-batch';

/**
 * Correctness at scale, outside the default suite: how long it takes depends on the machine and
 * on the database (FerretDB on SQLite serialises writes), so it runs on its own through
 * `npm run test:scale`. `LEAD_SCALE_SIZES=100000,1000000` picks the sizes (default 100 000).
 */
// Hours at a million leads on FerretDB: the bound is for hangs only.
jest.setTimeout(4 * 60 * 60_000);

const sizes = (process.env.LEAD_SCALE_SIZES ?? '100000').split(',').map((size) => Number(size.trim()));
for (const size of sizes) {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`LEAD_SCALE_SIZES: "${size}" is not a positive whole number of leads`);
  describeLeadBatch(size);
}
