import { task } from "hardhat/config";

task(
  "corpus:deploy",
  "Deploy Corpus with deploy/parameters/<chainId>.json and write deployments/<chainId>.json",
).setAction(async (_args, hre) => {
  const { deployCorpus } = await import("../deploy/deploy-corpus");
  const { addressBook } = await deployCorpus(hre, { displayUi: true, writeAddressBook: true });
  console.log(JSON.stringify(addressBook, null, 2));
});
