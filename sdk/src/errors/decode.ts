import { type ErrorFragment, Interface, type ParamType, type Result, isError } from "ethers";
import { CORPUS_ERRORS, type CorpusErrorArgs, type CorpusErrorName } from "../generated/errors";
import { CorpusContractError } from "./contract-error";
import { CorpusError, CorpusRpcError, CorpusUnknownRevertError } from "./sdk-errors";

/** One interface holding every custom error of every Corpus contract, built on first use. */
let errorsInterface: Interface | undefined;
function corpusErrors(): Interface {
  errorsInterface ??= new Interface(Object.values(CORPUS_ERRORS).map((e) => e.signature));
  return errorsInterface;
}

const ERROR_STRING_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";
/** Solidity's panic codes, so a panic says what happened. */
const PANIC_REASONS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialized function",
};

/**
 * Decodes revert data into the typed error it carries: a {@link CorpusContractError} for any custom error a
 * Corpus contract declares, otherwise a {@link CorpusUnknownRevertError} (with the reason of an
 * `Error(string)` or a panic when it is one of those).
 */
export function decodeRevert(data: string, cause?: unknown): CorpusContractError | CorpusUnknownRevertError {
  const hex = data.toLowerCase();
  if (hex.length >= 10) {
    const iface = corpusErrors();
    let fragment: ErrorFragment | null = null;
    try {
      fragment = iface.getError(hex.slice(0, 10));
    } catch {
      fragment = null;
    }
    if (fragment !== null) {
      try {
        const values = iface.decodeErrorResult(fragment, hex);
        const args = toNamedObject(fragment.inputs, values) as CorpusErrorArgs[CorpusErrorName];
        return new CorpusContractError(fragment.name as CorpusErrorName, args, data, { cause });
      } catch {
        // Data with a known selector that does not decode is not that error: fall through to unknown.
      }
    }
    const reason = standardReason(hex);
    if (reason !== undefined) return new CorpusUnknownRevertError(data, reason, { cause });
  }
  return new CorpusUnknownRevertError(data, undefined, { cause });
}

/** `Error(string)` and `Panic(uint256)` reasons in words. */
function standardReason(hex: string): string | undefined {
  const coder = Interface.from(["error Error(string)", "error Panic(uint256)"]);
  try {
    if (hex.startsWith(ERROR_STRING_SELECTOR)) return String(coder.decodeErrorResult("Error", hex)[0]);
    if (hex.startsWith(PANIC_SELECTOR)) {
      const code = Number(coder.decodeErrorResult("Panic", hex)[0]);
      return `panic 0x${code.toString(16).padStart(2, "0")} (${PANIC_REASONS[code] ?? "unknown panic"})`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** An ethers `Result` as plain values keyed by parameter name (tuples become objects, arrays arrays). */
function toNamedObject(params: readonly ParamType[], values: Result): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  params.forEach((param, i) => {
    out[param.name || `arg${i}`] = toPlain(param, values[i]);
  });
  return out;
}

function toPlain(param: ParamType, value: unknown): unknown {
  if (param.isArray()) return (value as Result).toArray().map((v) => toPlain(param.arrayChildren, v));
  if (param.isTuple()) return toNamedObject(param.components, value as Result);
  return value;
}

const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** Finds revert data in the error shapes ethers, Hardhat and wallets produce (bounded depth). */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || typeof error !== "object" || error === null) return undefined;
  const record = error as Record<string, unknown>;
  if (typeof record.data === "string" && HEX_DATA.test(record.data)) return record.data;
  for (const key of ["data", "error", "info", "cause", "revert"]) {
    const found = findRevertData(record[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether an RPC or wallet said the call or transaction reverted (with or without data). */
function isRevert(error: unknown): boolean {
  if (isError(error, "CALL_EXCEPTION")) return true;
  const message = error instanceof Error ? error.message : "";
  return /revert/i.test(message);
}

/**
 * Turns anything a call or transaction threw into a typed {@link CorpusError}: decoded contract errors,
 * unknown reverts, and RPC or wallet failures — never swallowed, the original is kept as `cause`.
 */
export function toCorpusError(error: unknown): CorpusError {
  if (error instanceof CorpusError) return error;
  const data = findRevertData(error);
  if (data !== undefined && (data !== "0x" || isRevert(error))) return decodeRevert(data, error);
  if (isRevert(error)) return new CorpusUnknownRevertError("0x", undefined, { cause: error });
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new CorpusRpcError(`RPC or wallet failure${code ? ` (${code})` : ""}: ${message}`, code, { cause: error });
}
