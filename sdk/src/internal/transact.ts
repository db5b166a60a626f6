import type { BaseContract, ContractTransaction, Log, TransactionReceipt } from "ethers";
import { type ClientContext, requireSigner } from "./context";
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

/** Headroom over the node's gas estimate: state can move between estimation and inclusion. */
const GAS_HEADROOM_PERCENT = 20n;

/**
 * Sends a transaction and waits for it to be mined. The transaction is estimated first, by the SDK and not
 * left to the wallet: a call the contract refuses comes back as its decoded error with nothing sent,
 * whatever the signer does by default. RPC and wallet failures, and a mined transaction that reverted
 * anyway, come back as typed SDK errors too.
 */
export async function transact(
  ctx: ClientContext,
  populate: () => Promise<ContractTransaction>,
): Promise<TransactionReceipt> {
  const signer = requireSigner(ctx, "sending a transaction");
  let receipt: TransactionReceipt | null;
  try {
    const request = await populate();
    const estimate = await signer.estimateGas(request);
    const response = await signer.sendTransaction({
      ...request,
      gasLimit: estimate + (estimate * GAS_HEADROOM_PERCENT) / 100n,
    });
    ctx.onTransactionSent?.(response.hash);
    receipt = await response.wait(ctx.confirmations);
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
  receipt: TransactionReceipt,
  contract: BaseContract,
  event: TEvent,
): TypedLogDescription<TEvent> {
  const [first] = eventsIn(receipt, contract, event);
  if (first === undefined) throw new CorpusEventNotFoundError(event.fragment.name, receipt.hash);
  return first;
}
