// The one error type services throw for expected failures; the error handler turns it
// into the API envelope with the status its code maps to.
import { ERROR_STATUS, type ErrorCode, type ErrorBody } from '../contract/errors.ts';

export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorBody['details'];
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: ErrorBody['details'], headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
    this.headers = headers;
  }
}
