import path from 'node:path';

/** Project root, found from this file so commands work from any working directory. */
export const projectRoot = path.resolve(__dirname, '..', '..');

/** Git-ignored cache of provisioned tools; `LEAD_ROLLBACK_TOOLS_DIR` moves it (e.g. to share between clones). */
export const toolsDir = process.env.LEAD_ROLLBACK_TOOLS_DIR ?? path.join(projectRoot, '.tools');

/** Git-ignored scratch space for per-run artefacts (workflow bundles, server state). */
export const scratchDir = path.join(projectRoot, '.tmp');
