import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcSigner, parseUnits } from "ethers";
import {
  CorpusClient,
  type CorpusDeploymentRecord,
  MemoryNonceStore,
  hashJson,
  hashText,
  isCorpusContractError,
  verifyAccessRequest,
} from "../../src";
import { type LocalNode, deployCorpusTo, startAnvil, startHardhatNode } from "./local-node";

const CRP = 10n ** 18n;
const DAY = 86_400;

/** The account's mined nonce, asked of the node directly (ethers briefly caches identical requests). */
async function nonceOf(provider: JsonRpcProvider, address: string): Promise<number> {
  return Number(await provider.send("eth_getTransactionCount", [address, "latest"]));
}

/** Moves the node's clock forward and mines a block (both nodes speak these Hardhat-style methods). */
async function advance(provider: JsonRpcProvider, seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}

/**
 * The same marketplace scenario against each kind of node, through the SDK only (signers are the node's
 * unlocked default accounts, so permits and access requests are signed over JSON-RPC, as a wallet would):
 * validators stake with permits, a task is posted, reviewed and paid, its data is minted and licensed, a
 * licensee proves access to a data server, the worker claims its share, and reverts come back decoded.
 */
function scenario(kind: "hardhat" | "anvil", start: () => Promise<LocalNode>) {
  describe(`SDK end to end on ${kind === "hardhat" ? "npx hardhat node" : "anvil"}`, function () {
    let node: LocalNode;
    let provider: JsonRpcProvider;
    let deployment: CorpusDeploymentRecord;
    let signers: JsonRpcSigner[];
    const client = (i: number) => CorpusClient.connect(signers[i]!, { deployment });

    before(async function () {
      node = await start();
      deployment = await deployCorpusTo(node);
      provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
      signers = await Promise.all(Array.from({ length: 10 }, (_, i) => provider.getSigner(i)));
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
    });

    let taskId: bigint;
    let submissionId: bigint;

    it("stakes three validators with permits, one transaction each", async function () {
      for (const i of [4, 5, 6]) {
        const validator = await client(i);
        const nonce = await nonceOf(provider, signers[i]!.address);
        await validator.staking.stake(50_000n * CRP);
        expect(await nonceOf(provider, signers[i]!.address)).to.equal(nonce + 1);
        expect((await validator.staking.status(signers[i]!.address)).staked).to.equal(50_000n * CRP);
      }
    });

    it("posts a task, reviews the submission and pays the worker to the wei", async function () {
      const alice = await client(2);
      const latest = await provider.getBlock("latest");
      ({ taskId } = await alice.tasks.post({
        reward: parseUnits("100", 18),
        slots: 1,
        deadline: latest!.timestamp + 7 * DAY,
        reviewWindow: DAY,
        panelSize: 3,
        quorum: 2,
        kind: "labeling",
        specUri: "ipfs://spec.json",
        specHash: hashJson({ instructions: "label", labels: ["cat", "dog"] }),
      }));
      const bob = await client(3);
      ({ submissionId } = await bob.tasks.submit(taskId, { contentHash: hashText("labels"), uri: "ipfs://work" }));
      await provider.send("evm_mine", []);
      await bob.tasks.drawPanel(submissionId);
      const { panel } = await bob.tasks.getSubmission(submissionId);
      expect(panel).to.have.length(3);
      for (const member of panel) {
        const index = signers.findIndex((s) => s.address === member);
        await (await client(index)).tasks.attest(submissionId, true, "correct labels");
      }
      await advance(provider, 2 * DAY + 1);
      await bob.tasks.finalize(submissionId);
      const balance = await bob.token.balanceOf(signers[3]!.address);
      await bob.tasks.withdraw();
      expect((await bob.token.balanceOf(signers[3]!.address)) - balance).to.equal(100n * CRP);
    });

    it("batches reads and pages events", async function () {
      const reader = await CorpusClient.connect(provider, { deployment });
      const [viaMulticall] = await reader.tasks.getMany([taskId]);
      expect(viaMulticall).to.deep.equal(await reader.tasks.get(taskId));
      const tasks = reader.contracts.CorpusTasks;
      const created = await reader.queryEvents(tasks, tasks.filters.TaskCreated(), { pageSize: 3 });
      expect(created.map((e) => e.args.taskId)).to.deep.equal([taskId]);
    });

    it("mints the data, sells a licence by quote and verifies a signed access request", async function () {
      const alice = await client(2);
      const { tokenId } = await alice.data.mint({
        taskIds: [taskId],
        parents: [],
        contentHash: hashText("dataset v1"),
        metadataUri: "ipfs://dataset.json",
        contributorShareBps: 3_000n,
        parentShareBps: 0n,
        license: {
          token: deployment.contracts.CorpusToken,
          price: 1_000n * CRP,
          duration: BigInt(30 * DAY),
          termsHash: hashText("terms"),
          termsUri: "ipfs://terms",
        },
      });
      const lab = await client(7);
      const { price } = await lab.data.buyLicense(tokenId);
      expect(price).to.equal(1_000n * CRP);
      expect(await lab.data.hasLicense(tokenId, signers[7]!.address)).to.equal(true);

      // Request expiry is wall-clock time on both sides; the licence itself is checked on-chain.
      const signed = await lab.data.signAccessRequest(tokenId, "https://data.example");
      const access = await verifyAccessRequest(lab.contracts.CorpusData, await lab.data.accessDomain(), signed, {
        audience: "https://data.example",
        nonces: new MemoryNonceStore(),
      });
      expect(access.licensee).to.equal(signers[7]!.address);

      // bob is the only contributor: the contributors' 30% of the price is his (the 2.5% fee comes off
      // the owner's share).
      const bob = await client(3);
      const [owed] = await bob.data.claimable([tokenId], signers[3]!.address);
      expect(owed).to.equal(300n * CRP);
      const before = await bob.token.balanceOf(signers[3]!.address);
      const { amount } = await bob.data.claimAll([tokenId]);
      expect(amount).to.equal(owed);
      expect((await bob.token.balanceOf(signers[3]!.address)) - before).to.equal(owed);
    });

    it("decodes a revert from the node into the contract's typed error", async function () {
      const bob = await client(3);
      let caught: unknown;
      try {
        await bob.staking.withdraw();
      } catch (error) {
        caught = error;
      }
      expect(isCorpusContractError(caught, "StakingNothingThawing")).to.equal(true);
      if (isCorpusContractError(caught, "StakingNothingThawing")) {
        expect(Object.values(caught.args)).to.deep.equal([signers[3]!.address]);
      }
    });
  });
}

scenario("hardhat", startHardhatNode);
scenario("anvil", startAnvil);
