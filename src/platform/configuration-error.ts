// A platform that cannot start because of how it was set up (a missing or wrong secret
// key): the operator's to fix, so it is reported as such, never as a bug.
export class ConfigurationError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}
