import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { TransactionReceipt } from "ethers";
import type { CorpusClient } from "../../../sdk/src";
import { type SdkFixture, sdkFixture } from "../../helpers/sdk";
import { ProtocolModel } from "./protocol-model";
import type { StakeState } from "./staking-model";
import type { Cast, Parameters } from "./terms";

/**
 * The real system of the SDK model-based test: the deployment of {@link sdkFixture} driven only through
 * `CorpusClient`s, one per account of the cast, and the clock the model observes.
 */
export interface Real {
  f: SdkFixture;
  cast: Cast;
  /** A client per signer of the cast, by address (fresh salt stores each run). */
  clients: Map<string, CorpusClient>;
  /** A read-only client. */
  reader: CorpusClient;
  crp: string;
  addresses: { registry: string; disputes: string; data: string; staking: string };
}

/** The SDK fixture, plus the parameters and stakes the model starts from (read through the SDK). */
async function modelFixture() {
  const f = await sdkFixture();
  const reader = await f.clientFor();
  const c = reader.contracts;
  const [tasks, disputes, staking, data] = await Promise.all([
    c.CorpusTasks.parameters(),
    c.CorpusDisputes.parameters(),
    c.CorpusStaking.parameters(),
    c.CorpusData.parameters(),
  ]);
  const params: Parameters = {
    tasks: {
      protocolFeeBps: tasks.protocolFeeBps,
      validatorFeeBps: tasks.validatorFeeBps,
      reviewStake: tasks.reviewStake,
      livenessPenalty: tasks.livenessPenalty,
      disputeWindow: tasks.disputeWindow,
    },
    disputes: {
      feePerJuror: disputes.feePerJuror,
      jurySize: Number(disputes.jurySize),
      jurorLock: disputes.jurorLock,
      evidencePeriod: disputes.evidencePeriod,
      commitPeriod: disputes.commitPeriod,
      revealPeriod: disputes.revealPeriod,
      appealPeriod: disputes.appealPeriod,
      nonRevealSlashBps: disputes.nonRevealSlashBps,
      incoherentSlashBps: disputes.incoherentSlashBps,
    },
    staking: {
      minimumStake: staking.minimumStake,
      unbondingPeriod: staking.unbondingPeriod,
      slashRewardBps: staking.slashRewardBps,
    },
    data: { protocolFeeBps: data.protocolFeeBps },
  };
  const cast: Cast = {
    requester: f.alice.address,
    workers: [f.bob.address, f.carol.address],
    licensee: f.dave.address,
    validators: f.validators.map((v) => v.address),
    treasury: await f.timelock.getAddress(),
  };
  const stakes = new Map<string, StakeState>();
  for (const v of cast.validators) {
    const s = await reader.staking.status(v);
    stakes.set(v, { staked: s.staked, locked: s.locked, thawing: s.thawing, thawEnd: s.thawEnd });
  }
  return { f, params, cast, stakes };
}

/** Restores the deployed state and returns a fresh model and real system for one run. */
export async function startRun(): Promise<{ model: ProtocolModel; real: Real }> {
  const { f, params, cast, stakes } = await loadFixture(modelFixture);
  const clients = new Map<string, CorpusClient>();
  for (const signer of [f.alice, f.bob, f.carol, f.dave, ...f.validators]) {
    clients.set(signer.address, await f.clientFor(signer));
  }
  const reader = await f.clientFor();
  const real: Real = {
    f,
    cast,
    clients,
    reader,
    crp: reader.deployment.contracts.CorpusToken,
    addresses: {
      registry: await f.tasks.getAddress(),
      disputes: await f.disputes.getAddress(),
      data: await f.data.getAddress(),
      staking: await f.staking.getAddress(),
    },
  };
  const model = new ProtocolModel(params, cast, stakes);
  await observeClock(model, real);
  return { model, real };
}

export function clientOf(r: Real, account: string): CorpusClient {
  const client = r.clients.get(account);
  if (client === undefined) throw new Error(`no client for ${account}`);
  return client;
}

/** The timestamp of the block a transaction was mined in: the `block.timestamp` the contracts saw. */
export async function timeOf(r: Real, receipt: TransactionReceipt): Promise<bigint> {
  const block = await r.reader.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error(`block ${receipt.blockNumber} not found`);
  return BigInt(block.timestamp);
}

/** Records the latest block's timestamp and number in the model (the environment, not a prediction). */
export async function observeClock(m: ProtocolModel, r: Real) {
  const latest = await r.reader.provider.getBlock("latest");
  if (latest === null) throw new Error("no latest block");
  m.now = BigInt(latest.timestamp);
  m.block = latest.number;
}

/** An account's transaction count: "nothing was sent" means it did not move. */
export function nonceOf(account: string): Promise<number> {
  return hre.ethers.provider.getTransactionCount(account);
}

export function nameOf(r: Real, account: string): string {
  const c = r.cast;
  if (account === c.requester) return "alice";
  const worker = c.workers.indexOf(account);
  if (worker >= 0) return ["bob", "carol"][worker] ?? account;
  if (account === c.licensee) return "dave";
  if (account === c.treasury) return "treasury";
  const v = c.validators.indexOf(account);
  return v >= 0 ? `v${v}` : account;
}
