import { task } from "hardhat/config";

task(
  "corpus:deploy",
  "Deploy Corpus with deploy/parameters/<chainId>.json and write deployments/<chainId>.json",
).setAction(async (_args, hre) => {
  const { deployCorpus } = await import("../deploy/deploy-corpus");
  const { addressBook } = await deployCorpus(hre, { displayUi: true, writeAddressBook: true });
  // A public chain's book ships with the SDK: regenerate its address-book source.
  const { generateSdkSources } = await import("../scripts/sdk/generate-sources");
  await generateSdkSources(hre.artifacts, hre.config.paths.root);
  console.log(JSON.stringify(addressBook, null, 2));
});
