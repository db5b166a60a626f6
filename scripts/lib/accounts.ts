import hre from "hardhat";

/**
 * The local accounts by role, in the order of Hardhat's default mnemonic (the same order
 * deploy/parameters/31337.json allocates demo tokens in: alice to heidi hold 10,000,000 CRP each).
 */
export async function namedAccounts() {
  const signers = await hre.ethers.getSigners();
  const at = (i: number) => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`The network has no account #${i}`);
    return signer;
  };
  return {
    deployer: at(0),
    guardian: at(1),
    alice: at(2),
    bob: at(3),
    carol: at(4),
    dave: at(5),
    erin: at(6),
    frank: at(7),
    grace: at(8),
    heidi: at(9),
    stranger: at(10),
  };
}

export type NamedAccounts = Awaited<ReturnType<typeof namedAccounts>>;
