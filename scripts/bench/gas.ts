/**
 * `npm run bench:gas`: runs every user operation on a fresh deployment, writes gas-report.json (operation →
 * gas used) and gas-report.md, and compares against the committed gas-snapshot.json. More than 2% worse on
 * any operation, or an operation added or removed without updating the snapshot, fails.
 * `npm run bench:gas:update` rewrites the snapshot (commit it with the change that moved the figures).
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { deployCorpus } from "../../deploy/deploy-corpus";
import { namedAccounts } from "../lib/accounts";
import type { BenchContext } from "./bench-context";
import { REGRESSION_TOLERANCE, type GasFigures, changesTable, compareGas, failsGate } from "./compare";
import { GasMeter } from "./gas-meter";
import { benchData } from "./operations/data";
import { benchDisputes } from "./operations/disputes";
import { benchGovernance } from "./operations/governance";
import { benchDrawScaling, benchStaking } from "./operations/staking";
import { benchTaskPayouts, benchTasks } from "./operations/tasks";
import { benchToken } from "./operations/token";

const ROOT = path.join(__dirname, "..", "..");
const REPORT_JSON = path.join(ROOT, "gas-report.json");
const REPORT_MD = path.join(ROOT, "gas-report.md");
const SNAPSHOT = path.join(ROOT, "gas-snapshot.json");

/** Each group runs on a deployment of its own, so one group's state never moves another's figures. */
const GROUPS: ((ctx: BenchContext) => Promise<void>)[] = [
  benchToken,
  benchGovernance,
  benchStaking,
  benchDrawScaling,
  benchTasks,
  benchTaskPayouts,
  benchDisputes,
  benchData,
];

async function main() {
  if (hre.network.name !== "hardhat") throw new Error("The gas benchmark runs on the in-process network only.");
  const meter = new GasMeter();
  for (const group of GROUPS) {
    await hre.network.provider.send("hardhat_reset");
    const deployment = await deployCorpus(hre, { writeAddressBook: false });
    await group({ meter, deployment, accounts: await namedAccounts() });
  }

  fs.writeFileSync(REPORT_JSON, `${JSON.stringify(meter.figures, null, 2)}\n`);
  const table = [
    "| operation | gas |",
    "| --- | ---: |",
    ...Object.entries(meter.figures).map(([k, v]) => `| ${k} | ${v} |`),
  ];
  fs.writeFileSync(REPORT_MD, ["# Gas report", "", ...table, "", ...meter.sections].join("\n") + "\n");
  console.log(table.join("\n"));
  for (const section of meter.sections) console.log(`\n${section}`);

  if (process.env.UPDATE_GAS_SNAPSHOT === "1") {
    fs.writeFileSync(SNAPSHOT, `${JSON.stringify(meter.figures, null, 2)}\n`);
    console.log(`\nSnapshot updated: ${path.relative(ROOT, SNAPSHOT)}`);
    return;
  }
  const snapshot: GasFigures = fs.existsSync(SNAPSHOT) ? JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) : {};
  const changes = compareGas(snapshot, meter.figures);
  console.log(`\nAgainst ${path.relative(ROOT, SNAPSHOT)}:\n${changesTable(changes)}`);
  if (failsGate(changes)) {
    console.error(
      `\nGas gate failed: an operation is more than ${REGRESSION_TOLERANCE * 100}% worse, or the set of operations ` +
        "changed. If the change is intended, run `npm run bench:gas:update` and commit gas-snapshot.json with it.",
    );
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
