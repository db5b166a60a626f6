import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse, Log } from "ethers";
import { CorpusEventNotFoundError, CorpusRpcError } from "../errors/sdk-errors";
import { toCorpusError } from "../errors/decode";
import type { TypedContractEvent, TypedLogDescription } from "../typechain/common";

/** Runs a read, turning whatever it throws into a typed SDK error. */
export async function read<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toCorpusError(error);
  }
}

/**
 * Sends a transaction and waits for it to be mined. A revert at estimation or on-chain, and any RPC or
 * wallet failure, comes back as a typed SDK error; a mined transaction that reverted is one too.
 */
export async function transact(
  send: () => Promise<ContractTransactionResponse>,
  confirmations = 1,
): Promise<ContractTransactionReceipt> {
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await send()).wait(confirmations);
  } catch (error) {
    throw toCorpusError(error);
  }
  if (receipt === null) {
    throw new CorpusRpcError("The node returned no receipt for a mined transaction", undefined, { cause: null });
  }
  return receipt;
}

/** Every `event` that `contract` emitted in `receipt`, decoded and typed. */
export function eventsIn<TEvent extends TypedContractEvent>(
  receipt: { logs: readonly Log[] },
  contract: BaseContract,
  event: TEvent,
): TypedLogDescription<TEvent>[] {
  const address = (contract.target as string).toLowerCase();
  const topic = event.fragment.topicHash;
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address && log.topics[0] === topic)
    .map((log) => contract.interface.parseLog(log) as unknown as TypedLogDescription<TEvent>);
}

/** The first `event` of `contract` in `receipt`; a named error if the transaction did not emit it. */
export function eventIn<TEvent extends TypedContractEvent>(
  receipt: ContractTransactionReceipt,
  contract: BaseContract,
  event: TEvent,
): TypedLogDescription<TEvent> {
  const [first] = eventsIn(receipt, contract, event);
  if (first === undefined) throw new CorpusEventNotFoundError(event.fragment.name, receipt.hash);
  return first;
}
