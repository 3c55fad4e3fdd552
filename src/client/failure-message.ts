/** The message of a workflow's deepest cause (an activity's ApplicationFailure under the ActivityFailure). */
export function innermostMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
