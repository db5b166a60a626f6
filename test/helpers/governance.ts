import { impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

/**
 * Runs `action` as the timelock, as if a proposal had passed. For tests of what governance may do; the
 * governor's own path (propose, vote, queue, execute) is tested in test/governance.
 */
export async function asGovernance<T>(
  timelock: { getAddress(): Promise<string> },
  action: (signer: HardhatEthersSigner) => Promise<T>,
): Promise<T> {
  const address = await timelock.getAddress();
  await impersonateAccount(address);
  await setBalance(address, 10n ** 20n);
  try {
    return await action(await hre.ethers.getSigner(address));
  } finally {
    await stopImpersonatingAccount(address);
  }
}
