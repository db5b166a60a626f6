import { expect } from "chai";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP } from "../helpers/fixtures";
import { sdkFixture } from "../helpers/sdk";
import { hashJson, hashText, isCorpusContractError } from "../../sdk/src";

describe("SDK smoke: a task from post to payment through the client", function () {
  it("posts with a permit, submits, attests by seat, finalizes and withdraws", async function () {
    const f = await loadFixture(sdkFixture);
    const requester = await f.clientFor(f.alice);
    const now = await time.latest();
    const { taskId, escrow } = await requester.tasks.post({
      reward: 100n * CRP,
      slots: 2,
      deadline: now + 7 * 86_400,
      reviewWindow: 86_400,
      panelSize: 3,
      quorum: 2,
      kind: "labeling",
      specUri: "ipfs://spec.json",
      specHash: hashJson({ labels: ["cat", "dog"] }),
    });
    expect(taskId).to.equal(1n);
    expect((await requester.tasks.get(taskId)).funds).to.equal(escrow);
    const worker = await f.clientFor(f.bob);
    const { submissionId } = await worker.tasks.submit(taskId, { contentHash: hashText("labels"), uri: "ipfs://w" });
    await mine(1);
    await worker.tasks.drawPanel(submissionId);
    const { panel } = await worker.tasks.getSubmission(submissionId);
    for (const member of panel) {
      const client = await f.clientFor(f.validatorSigner(member));
      await client.tasks.attest(submissionId, true, "looks right");
    }
    await time.increase(3 * 86_400);
    await worker.tasks.finalize(submissionId);
    const before = await f.token.balanceOf(f.bob.address);
    await worker.tasks.withdraw();
    expect((await f.token.balanceOf(f.bob.address)) - before).to.equal(100n * CRP);
  });
});

describe("SDK: onTransactionSent", function () {
  it("is told each transaction's hash once it is sent, before the receipt comes back", async function () {
    const f = await loadFixture(sdkFixture);
    const sent: string[] = [];
    const client = await f.clientFor(f.alice, { onTransactionSent: (hash) => sent.push(hash) });
    const first = await client.token.transfer(f.bob.address, 1n);
    const second = await client.token.transfer(f.carol.address, 2n);
    expect(sent).to.deep.equal([first.hash, second.hash]);
    await client.token.transfer(f.bob.address, 0n).catch(() => undefined); // refused before sending
    expect(sent).to.have.length(2);
  });
});

describe("SDK: renewing an expired panel seed", function () {
  it("drawPanel is refused with RandomnessExpired once the seed block is out of reach; renewPanelSeed asks again and the draw works", async function () {
    const f = await loadFixture(sdkFixture);
    const requester = await f.clientFor(f.alice);
    const { taskId } = await requester.tasks.post({
      reward: 10n * CRP,
      slots: 1,
      deadline: (await time.latest()) + 7 * 86_400,
      reviewWindow: 86_400,
      panelSize: 3,
      quorum: 2,
      kind: "labeling",
      specUri: "ipfs://spec.json",
      specHash: hashJson({ labels: ["cat"] }),
    });
    const worker = await f.clientFor(f.bob);
    const { submissionId } = await worker.tasks.submit(taskId, { contentHash: hashText("w"), uri: "ipfs://w" });
    await mine(300); // past the 256 blocks whose hashes the EVM keeps
    const error = await worker.tasks.drawPanel(submissionId).catch((e: unknown) => e);
    expect(isCorpusContractError(error, "RandomnessExpired"), String(error)).to.equal(true);
    await worker.tasks.renewPanelSeed(submissionId);
    await mine(1);
    await worker.tasks.drawPanel(submissionId);
    expect((await worker.tasks.getSubmission(submissionId)).panel).to.have.length(3);
  });
});
