import { impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

/**
 * Runs `action` as the timelock, as if a proposal had passed (local networks only). Tests and benchmarks
 * use it to set up what governance would; the governor's own path is tested in test/governance.
 */
export async function asGovernance<T>(
  timelock: { getAddress(): Promise<string> },
  action: (signer: HardhatEthersSigner) => Promise<T>,
): Promise<T> {
  return asAccount(await timelock.getAddress(), action);
}

/**
 * Runs `action` as `address` (local networks only), contract or not: the bulk-staked validator agents
 * attest this way in tests and benchmarks.
 */
export async function asAccount<T>(address: string, action: (signer: HardhatEthersSigner) => Promise<T>): Promise<T> {
  await impersonateAccount(address);
  await setBalance(address, 10n ** 20n);
  try {
    return await action(await hre.ethers.getSigner(address));
  } finally {
    await stopImpersonatingAccount(address);
  }
}
