import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Signer, id, resolveAddress } from "ethers";
import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import { type LicenseOffer, NO_LICENSE } from "../../sdk/src";
import { type ICorpusData, IERC20__factory } from "../../sdk/src/typechain";
import { asAccount } from "./impersonate";
import { defaultTaskParams, drawPanelWhenReady, eventArg, postTask, submitWork } from "./tasks-setup";

const DAY = 86_400;

export type MintParams = ICorpusData.MintParamsStruct;
export type { LicenseOffer };
/** No licence offered yet (the SDK's constant: a mint's default; the owner offers one later). */
export { NO_LICENSE };

/**
 * Posts a task as `requester` and takes it to finished (local networks): each of `accepted` submits once
 * and is accepted by its panel, each of `rejected` submits once and is rejected, everything is finalized
 * after the dispute window, and the task, if any slot is left, is cancelled. Panels act by impersonation,
 * so any staked validators (bulk-staked contracts included) will do. Returns the task id.
 */
export async function finishedTask(
  d: CorpusDeployment,
  requester: Signer,
  accepted: Signer[],
  rejected: Signer[] = [],
): Promise<bigint> {
  // Every submission holds a slot while it is pending; the slots a rejection frees are cancelled below.
  const slots = BigInt(Math.max(accepted.length + rejected.length, 1));
  const taskId = await postTask(
    d,
    requester,
    await defaultTaskParams(d, { slots, deadline: BigInt(await time.latest()) + 30n * BigInt(DAY) }),
  );
  const reviews: [Signer, boolean][] = [
    ...accepted.map((w) => [w, true] as [Signer, boolean]),
    ...rejected.map((w) => [w, false] as [Signer, boolean]),
  ];
  const submissions: bigint[] = [];
  for (const [i, [worker, accept]] of reviews.entries()) {
    const submissionId = await submitWork(d, worker, taskId, `task-${taskId}-work-${i}.json`);
    const panel = await drawPanelWhenReady(d, submissionId);
    for (const [seat, member] of panel.entries()) {
      await asAccount(member, async (s) =>
        (await d.tasks.connect(s).attest(submissionId, seat, accept, id(accept ? "ok" : "junk"))).wait(),
      );
    }
    submissions.push(submissionId);
  }
  await time.increase(2 * DAY + 1);
  for (const submissionId of submissions) await (await d.tasks.finalize(submissionId)).wait();
  const task = await d.tasks.getTask(taskId);
  if (task.accepted < task.slots) await (await d.tasks.connect(requester).cancelTask(taskId)).wait();
  return taskId;
}

/**
 * Mint parameters for `taskIds` with the default shares (30% to contributors, no parents), no licence on
 * offer yet, and `overrides`.
 */
export function mintParams(taskIds: bigint[], overrides: Partial<MintParams> = {}): MintParams {
  return {
    taskIds,
    parents: [],
    contentHash: id(`dataset of tasks ${taskIds.join(",")}`),
    metadataUri: `ipfs://datasets/${taskIds.join("-")}.json`,
    contributorShareBps: 3_000n,
    parentShareBps: 0n,
    license: NO_LICENSE,
    ...overrides,
  };
}

/** Mints as `minter`; returns the new token id. */
export async function mintData(d: CorpusDeployment, minter: Signer, params: MintParams): Promise<bigint> {
  return dataTokenIdFrom(d, await (await d.data.connect(minter).mint(params)).wait());
}

/** The token id of the `DataMinted` event in `receipt`. */
export function dataTokenIdFrom(
  d: CorpusDeployment,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[] } | null,
): bigint {
  for (const log of receipt?.logs ?? []) {
    const parsed = d.data.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === "DataMinted") return parsed.args.getValue("tokenId") as bigint;
  }
  throw new Error("No DataMinted event in the receipt");
}

/** A licence offer in CRP: `price` for `days` days, with terms at a fixed URI. */
export async function crpOffer(d: CorpusDeployment, price: bigint, days = 30): Promise<LicenseOffer> {
  return {
    token: await d.token.getAddress(),
    price,
    duration: BigInt(days * DAY),
    termsHash: id("Corpus research licence v1"),
    termsUri: "ipfs://licences/research-v1.md",
  };
}

/** The quote a buyer sends for `tokenId`: the offer exactly as it reads it now, at its price. */
export async function quoteOf(d: CorpusDeployment, tokenId: bigint): Promise<ICorpusData.QuoteStruct> {
  const { license } = await d.data.getData(tokenId);
  return { token: license.token, maxPrice: license.price, duration: license.duration, termsHash: license.termsHash };
}

/** Approves exactly the price and buys the current offer of `tokenId` for `licensee` (default: the buyer). */
export async function buyLicense(d: CorpusDeployment, buyer: Signer, tokenId: bigint, licensee?: string) {
  const quote = await quoteOf(d, tokenId);
  const token = IERC20__factory.connect(await resolveAddress(quote.token), buyer);
  await (await token.approve(await d.data.getAddress(), quote.maxPrice)).wait();
  return d.data.connect(buyer).buyLicense(tokenId, licensee ?? (await buyer.getAddress()), quote);
}

export { eventArg };
