/**
 * The CLI's named errors. Every failure the user sees is one of these or an SDK error (which the CLI reports
 * by its class and, for a revert, by the contract's own error name and arguments): a one-line cause and an
 * exit code that says which kind of failure it was.
 */
import { CorpusContractError, CorpusError, CorpusInputError, CorpusRpcError } from "@corpus-protocol/sdk";

/** Exit codes, stable for scripts. */
export const EXIT = {
  ok: 0,
  /** Anything not classified below. */
  failure: 1,
  /** Bad flags, config, file or field: nothing was sent. */
  usage: 2,
  /** A contract refused the call (decoded custom error): nothing was sent. */
  reverted: 3,
  /** The node could not be reached or failed. */
  rpc: 4,
  /** A keystore or its password. */
  account: 5,
} as const;

/** The base of the CLI's own errors. */
export abstract class CliError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag, environment variable, config file or input file is wrong; `source` names where it came from. */
export class CliConfigError extends CliError {
  readonly code = "INVALID_CONFIG";
  readonly exitCode = EXIT.usage;

  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/** No keystore could be chosen, or one could not be read or written. */
export class CliKeystoreError extends CliError {
  readonly code = "KEYSTORE";
  readonly exitCode = EXIT.account;
}

/** The keystore's password is wrong. */
export class CliWrongPasswordError extends CliError {
  readonly code = "WRONG_PASSWORD";
  readonly exitCode = EXIT.account;

  constructor(readonly keystore: string) {
    super(`Wrong password for keystore ${keystore}`);
  }
}

/** A password (or a private key) is needed and there is no terminal to ask on and no environment variable. */
export class CliSecretRequiredError extends CliError {
  readonly code = "SECRET_REQUIRED";
  readonly exitCode = EXIT.account;

  constructor(what: string, variable: string) {
    super(`${what} is needed: set ${variable} or run in a terminal to be prompted`);
  }
}

/** The node did not answer (refused, timed out, or not a JSON-RPC endpoint). */
export class CliRpcUnreachableError extends CliError {
  readonly code = "RPC_UNREACHABLE";
  readonly exitCode = EXIT.rpc;

  constructor(
    readonly rpcUrl: string,
    cause: unknown,
  ) {
    super(
      `The node at ${rpcUrl} did not answer (${firstLine(cause instanceof Error ? cause.message : String(cause))})`,
      {
        cause,
      },
    );
  }
}

/** What the CLI prints about a failure, and the exit code it leaves with. */
export interface FailureReport {
  name: string;
  code: string;
  message: string;
  exitCode: number;
  /** A contract error's decoded arguments. */
  args?: Record<string, unknown>;
}

/** Classifies any thrown value into a report (a decoded revert keeps its error name and arguments). */
export function describeFailure(error: unknown): FailureReport {
  if (error instanceof CliError) {
    return { name: error.name, code: error.code, message: error.message, exitCode: error.exitCode };
  }
  if (error instanceof CorpusContractError) {
    return {
      name: error.errorName,
      code: error.code,
      message: error.message,
      exitCode: EXIT.reverted,
      args: error.args as Record<string, unknown>,
    };
  }
  if (error instanceof CorpusInputError) {
    return { name: error.name, code: error.code, message: error.message, exitCode: EXIT.usage };
  }
  if (error instanceof CorpusRpcError) {
    return { name: error.name, code: error.code, message: firstLine(error.message), exitCode: EXIT.rpc };
  }
  if (error instanceof CorpusError) {
    return { name: error.name, code: error.code, message: error.message, exitCode: EXIT.failure };
  }
  // commander's own usage errors are reported by commander itself before they get here.
  const message = error instanceof Error ? error.message : String(error);
  return { name: "Error", code: "UNEXPECTED", message: firstLine(message), exitCode: EXIT.failure };
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
