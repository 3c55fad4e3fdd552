/** Provisioning and dev-service progress goes to stderr so command output stays parseable. */
export function step(message: string): void {
  process.stderr.write(`[lead-rollback] ${message}\n`);
}
