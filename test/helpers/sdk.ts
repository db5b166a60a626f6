import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { Provider, Signer } from "ethers";
import { CorpusClient, type CorpusClientOptions } from "../../sdk/src";
import { fundFromTreasury } from "../../scripts/lib/staking-setup";
import { CRP, deployCorpusFixture } from "./fixtures";
import { MIN_STAKE, stakeAs } from "./staking";

/**
 * The deployment as `deploy/` makes it (real arbitrator, Multicall3 recorded in the address book), with
 * nine EOA validators staked (accounts #11–#19, 5 × the minimum stake each, so juries of 5 can be drawn
 * around a task's parties and panel), alice to heidi holding their 10M CRP allocation, and a client factory.
 * alice is the usual requester, bob and carol workers.
 */
export async function sdkFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const signers = await hre.ethers.getSigners();
  const validators: HardhatEthersSigner[] = signers.slice(11, 20);
  if (validators.length !== 9) throw new Error("The SDK fixture needs Hardhat's 20 default accounts");
  await fundFromTreasury(
    c,
    validators.map((v) => v.address),
    10n * MIN_STAKE,
  );
  for (const v of validators) await stakeAs(c, v, 5n * MIN_STAKE);
  /** A client for `runner` on this deployment (any signer, or the provider for read-only). */
  const clientFor = (runner: Signer | Provider = hre.ethers.provider, options: CorpusClientOptions = {}) =>
    CorpusClient.connect(runner, { deployment: c.addressBook, ...options });
  /** The signer of a validator address (panels and juries name addresses). */
  const validatorSigner = (address: string) => {
    const found = validators.find((v) => v.address.toLowerCase() === address.toLowerCase());
    if (found === undefined) throw new Error(`${address} is not one of the fixture's validators`);
    return found;
  };
  return { ...c, validators, clientFor, validatorSigner, CRP };
}

export type SdkFixture = Awaited<ReturnType<typeof sdkFixture>>;
