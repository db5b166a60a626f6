/**
 * The SDK's own errors: everything the SDK refuses before a transaction is sent, or fails to do, has a
 * named class with a machine-readable `code`, so callers branch on types instead of parsing messages.
 */

/** The base of every error the SDK throws. */
export abstract class CorpusError extends Error {
  /** A stable machine-readable code, the same for every instance of a class. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument failed validation; nothing was sent. `field` names it and `reason` says what is wrong. */
export class CorpusInputError extends CorpusError {
  readonly code = "INVALID_INPUT";

  constructor(
    readonly field: string,
    readonly reason: string,
    readonly value?: unknown,
  ) {
    super(`Invalid ${field}: ${reason}${value === undefined ? "" : ` (got ${String(value)})`}`);
  }
}

/** The operation sends a transaction, but the client was created from a provider without a signer. */
export class CorpusSignerRequiredError extends CorpusError {
  readonly code = "SIGNER_REQUIRED";

  constructor(readonly operation: string) {
    super(`${operation} sends a transaction: create the client from a Signer, not a Provider`);
  }
}

/** No deployment is known for the chain and no addresses were given. */
export class CorpusUnknownChainError extends CorpusError {
  readonly code = "UNKNOWN_CHAIN";

  constructor(
    readonly chainId: bigint,
    readonly knownChainIds: readonly number[],
  ) {
    super(
      `No Corpus deployment is recorded for chain ${chainId} (known: ${knownChainIds.join(", ") || "none"}); ` +
        `pass { deployment } or { addresses } to CorpusClient.connect`,
    );
  }
}

/** A transaction was mined but did not emit the event the flow reads its result from. */
export class CorpusEventNotFoundError extends CorpusError {
  readonly code = "EVENT_NOT_FOUND";

  constructor(
    readonly eventName: string,
    readonly transactionHash: string,
  ) {
    super(`Transaction ${transactionHash} emitted no ${eventName} event`);
  }
}

/** A dispute vote cannot be revealed because its salt is not in the salt store. */
export class CorpusSaltNotFoundError extends CorpusError {
  readonly code = "SALT_NOT_FOUND";

  constructor(readonly key: string) {
    super(`No salt stored for ${key}: the vote cannot be revealed without the salt it was committed with`);
  }
}

/** A signed data-access request was refused; `reason` says why. */
export class CorpusAccessDeniedError extends CorpusError {
  readonly code = "ACCESS_DENIED";

  constructor(
    readonly reason: "bad-signature" | "wrong-audience" | "expired" | "expiry-too-far" | "replayed" | "no-licence",
    detail: string,
  ) {
    super(`Access denied (${reason}): ${detail}`);
  }
}

/** The JSON-RPC node or the wallet failed (network, timeout, rejected signature…); `cause` is the original. */
export class CorpusRpcError extends CorpusError {
  readonly code = "RPC_ERROR";

  constructor(
    message: string,
    readonly rpcCode: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** A call reverted with data no Corpus contract declares (another token's error, a panic, `Error(string)`). */
export class CorpusUnknownRevertError extends CorpusError {
  readonly code = "UNKNOWN_REVERT";

  constructor(
    /** The raw revert data, `0x` when the revert carried none. */
    readonly data: string,
    /** The decoded reason of an `Error(string)` or `Panic(uint256)` revert, if that is what it was. */
    readonly reason: string | undefined,
    options: { cause: unknown },
  ) {
    super(
      reason !== undefined
        ? `Reverted: ${reason}`
        : `Reverted with ${data === "0x" ? "no data" : `undeclared data ${data.slice(0, 74)}`}`,
      options,
    );
  }
}
