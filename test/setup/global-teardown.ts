import { stopServices } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.leadRollbackServices) await stopServices(globalThis.leadRollbackServices);
}
