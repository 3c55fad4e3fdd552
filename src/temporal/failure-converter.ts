import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure converter used whenever payloads are encrypted: failure messages and stack traces move
 * into the failure's `encodedAttributes` payload, which the codec encrypts like any other payload
 * (by default Temporal keeps them as plain text in history, and an error message may quote a
 * lead field). Loaded by path (`failureConverterPath`), so it also runs inside the workflow
 * bundle: keep it free of Node built-ins. Type and retryability stay visible; they carry no data.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
