/** A failure the step reports as it is: a message for the job log, never a stack trace. */
export class ActionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
  }
}
