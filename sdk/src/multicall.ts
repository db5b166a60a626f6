import type { BaseContract, BlockTag, Provider } from "ethers";
import { decodeRevert, toCorpusError } from "./errors/decode";
import { CorpusInputError } from "./errors/sdk-errors";
import type { CorpusContractError } from "./errors/contract-error";
import type { CorpusUnknownRevertError } from "./errors/sdk-errors";
import { connectContract } from "./internal/contracts";
import type { TypedContractMethod } from "./typechain/common";

/** One view call prepared for a batch: where, what, and how to decode the answer. */
export interface ReadCall<T> {
  readonly target: string;
  readonly callData: string;
  decode(returnData: string): T;
}

/** A batched call's outcome when failures are allowed: the value, or the typed error it reverted with. */
export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CorpusContractError | CorpusUnknownRevertError };

/* eslint-disable @typescript-eslint/no-explicit-any -- matching TypeChain's own generic signatures */
type ViewArgs<F> = F extends TypedContractMethod<infer A, infer _R, infer _S> ? A : never;
type ViewResult<F> = F extends TypedContractMethod<infer _A, infer R, infer _S> ? (R extends any[] ? R[0] : R) : never;
/** The view (and pure) functions of a TypeChain contract, by name. */
type ViewMethodName<C> = {
  [K in keyof C]: K extends string
    ? C[K] extends TypedContractMethod<infer _A, infer _R, infer S>
      ? S extends "view"
        ? K
        : never
      : never
    : never;
}[keyof C];
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Prepares `contract.method(...args)` for a {@link Multicall} batch, typed exactly as the TypeChain
 * method is: `readCall(tasks, "getTask", [7n])` decodes into the same `TaskView` `tasks.getTask(7n)` returns.
 */
export function readCall<C extends BaseContract, M extends ViewMethodName<C>>(
  contract: C,
  method: M,
  args: ViewArgs<C[M]>,
): ReadCall<ViewResult<C[M]>> {
  const fragment = contract.interface.getFunction(method);
  if (fragment === null) throw new TypeError(`${method} is not a function of the contract`);
  return {
    target: contract.target as string,
    callData: contract.interface.encodeFunctionData(fragment, args as unknown[]),
    decode(returnData) {
      const result = contract.interface.decodeFunctionResult(fragment, returnData);
      // The same unwrapping an ethers contract call does: one output is returned bare.
      return (result.length === 1 ? result[0] : result) as ViewResult<C[M]>;
    },
  };
}

export interface MulticallOptions {
  /** Calls per `eth_call` (default 250): bounds the gas and the response size of each request. */
  batchSize?: number;
  /** The block to read at; by default the latest, fixed once so that every chunk reads the same block. */
  blockTag?: BlockTag;
}

/** A batch size the client can use: a positive integer. */
export function requireBatchSize(batchSize: number, field = "batchSize"): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new CorpusInputError(field, "must be a positive integer", batchSize);
  }
}

/**
 * Reads many view calls in a few JSON-RPC requests through Multicall3's `aggregate3`: 500 tasks are two
 * `eth_call`s (plus one block-number request so that both read the same block), not 500.
 */
export class Multicall {
  constructor(
    private readonly provider: Provider,
    /** Multicall3 on this chain (its canonical address, or the one a local deployment recorded). */
    readonly address: string,
    private readonly defaultBatchSize = 250,
  ) {}

  /** Reads every call; throws the first failing call's decoded error. Results are in call order. */
  async readMany<T>(calls: readonly ReadCall<T>[], options: MulticallOptions = {}): Promise<T[]> {
    const settled = await this.trySettled(calls, options);
    return settled.map((s) => {
      if (!s.ok) throw s.error;
      return s.value;
    });
  }

  /** Reads every call, reporting each failure (decoded) in place instead of throwing. */
  async trySettled<T>(calls: readonly ReadCall<T>[], options: MulticallOptions = {}): Promise<Settled<T>[]> {
    if (calls.length === 0) return [];
    const batchSize = options.batchSize ?? this.defaultBatchSize;
    requireBatchSize(batchSize);
    const multicall = connectContract("Multicall3", this.address, this.provider);
    try {
      const blockTag =
        options.blockTag ?? (calls.length > batchSize ? await this.provider.getBlockNumber() : undefined);
      const chunks: ReadCall<T>[][] = [];
      for (let i = 0; i < calls.length; i += batchSize) chunks.push(calls.slice(i, i + batchSize));
      const answers = await Promise.all(
        chunks.map((chunk) =>
          multicall.aggregate3.staticCall(
            chunk.map((c) => ({ target: c.target, allowFailure: true, callData: c.callData })),
            { blockTag },
          ),
        ),
      );
      return answers.flat().map((answer, i): Settled<T> => {
        const call = calls[i]!;
        if (!answer.success) return { ok: false, error: decodeRevert(answer.returnData) };
        return { ok: true, value: call.decode(answer.returnData) };
      });
    } catch (error) {
      throw toCorpusError(error);
    }
  }
}
