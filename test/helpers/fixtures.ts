import hre from "hardhat";
import { deployCorpus, type CorpusDeployment } from "../../deploy/deploy-corpus";
import { loadParameters } from "../../deploy/parameters";
import { namedAccounts } from "../../scripts/lib/accounts";

export { namedAccounts };

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
