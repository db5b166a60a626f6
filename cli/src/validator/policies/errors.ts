/** Errors of review policies: a broken configuration (found at start) or a policy that gave no verdict. */

/** A policy's configuration is wrong: an unknown name, a module without a factory, bad options. */
export class PolicyConfigError extends Error {
  readonly code = "POLICY_CONFIG";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicyConfigError";
  }
}

/** The task's spec does not let the policy judge (no schema, a schema that does not compile or match its hash). */
export class PolicySpecError extends Error {
  readonly code = "POLICY_SPEC";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicySpecError";
  }
}

/** The policy did not answer within its time limit. */
export class PolicyTimeoutError extends Error {
  readonly code = "POLICY_TIMEOUT";
  constructor(
    readonly policy: string,
    readonly timeoutMs: number,
  ) {
    super(`policy ${policy} gave no verdict within ${timeoutMs} ms`);
    this.name = "PolicyTimeoutError";
  }
}

/** The policy answered something that is not `{ accept: boolean, reason: string }`. */
export class PolicyMalformedVerdictError extends Error {
  readonly code = "POLICY_MALFORMED_VERDICT";
  constructor(readonly policy: string) {
    super(`policy ${policy} answered something that is not a verdict`);
    this.name = "PolicyMalformedVerdictError";
  }
}
