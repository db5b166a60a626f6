import hre from "hardhat";
import { deployCorpus, type CorpusDeployment } from "../../deploy/deploy-corpus";
import { loadParameters } from "../../deploy/parameters";

/** Named local accounts, in the order of Hardhat's default mnemonic (see deploy/parameters/31337.json). */
export async function namedAccounts() {
  const signers = await hre.ethers.getSigners();
  const at = (i: number) => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`Hardhat network has no account #${i}`);
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

/** The protocol as `deploy/` deploys it on a local chain, plus the accounts that use it. */
export async function deployCorpusFixture(): Promise<CorpusDeployment & Awaited<ReturnType<typeof namedAccounts>>> {
  const deployment = await deployCorpus(hre, { writeAddressBook: false });
  return { ...deployment, ...(await namedAccounts()) };
}

/** The local chain's deployment parameters, as the fixture used them. */
export function localParameters() {
  return loadParameters(31337);
}

/** One whole CRP in wei. */
export const CRP = 10n ** 18n;
export const DAY = 24 * 60 * 60;
