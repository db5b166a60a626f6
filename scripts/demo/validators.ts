/**
 * `npm run demo:validators`: the marketplace with real validator daemons doing the reviewing. Starts
 * `npx hardhat node`, deploys Corpus to it, and then acts as the users would: three operators import a key,
 * stake and start `corpus validator run`; a requester posts a task from a spec file with `corpus task post`;
 * two workers `corpus submit` their files. The daemons find their assignments, fetch and hash-check the work,
 * validate it against the spec's JSON Schema and attest; the demo prints what they logged, settles the
 * submissions and shows the operators' `corpus status`. Everything is stopped at the end.
 *
 * The demo is also the chain's clock: a local node mines only when asked, so it mines the blocks a panel's
 * seed waits for and moves time past the dispute window.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CorpusClient, SUBMISSION_STATUS } from "@corpus-protocol/sdk";
import { HDNodeWallet, JsonRpcProvider, formatEther } from "ethers";
import { deployCorpusTo, startHardhatNode } from "../../sdk/test/e2e/local-node";
import { DaemonProcess, eventually, operatorHome, runCli, runCliJson } from "../../cli/test/helpers/cli-process";

const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const DAY = 86_400;

const SPEC = {
  title: "Cats and dogs",
  instructions: "Label each of the 4 images as cat or dog.",
  schema: {
    type: "object",
    required: ["labels"],
    additionalProperties: false,
    properties: { labels: { type: "array", minItems: 4, maxItems: 4, items: { enum: ["cat", "dog"] } } },
  },
};

function say(text: string) {
  console.log(text);
}

async function main() {
  say("# Corpus with real validator daemons\n");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-demo-validators-"));
  const node = await startHardhatNode();
  const daemons: DaemonProcess[] = [];
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  try {
    say(`npx hardhat node is up at ${node.url}; deploying Corpus…`);
    const deployment = await deployCorpusTo(node);
    const deploymentFile = path.join(work, "31337.json");
    fs.writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
    const home = (i: number, validator?: Record<string, unknown>) =>
      operatorHome({ privateKey: keyOf(i), rpcUrl: node.url, deploymentFile, validator });
    const corpus = <T>(h: string, ...args: string[]) => runCliJson<T>(["--home", h, ...args]);

    say("\n## Three operators stake and start their daemons\n");
    const operators: { home: string; address: string }[] = [];
    for (const i of [2, 3, 4]) {
      const op = home(i, {
        pollIntervalMs: 500,
        confirmations: 0,
        metrics: { host: "127.0.0.1", port: 0 },
        fileRoots: [work], // the demo serves specs and work as local files
      });
      corpus(op.home, "stake", "50000");
      corpus(op.home, "register", `https://validator-${i}.example.org`);
      operators.push(op);
      const daemon = new DaemonProcess(op.home, i === 2 ? ["--keeper"] : []);
      daemons.push(daemon);
      await daemon.waitForLog((l) => l.msg === "validator started");
      say(`  ${op.address}: corpus stake 50000, corpus register, corpus validator run${i === 2 ? " --keeper" : ""}`);
    }

    say("\n## A requester posts a task from a spec file\n");
    const requester = home(5);
    const specFile = path.join(work, "spec.json");
    fs.writeFileSync(specFile, JSON.stringify(SPEC, null, 2));
    const posted = corpus<{ taskId: string }>(
      requester.home,
      ...["task", "post", specFile, "--reward", "100", "--slots", "2", "--deadline", "7d"],
      ...["--review-window", "1d", "--panel-size", "3", "--quorum", "2", "--kind", "labeling"],
    );
    say(`  task ${posted.taskId}: 2 slots of 100 CRP, reviewed by panels of 3 (spec served at file://${specFile})`);

    say("\n## Two workers submit\n");
    const submissions: { who: string; id: string }[] = [];
    for (const [i, labels, who] of [
      [6, ["cat", "dog", "dog", "cat"], "worker A (valid labels)"],
      [7, ["cat", "horse", "dog", "cat"], "worker B (a label outside the schema)"],
    ] as const) {
      const worker = home(i);
      const file = path.join(work, `labels-${i}.json`);
      fs.writeFileSync(file, JSON.stringify({ labels }));
      const { submissionId } = corpus<{ submissionId: string }>(worker.home, "submit", posted.taskId, file);
      submissions.push({ who, id: submissionId });
      say(`  ${who}: submission ${submissionId}`);
    }

    say("\n## The daemons review\n");
    await provider.send("hardhat_mine", ["0x3"]); // the blocks the panels' seeds wait for
    const client = await CorpusClient.connect(provider, { deployment });
    for (const s of submissions) {
      // Provisional, and every panel member has attested (the last one after the verdict).
      await eventually(`submission ${s.id} reviewed`, async () => {
        const sub = await client.tasks.getSubmission(BigInt(s.id));
        return sub.status === 3n && sub.voted === 0b111n ? true : undefined;
      });
    }
    for (const daemon of daemons) {
      for (const line of daemon.logs.filter((l) => l.msg === "verdict" || l.msg === "drawn")) {
        const what = line.msg === "drawn" ? "drew a panel" : `${line.accept ? "accept" : "reject"}: ${line.reason}`;
        say(`  ${operators[daemons.indexOf(daemon)]!.address.slice(0, 10)}… ${line.duty}: ${what}`);
      }
    }

    say("\n## Settled after the dispute window\n");
    await provider.send("evm_increaseTime", [2 * DAY + 1]);
    await provider.send("evm_mine", []);
    const settler = await CorpusClient.connect(await provider.getSigner(5), { deployment });
    for (const s of submissions) {
      await settler.tasks.finalize(BigInt(s.id));
      const sub = await client.tasks.getSubmission(BigInt(s.id));
      say(`  ${s.who}: ${SUBMISSION_STATUS[Number(sub.status)]}`);
    }
    const workerA = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/6").address;
    say(`  worker A can withdraw ${formatEther(await client.tasks.balanceOf(workerA))} CRP`);

    say("\n## An operator's view: corpus status, then corpus claim\n");
    const human = (h: string, ...args: string[]) => {
      const result = runCli(["--home", h, ...args]);
      if (result.status !== 0) throw new Error(`corpus ${args.join(" ")} failed: ${result.stderr}`);
      return result.stdout
        .trimEnd()
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n");
    };
    say(human(operators[0]!.home, "status"));
    say("");
    say(human(operators[0]!.home, "claim"));
  } finally {
    for (const daemon of daemons) await daemon.stop().catch(() => undefined);
    provider.destroy();
    await node.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  say("\nDaemons and node stopped.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
