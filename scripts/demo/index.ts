/**
 * `npm run demo`: deploys Corpus on the in-process Hardhat network (no setup) and walks the marketplace
 * chapter by chapter, printing who did what, the balances, and the gas of every transaction.
 */
import hre from "hardhat";
import { deployCorpus } from "../../deploy/deploy-corpus";
import { namedAccounts } from "../lib/accounts";
import { Story } from "../lib/story";
import type { DemoContext } from "./context";
import { deployChapter } from "./chapters/01-deploy";
import { governanceChapter } from "./chapters/02-governance";
import { leavingChapter, stakingChapter } from "./chapters/03-staking";
import { tasksChapter } from "./chapters/04-tasks";
import { disputesChapter } from "./chapters/05-disputes";
import { dataChapter } from "./chapters/06-data";

const CHAPTERS: ((ctx: DemoContext) => Promise<void>)[] = [
  deployChapter,
  governanceChapter,
  stakingChapter,
  tasksChapter,
  leavingChapter,
  disputesChapter,
  dataChapter,
];

async function main() {
  console.log("# Corpus demo: an on-chain marketplace for AI training data");
  const ctx: DemoContext = {
    deployment: await deployCorpus(hre, { writeAddressBook: false }),
    accounts: await namedAccounts(),
    story: new Story(),
  };
  for (const chapter of CHAPTERS) await chapter(ctx);
  ctx.story.summary();
  console.log("\nThe reviews above were made by the demo's own accounts. To watch real validator daemons review");
  console.log("(`corpus validator run` against `npx hardhat node`), run: npm run demo:validators");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
