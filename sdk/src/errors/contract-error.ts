import { CORPUS_ERRORS, type CorpusErrorArgs, type CorpusErrorName } from "../generated/errors";
import { CorpusError } from "./sdk-errors";

export type { CorpusErrorArgs, CorpusErrorName };

/**
 * A Corpus contract reverted with one of its custom errors. `errorName` and `args` are typed together:
 * after `if (e.errorName === "TasksInvalidReward")` (or {@link isCorpusContractError}) `e.args.max` is a bigint.
 */
export class CorpusContractError<Name extends CorpusErrorName = CorpusErrorName> extends CorpusError {
  readonly code = "CONTRACT_REVERT";
  /** The custom error's name, e.g. `TasksInvalidReward`. */
  readonly errorName: Name;
  /** Its decoded arguments by parameter name. */
  readonly args: CorpusErrorArgs[Name];
  /** What the error means, from the contract's NatSpec. */
  readonly description: string;
  /** The contracts that declare it. */
  readonly contracts: readonly string[];
  /** The raw revert data. */
  readonly data: string;

  constructor(errorName: Name, args: CorpusErrorArgs[Name], data: string, options?: { cause?: unknown }) {
    const entry = CORPUS_ERRORS[errorName];
    super(`${errorName}: ${entry.message}${formatArgs(args as Record<string, unknown>)}`, options);
    this.errorName = errorName;
    this.args = args;
    this.description = entry.message;
    this.contracts = entry.contracts;
    this.data = data;
  }
}

/** Any Corpus contract error, as a union discriminated by `errorName`. */
export type AnyCorpusContractError = { [Name in CorpusErrorName]: CorpusContractError<Name> }[CorpusErrorName];

/** Narrows `error` to the contract error `name` (or to any contract error when `name` is omitted). */
export function isCorpusContractError<Name extends CorpusErrorName>(
  error: unknown,
  name?: Name,
): error is CorpusContractError<Name> {
  return error instanceof CorpusContractError && (name === undefined || error.errorName === name);
}

function formatArgs(args: Record<string, unknown>): string {
  const entries = Object.entries(args);
  if (entries.length === 0) return "";
  return ` (${entries.map(([key, value]) => `${key}: ${formatValue(value)}`).join(", ")})`;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(", ")} }`;
  }
  return String(value);
}
