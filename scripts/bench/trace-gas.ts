/**
 * `npx hardhat run scripts/bench/trace-gas.ts`: where the gas of one registry transaction goes, by opcode and
 * by storage slot (SSTORE/SLOAD), from a debug trace. A tool for optimizing, not part of the gate.
 */
import hre from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { id } from "ethers";
import { asAccount } from "../lib/impersonate";
import { bulkStake, useFixedRandomness } from "../lib/staking-setup";
import { deployCorpus } from "../../deploy/deploy-corpus";
import { namedAccounts } from "../lib/accounts";
import { defaultTaskParams, escrowOf } from "../lib/tasks-setup";

interface StructLog {
  op: string;
  gasCost: number;
  depth: number;
  stack?: string[];
}

async function summarize(label: string, hash: string) {
  const trace = (await hre.network.provider.send("debug_traceTransaction", [hash, { disableMemory: true }])) as {
    gas: number;
    structLogs: StructLog[];
  };
  const byOp = new Map<string, number>();
  for (const log of trace.structLogs) {
    // CALL-family costs include the gas forwarded; count only what the callee does not itself report.
    const cost = ["CALL", "STATICCALL", "DELEGATECALL"].includes(log.op) ? Math.min(log.gasCost, 2600) : log.gasCost;
    byOp.set(log.op, (byOp.get(log.op) ?? 0) + cost);
  }
  const receipt = await hre.ethers.provider.getTransactionReceipt(hash);
  console.log(`\n${label}: ${receipt?.gasUsed} gas (execution ${trace.gas})`);
  for (const [op, gas] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${op.padEnd(14)} ${gas}`);
}

async function main() {
  const d = await deployCorpus(hre, { writeAddressBook: false });
  const { alice, bob } = await namedAccounts();
  await bulkStake(d, 100, 10_000n * 10n ** 18n);
  await useFixedRandomness(d);
  const params = await defaultTaskParams(d);
  await d.token.connect(alice).approve(await d.tasks.getAddress(), 10n * (await escrowOf(d, params)));
  const first = await (await d.tasks.connect(alice).createTask(params)).wait();
  await summarize("createTask (first in token)", first!.hash);
  await time.increase(1);
  const second = await (await d.tasks.connect(alice).createTask(params)).wait();
  await summarize("createTask", second!.hash);
  await d.token.connect(bob).approve(await d.tasks.getAddress(), 10n ** 24n);
  for (const n of [1n, 2n]) {
    const sub = await (await d.tasks.connect(bob).submit(1n, id(`w${n}`), "ipfs://w")).wait();
    await summarize(`submit ${n}`, sub!.hash);
    await mine(1);
    const draw = await (await d.tasks.drawPanel(n)).wait();
    await summarize(`drawPanel ${n}`, draw!.hash);
    const { panel } = await d.tasks.getSubmission(n);
    for (const [seat, member] of panel.entries()) {
      await asAccount(member, async (signer) => {
        const tx = await (await d.tasks.connect(signer).attest(n, seat, true, id("ok"))).wait();
        if (seat === 1) await summarize(`attest reaching verdict ${n}`, tx!.hash);
      });
    }
    await time.increase(3 * 86_400);
    const fin = await (await d.tasks.finalize(n)).wait();
    await summarize(`finalize ${n}`, fin!.hash);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
