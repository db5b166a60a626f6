import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { ZeroAddress, ZeroHash, id } from "ethers";
import {
  CorpusContractError,
  type PostTaskInput,
  SUBMISSION_STATUS,
  TASK_KINDS,
  hashJson,
  hashText,
  isCorpusContractError,
} from "../../sdk/src";
import { BlockingToken__factory } from "../../sdk/src/typechain";
import { asGovernance } from "../../scripts/lib/impersonate";
import { STATUS, defaultTaskParams, drawPanelWhenReady, postTask, submitWork } from "../../scripts/lib/tasks-setup";
import { CRP, DAY } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import {
  estimatingWallet,
  expectContractError,
  expectInputError,
  nonceOf,
  onlyEvent,
  plain,
  rejectionOf,
} from "../helpers/sdk-assertions";
import { MIN_STAKE } from "../helpers/staking";

// Amounts with odd wei, so that an SDK rounding or recomputing an amount shows up to the wei.
const REWARD = 123n * CRP + 456_789n;
const SLOTS = 3n;
const BOND = 7n * CRP + 1n;

/** A task as the SDK takes it: every field set, amounts with odd wei. */
async function taskInput(overrides: Partial<PostTaskInput> = {}): Promise<PostTaskInput> {
  return {
    reward: REWARD,
    slots: Number(SLOTS),
    deadline: (await time.latest()) + 7 * DAY,
    reviewWindow: 2 * 3_600,
    panelSize: 3,
    quorum: 2,
    workerBond: BOND,
    kind: "ranking",
    specUri: "ipfs://bafy/spec.json",
    specHash: hashJson({ task: "rank answers", version: 2 }),
    ...overrides,
  };
}

/** CRP balance, allowance to `spender` and permit nonce of `account`. */
async function crpState(f: SdkFixture, account: string, spender: string) {
  const [balance, allowance, permitNonce] = await Promise.all([
    f.token.balanceOf(account),
    f.token.allowance(account, spender),
    f.token.nonces(account),
  ]);
  return { balance, allowance, permitNonce };
}

/** The `Approval(owner, spender)` values the token emitted from block `fromBlock` on. */
async function approvalsSince(f: SdkFixture, owner: string, spender: string, fromBlock: number): Promise<bigint[]> {
  const events = await f.token.queryFilter(f.token.filters.Approval(owner, spender), fromBlock, "latest");
  return events.map((e) => e.args.value);
}

/**
 * alice posts a default CRP task (bond `BOND`), bob submits and its 3-member panel is drawn, all through the
 * contracts directly (the flows under test are the SDK's).
 */
async function reviewingSubmission(f: SdkFixture) {
  const params = await defaultTaskParams(f, { reward: REWARD, slots: SLOTS, workerBond: BOND });
  const taskId = await postTask(f, f.alice, params);
  const submissionId = await submitWork(f, f.bob, taskId, "answers.json");
  const panel = await drawPanelWhenReady(f, submissionId);
  expect(panel).to.have.length(3);
  return { taskId, submissionId, panel };
}

describe("SDK flows: tasks, staking and token", function () {
  describe("tasks.post", function () {
    it("in CRP with a permit: one transaction, exactly escrowFor moved, no allowance left, every field stored", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const registry = await f.tasks.getAddress();
      const [expectedEscrow, validatorFee, protocolFee] = await f.tasks.escrowFor(REWARD, SLOTS);
      const [, , reviewStake] = await f.tasks.parameters();
      const before = await crpState(f, f.alice.address, registry);
      const registryBefore = await f.token.balanceOf(registry);
      const nonceBefore = await nonceOf(f.alice);

      const deadline = BigInt(await time.latest()) + 5n * BigInt(DAY);
      // A Date with a fraction of a second: the deadline is its whole second.
      const input = await taskInput({ deadline: new Date(Number(deadline) * 1000 + 999), kind: "ranking" });
      const { taskId, escrow, receipt } = await client.tasks.post(input);

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 1, "one transaction: the permit is signed, not sent");
      const tx = await hre.ethers.provider.getTransaction(receipt.hash);
      expect(tx?.data.slice(0, 10)).to.equal(f.tasks.interface.getFunction("createTaskWithPermit").selector);
      expect(escrow).to.equal(expectedEscrow);
      const after = await crpState(f, f.alice.address, registry);
      expect(before.balance - after.balance).to.equal(expectedEscrow);
      expect((await f.token.balanceOf(registry)) - registryBefore).to.equal(expectedEscrow);
      expect(after.allowance).to.equal(0n);
      expect(after.permitNonce).to.equal(before.permitNonce + 1n, "the permit was used");
      expect(await approvalsSince(f, f.alice.address, registry, receipt.blockNumber)).to.deep.equal([expectedEscrow]);

      const created = onlyEvent(receipt, f.tasks, "TaskCreated");
      expect(taskId).to.equal(created.args.taskId);
      expect(taskId).to.equal(await f.tasks.taskCount());
      expect(created.args.requester).to.equal(f.alice.address);
      expect(created.args.token).to.equal(await f.token.getAddress());
      expect(created.args.kind).to.equal(1n);
      expect(created.args.reward).to.equal(REWARD);
      expect(created.args.slots).to.equal(SLOTS);
      expect(created.args.deadline).to.equal(deadline);
      expect(created.args.escrow).to.equal(expectedEscrow);
      expect(created.args.specHash).to.equal(input.specHash);
      expect(created.args.specUri).to.equal(input.specUri);
      const terms = onlyEvent(receipt, f.tasks, "TaskReviewTerms");
      expect(terms.args.taskId).to.equal(taskId);
      expect(terms.args.reviewWindow).to.equal(7_200n);
      expect(terms.args.panelSize).to.equal(3n);
      expect(terms.args.quorum).to.equal(2n);
      expect(terms.args.workerBond).to.equal(BOND);

      const task = await client.tasks.get(taskId);
      expect(plain(task)).to.deep.equal({
        requester: f.alice.address,
        token: await f.token.getAddress(),
        reward: REWARD,
        validatorFee,
        protocolFee,
        workerBond: BOND,
        funds: expectedEscrow,
        reviewStake,
        slots: SLOTS,
        accepted: 0n,
        pending: 0n,
        deadline,
        reviewWindow: 7_200n,
        panelSize: 3n,
        quorum: 2n,
        kind: 1n,
        cancelled: false,
        unsweptProtocolFees: 0n,
        lastSubmission: 0n,
      });
    });

    it("takes the deadline as a Date or as seconds, and the kind as a name or as a number, alike", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const deadline = (await time.latest()) + 3 * DAY;
      const byDate = await client.tasks.post(await taskInput({ deadline: new Date(deadline * 1000), kind: "ranking" }));
      const bySeconds = await client.tasks.post(await taskInput({ deadline, kind: 1 }));
      const byBigint = await client.tasks.post(await taskInput({ deadline: BigInt(deadline), kind: 1n }));
      expect([byDate.taskId, bySeconds.taskId, byBigint.taskId]).to.deep.equal([1n, 2n, 3n]);
      const [first, second, third] = await Promise.all([1n, 2n, 3n].map((taskId) => f.tasks.getTask(taskId)));
      expect(first!.deadline).to.equal(BigInt(deadline));
      expect(first!.kind).to.equal(1n);
      expect(plain(second!)).to.deep.equal(plain(first!));
      expect(plain(third!)).to.deep.equal(plain(first!));
    });

    it("maps every kind name to the registry's index of that kind", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      for (const [name, index] of Object.entries(TASK_KINDS)) {
        const { taskId, receipt } = await client.tasks.post(
          await taskInput({ kind: name as keyof typeof TASK_KINDS, workerBond: 0n }),
        );
        expect((await f.tasks.getTask(taskId)).kind).to.equal(BigInt(index), name);
        expect(onlyEvent(receipt, f.tasks, "TaskCreated").args.kind).to.equal(BigInt(index), name);
      }
      expect(TASK_KINDS).to.deep.equal({ labeling: 0, ranking: 1, generation: 2, validation: 3, modelEvaluation: 4 });
      expect(await f.tasks.taskKindCount()).to.equal(5n);
    });

    it('with funding "approve": approves exactly the escrow, then creates (two transactions)', async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const registry = await f.tasks.getAddress();
      const [expectedEscrow] = await f.tasks.escrowFor(REWARD, SLOTS);
      const before = await crpState(f, f.alice.address, registry);
      const nonceBefore = await nonceOf(f.alice);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

      const { taskId, escrow, receipt } = await client.tasks.post(await taskInput({ funding: "approve" }));

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 2, "approve + createTask");
      const tx = await hre.ethers.provider.getTransaction(receipt.hash);
      expect(tx?.data.slice(0, 10)).to.equal(f.tasks.interface.getFunction("createTask").selector);
      expect(escrow).to.equal(expectedEscrow);
      expect(await approvalsSince(f, f.alice.address, registry, fromBlock)).to.deep.equal([expectedEscrow]);
      const after = await crpState(f, f.alice.address, registry);
      expect(after.allowance).to.equal(0n, "approved exactly the escrow");
      expect(after.permitNonce).to.equal(before.permitNonce, "no permit");
      expect(before.balance - after.balance).to.equal(expectedEscrow);
      expect((await f.tasks.getTask(taskId)).funds).to.equal(expectedEscrow);
      expect(taskId).to.equal(onlyEvent(receipt, f.tasks, "TaskCreated").args.taskId);
    });

    it('with funding "approve" and an allowance that already covers the escrow: no approval (one transaction)', async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const registry = await f.tasks.getAddress();
      const [expectedEscrow] = await f.tasks.escrowFor(REWARD, SLOTS);
      await (await f.token.connect(f.alice).approve(registry, expectedEscrow + 5n)).wait();
      const before = await crpState(f, f.alice.address, registry);
      const nonceBefore = await nonceOf(f.alice);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

      await client.tasks.post(await taskInput({ funding: "approve" }));

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 1);
      expect(await approvalsSince(f, f.alice.address, registry, fromBlock)).to.deep.equal([]);
      const after = await crpState(f, f.alice.address, registry);
      expect(after.allowance).to.equal(5n, "the existing allowance was spent, not replaced");
      expect(before.balance - after.balance).to.equal(expectedEscrow);
    });

    it("in an allowlisted token: approves exactly the escrow in that token; the worker's bond likewise; refunds in it", async function () {
      const f = await loadFixture(sdkFixture);
      const registry = await f.tasks.getAddress();
      const token = await new BlockingToken__factory(f.deployer).deploy(1_000_000_000n * CRP);
      await token.waitForDeployment();
      const tokenAddress = await token.getAddress();
      await (await token.transfer(f.alice.address, 1_000_000n * CRP)).wait();
      await (await token.transfer(f.bob.address, 1_000n * CRP)).wait();
      const requester = await f.clientFor(f.alice);

      // Not yet allowlisted: a named error, nothing sent.
      const refusedNonce = await nonceOf(f.alice);
      await expectInputError(requester.tasks.post(await taskInput({ token: tokenAddress })), "token");
      expect(await nonceOf(f.alice)).to.equal(refusedNonce);
      expect(await token.allowance(f.alice.address, registry)).to.equal(0n);

      await asGovernance(f.timelock, async (t) =>
        (await f.tasks.connect(t).setTokenAllowed(tokenAddress, true)).wait(),
      );
      const [expectedEscrow] = await f.tasks.escrowFor(REWARD, SLOTS);
      const crpBefore = await f.token.balanceOf(f.alice.address);
      const balanceBefore = await token.balanceOf(f.alice.address);
      const nonceBefore = await nonceOf(f.alice);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

      // Default funding ("auto") approves a token that is not CRP.
      const { taskId, escrow } = await requester.tasks.post(await taskInput({ token: tokenAddress }));

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 2, "approve + createTask");
      expect(escrow).to.equal(expectedEscrow);
      const approvals = await token.queryFilter(token.filters.Approval(f.alice.address, registry), fromBlock, "latest");
      expect(approvals.map((e) => e.args.value)).to.deep.equal([expectedEscrow]);
      expect(await token.allowance(f.alice.address, registry)).to.equal(0n);
      expect(balanceBefore - (await token.balanceOf(f.alice.address))).to.equal(expectedEscrow);
      expect(await token.balanceOf(registry)).to.equal(expectedEscrow);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(crpBefore, "no CRP moved");
      const task = await requester.tasks.get(taskId);
      expect(task.token).to.equal(tokenAddress);
      expect(task.funds).to.equal(expectedEscrow);

      // The worker bonds in the task's token, exactly.
      const worker = await f.clientFor(f.bob);
      const bobBefore = await token.balanceOf(f.bob.address);
      const bobCrp = await f.token.balanceOf(f.bob.address);
      const bobNonce = await nonceOf(f.bob);
      const { submissionId } = await worker.tasks.submit(taskId, { contentHash: hashText("w"), uri: "ipfs://w" });
      expect(await nonceOf(f.bob)).to.equal(bobNonce + 2);
      expect(bobBefore - (await token.balanceOf(f.bob.address))).to.equal(BOND);
      expect(await token.allowance(f.bob.address, registry)).to.equal(0n);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(bobCrp);
      expect((await f.tasks.getSubmission(submissionId)).worker).to.equal(f.bob.address);

      // Cancelling credits the unreserved escrow in the task's token; withdraw(token) pays it.
      const [, validatorFee, protocolFee] = await f.tasks.escrowFor(REWARD, 1n);
      const unreserved = expectedEscrow - (REWARD + validatorFee + protocolFee);
      await requester.tasks.cancel(taskId);
      expect(await requester.tasks.balanceOf(f.alice.address, tokenAddress)).to.equal(unreserved);
      expect(await requester.tasks.balanceOf(f.alice.address)).to.equal(0n, "nothing in CRP");
      const held = await token.balanceOf(f.alice.address);
      await requester.tasks.withdraw(tokenAddress);
      expect((await token.balanceOf(f.alice.address)) - held).to.equal(unreserved);
      expect(await requester.tasks.balanceOf(f.alice.address, tokenAddress)).to.equal(0n);
    });
  });

  describe("tasks.submit", function () {
    it("refuses the task's own requester and a full task with the registry's errors, before approving the bond", async function () {
      const f = await loadFixture(sdkFixture);
      const requester = await f.clientFor(f.alice);
      const { taskId } = await requester.tasks.post(await taskInput({ slots: 1, workerBond: 10n * CRP }));
      const registry = await f.tasks.getAddress();
      const work = { contentHash: hashText("work"), uri: "ipfs://work" };
      const nonce = await nonceOf(f.alice);
      await expectContractError(requester.tasks.submit(taskId, work), "TasksRequesterCannotSubmit");
      expect(await nonceOf(f.alice)).to.equal(nonce);
      expect((await crpState(f, f.alice.address, registry)).allowance).to.equal(0n);
      await (await f.clientFor(f.bob)).tasks.submit(taskId, work);
      const carol = await f.clientFor(f.carol);
      const carolNonce = await nonceOf(f.carol);
      await expectContractError(carol.tasks.submit(taskId, work), "TasksNoFreeSlot"); // the slot is pending review
      expect(await nonceOf(f.carol)).to.equal(carolNonce);
      expect((await crpState(f, f.carol.address, registry)).allowance).to.equal(0n);
    });

    it("approves exactly the worker bond and returns the Submitted event's id", async function () {
      const f = await loadFixture(sdkFixture);
      const params = await defaultTaskParams(f, { reward: REWARD, slots: SLOTS, workerBond: BOND });
      const taskId = await postTask(f, f.alice, params);
      const registry = await f.tasks.getAddress();
      const worker = await f.clientFor(f.bob);
      const before = await crpState(f, f.bob.address, registry);
      const registryBefore = await f.token.balanceOf(registry);
      const nonceBefore = await nonceOf(f.bob);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
      const contentHash = hashText("ranked answers");

      const { submissionId, receipt } = await worker.tasks.submit(taskId, { contentHash, uri: "ipfs://bafy/work" });

      expect(await nonceOf(f.bob)).to.equal(nonceBefore + 2, "approve + submit");
      expect(await approvalsSince(f, f.bob.address, registry, fromBlock)).to.deep.equal([BOND]);
      const after = await crpState(f, f.bob.address, registry);
      expect(before.balance - after.balance).to.equal(BOND);
      expect((await f.token.balanceOf(registry)) - registryBefore).to.equal(BOND);
      expect(after.allowance).to.equal(0n);
      expect(after.permitNonce).to.equal(before.permitNonce);
      const submitted = onlyEvent(receipt, f.tasks, "Submitted");
      expect(submissionId).to.equal(submitted.args.submissionId);
      expect(submissionId).to.equal(await f.tasks.submissionCount());
      expect(submitted.args.bond).to.equal(BOND);
      expect(submitted.args.uri).to.equal("ipfs://bafy/work");
      const submission = await worker.tasks.getSubmission(submissionId);
      expect(submission.taskId).to.equal(taskId);
      expect(submission.worker).to.equal(f.bob.address);
      expect(submission.contentHash).to.equal(contentHash);
      expect(submission.status).to.equal(STATUS.Drawing);
    });

    it("sends no approval when the task has no bond, or when the allowance already covers it", async function () {
      const f = await loadFixture(sdkFixture);
      const registry = await f.tasks.getAddress();
      const free = await postTask(f, f.alice, await defaultTaskParams(f, { workerBond: 0n }));
      const bonded = await postTask(f, f.alice, await defaultTaskParams(f, { workerBond: BOND }));

      const bob = await f.clientFor(f.bob);
      const bobBefore = await crpState(f, f.bob.address, registry);
      const bobNonce = await nonceOf(f.bob);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
      const { submissionId } = await bob.tasks.submit(free, { contentHash: hashText("a"), uri: "ipfs://a" });
      expect(await nonceOf(f.bob)).to.equal(bobNonce + 1);
      expect(await approvalsSince(f, f.bob.address, registry, fromBlock)).to.deep.equal([]);
      expect(await crpState(f, f.bob.address, registry)).to.deep.equal(bobBefore);
      expect(submissionId).to.equal(1n);

      await (await f.token.connect(f.carol).approve(registry, BOND + 3n)).wait();
      const carol = await f.clientFor(f.carol);
      const carolBefore = await f.token.balanceOf(f.carol.address);
      const carolNonce = await nonceOf(f.carol);
      const second = await carol.tasks.submit(bonded, { contentHash: hashText("b"), uri: "ipfs://b" });
      expect(await nonceOf(f.carol)).to.equal(carolNonce + 1);
      expect(await f.token.allowance(f.carol.address, registry)).to.equal(3n);
      expect(carolBefore - (await f.token.balanceOf(f.carol.address))).to.equal(BOND);
      expect(second.submissionId).to.equal(2n);
    });
  });

  describe("tasks.attest", function () {
    it("attests from each member's own seat, in any order, and hashes the reason into the event", async function () {
      const f = await loadFixture(sdkFixture);
      const { submissionId, panel } = await reviewingSubmission(f);
      // Seats 2, 0, 1: no member attests in the order of its seat.
      const votes: { seat: number; accept: boolean; reason: string }[] = [
        { seat: 2, accept: true, reason: "every answer ranked as the spec asks" },
        { seat: 0, accept: false, reason: "" },
        { seat: 1, accept: true, reason: "fine ✓ — ünïcode" },
      ];
      let voted = 0n;
      let accepts = 0n;
      for (const { seat, accept, reason } of votes) {
        const member = panel[seat]!;
        const client = await f.clientFor(f.validatorSigner(member));
        const receipt = await client.tasks.attest(submissionId, accept, reason);
        const attested = onlyEvent(receipt, f.tasks, "Attested");
        expect(attested.args.submissionId).to.equal(submissionId);
        expect(attested.args.validator).to.equal(member);
        expect(attested.args.accept).to.equal(accept);
        expect(attested.args.reasonHash).to.equal(reason === "" ? ZeroHash : hashText(reason));
        voted |= 1n << BigInt(seat);
        if (accept) accepts |= 1n << BigInt(seat);
        const submission = await client.tasks.getSubmission(submissionId);
        expect(submission.voted).to.equal(voted, `voted after seat ${seat}`);
        expect(submission.accepts).to.equal(accepts, `accepts after seat ${seat}`);
      }
      expect(voted).to.equal(0b111n);
      expect(accepts).to.equal(0b110n);
      expect(hashText("fine ✓ — ünïcode")).to.equal(id("fine ✓ — ünïcode"));
      expect((await f.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    });

    it("refuses a signer who is not on the panel with a named error, sending nothing", async function () {
      const f = await loadFixture(sdkFixture);
      const { submissionId, panel } = await reviewingSubmission(f);
      const outsider = f.validators.find((v) => !panel.includes(v.address))!;
      const before = await f.tasks.getSubmission(submissionId);
      for (const signer of [outsider, f.stranger, f.bob] as HardhatEthersSigner[]) {
        const client = await f.clientFor(signer);
        const nonce = await nonceOf(signer);
        await expectInputError(client.tasks.attest(submissionId, true, "let me in"), "submissionId");
        expect(await nonceOf(signer)).to.equal(nonce, signer.address);
      }
      const after = await f.tasks.getSubmission(submissionId);
      expect(plain(after)).to.deep.equal(plain(before));
      expect(after.voted).to.equal(0n);
    });
  });

  describe("tasks.dispute", function () {
    it("lets the losing requester dispute an accept: approves exactly the fee, returns the dispute id", async function () {
      const f = await loadFixture(sdkFixture);
      const { submissionId, panel } = await reviewingSubmission(f);
      for (const member of panel.slice(0, 2)) {
        await (await f.clientFor(f.validatorSigner(member))).tasks.attest(submissionId, true);
      }
      const registry = await f.tasks.getAddress();
      expect((await f.tasks.getSubmission(submissionId)).verdict).to.equal(1n, "accepted: the requester lost");
      const fee = await f.disputes.arbitrationCost("0x");
      expect(fee).to.equal(100n * CRP, "5 jurors × 20 CRP (deploy/parameters/31337.json)");
      const before = await crpState(f, f.alice.address, registry);
      const nonceBefore = await nonceOf(f.alice);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

      const requester = await f.clientFor(f.alice);
      const { disputeId, receipt } = await requester.tasks.dispute(submissionId);

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 2, "approve + dispute");
      expect(await approvalsSince(f, f.alice.address, registry, fromBlock)).to.deep.equal([fee]);
      const after = await crpState(f, f.alice.address, registry);
      expect(before.balance - after.balance).to.equal(fee);
      expect(after.allowance).to.equal(0n);
      const opened = onlyEvent(receipt, f.disputes, "DisputeOpened");
      expect(disputeId).to.equal(opened.args.disputeId);
      expect(opened.args.fee).to.equal(fee);
      expect(opened.args.arbitrable).to.equal(registry);
      const disputed = onlyEvent(receipt, f.tasks, "SubmissionDisputed");
      expect(disputed.args.disputeId).to.equal(disputeId);
      expect(disputed.args.disputer).to.equal(f.alice.address);
      expect(disputed.args.bond).to.equal(fee);
      const submission = await requester.tasks.getSubmission(submissionId);
      expect(submission.status).to.equal(5n);
      expect(SUBMISSION_STATUS[Number(submission.status)]).to.equal("Disputed");
    });

    it("refuses the winning party, and a verdict not yet reached, with the registry's errors and no approval", async function () {
      const f = await loadFixture(sdkFixture);
      const { submissionId, panel } = await reviewingSubmission(f);
      const registry = await f.tasks.getAddress();
      const worker = await f.clientFor(f.bob);
      const nonce = await nonceOf(f.bob);
      await expectContractError(worker.tasks.dispute(submissionId), "TasksWrongStatus"); // still under review
      for (const member of panel.slice(0, 2)) {
        await (await f.clientFor(f.validatorSigner(member))).tasks.attest(submissionId, true);
      }
      const error = await expectContractError(worker.tasks.dispute(submissionId), "TasksNotLosingParty"); // bob won
      expect(error.args).to.deep.equal({ submissionId, caller: f.bob.address });
      expect(await nonceOf(f.bob)).to.equal(nonce, "nothing sent, not even an approval");
      expect((await crpState(f, f.bob.address, registry)).allowance).to.equal(0n);
    });
  });

  describe("tasks.getMany and tasks.getSubmissions", function () {
    it("read the same values as one-by-one reads, in the order asked, repeats included", async function () {
      const f = await loadFixture(sdkFixture);
      const registry = await f.tasks.getAddress();
      const crp = await f.token.getAddress();
      await (await f.token.connect(f.alice).approve(registry, 1_000_000n * CRP)).wait();
      const now = BigInt(await time.latest());
      for (let i = 1n; i <= 12n; i++) {
        const params = await defaultTaskParams(f, {
          token: crp,
          reward: i * CRP + i,
          slots: 1n + (i % 4n),
          deadline: now + BigInt(DAY) * (2n + i),
          workerBond: i % 3n === 0n ? 0n : i,
          kind: i % 5n,
          specUri: `ipfs://spec/${i}`,
          specHash: id(`spec ${i}`),
        });
        await (await f.tasks.connect(f.alice).createTask(params)).wait();
      }
      expect(await f.tasks.taskCount()).to.equal(12n);
      // Submissions in several states: some drawn (a panel), some still drawing.
      await (await f.token.connect(f.bob).approve(registry, 1_000n * CRP)).wait();
      await (await f.token.connect(f.carol).approve(registry, 1_000n * CRP)).wait();
      for (const [worker, taskId] of [
        [f.bob, 1n],
        [f.bob, 2n],
        [f.carol, 1n],
        [f.bob, 4n],
        [f.carol, 5n],
      ] as const) {
        await (await f.tasks.connect(worker).submit(taskId, id(`work ${taskId}`), `ipfs://work/${taskId}`)).wait();
      }
      await mine(1);
      await (await f.tasks.drawPanel(2n)).wait();
      await (await f.tasks.drawPanel(4n)).wait();

      const taskIds = [12n, 3n, 3n, 1n, 7n, 12n, 2n, 11n, 4n, 5n, 6n, 8n, 9n, 10n, 1n];
      const submissionIds = [4n, 1n, 1n, 5n, 2n, 3n, 4n];
      const one = async (taskId: bigint) => plain(await f.tasks.getTask(taskId));
      const oneSubmission = async (sid: bigint) => plain(await f.tasks.getSubmission(sid));
      const expectedTasks = await Promise.all(taskIds.map(one));
      const expectedSubmissions = await Promise.all(submissionIds.map(oneSubmission));
      expect(expectedTasks.map((t) => t.reward)).to.deep.equal(
        taskIds.map((i) => i * CRP + i),
        "tasks differ",
      );
      expect((await f.tasks.getSubmission(4n)).panel).to.have.length(3, "drawn");
      expect((await f.tasks.getSubmission(1n)).panel).to.have.length(0, "still drawing");

      // The default batch (one request) and batches of 4 (four requests) read the same.
      for (const options of [{}, { multicallBatchSize: 4 }]) {
        const client = await f.clientFor(hre.ethers.provider, options);
        const tasks = await client.tasks.getMany(taskIds);
        expect(tasks.map((t) => plain(t))).to.deep.equal(expectedTasks);
        expect(tasks[0]!.reward).to.equal(12n * CRP + 12n, "typed fields by name");
        const submissions = await client.tasks.getSubmissions(submissionIds);
        expect(submissions.map((s) => plain(s))).to.deep.equal(expectedSubmissions);
        expect(await client.tasks.getMany([])).to.deep.equal([]);
      }
    });
  });

  describe("tasks.cancel, tasks.balanceOf and tasks.withdraw", function () {
    it("return the unreserved escrow to the requester, to the wei", async function () {
      const f = await loadFixture(sdkFixture);
      const requester = await f.clientFor(f.alice);
      const worker = await f.clientFor(f.bob);
      const { taskId, escrow } = await requester.tasks.post(await taskInput());
      await worker.tasks.submit(taskId, { contentHash: hashText("w"), uri: "ipfs://w" });
      const [reservation] = await f.tasks.escrowFor(REWARD, 1n);
      expect((await f.tasks.getTask(taskId)).funds).to.equal(escrow - reservation);
      expect(await requester.tasks.balanceOf(f.alice.address)).to.equal(0n);

      const nonce = await nonceOf(f.alice);
      const cancelReceipt = await requester.tasks.cancel(taskId);
      expect(await nonceOf(f.alice)).to.equal(nonce + 1);
      const refunded = onlyEvent(cancelReceipt, f.tasks, "TaskRefunded");
      expect(refunded.args.amount).to.equal(escrow - reservation);
      const task = await f.tasks.getTask(taskId);
      expect(task.cancelled).to.equal(true);
      expect(task.funds).to.equal(0n);
      expect(await requester.tasks.balanceOf(f.alice.address)).to.equal(escrow - reservation);
      // Read-only clients read balances too.
      const reader = await f.clientFor();
      expect(await reader.tasks.balanceOf(f.alice.address)).to.equal(escrow - reservation);

      const held = await f.token.balanceOf(f.alice.address);
      await requester.tasks.withdraw();
      expect(await nonceOf(f.alice)).to.equal(nonce + 2);
      expect((await f.token.balanceOf(f.alice.address)) - held).to.equal(escrow - reservation);
      expect(await requester.tasks.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.tasks.balanceOf(await f.token.getAddress(), f.alice.address)).to.equal(0n);
    });
  });

  describe("staking", function () {
    it("stakes with a permit in one transaction and with an approval in two, moving exactly the amount", async function () {
      const f = await loadFixture(sdkFixture);
      const staking = await f.staking.getAddress();
      const client = await f.clientFor(f.dave);
      expect((await client.staking.status(f.dave.address)).staked).to.equal(0n);
      const first = MIN_STAKE + 12_345n * CRP + 6_789n;
      const before = await crpState(f, f.dave.address, staking);
      const stakingBalance = await f.token.balanceOf(staking);
      const nonce = await nonceOf(f.dave);

      const receipt = await client.staking.stake(first);

      expect(await nonceOf(f.dave)).to.equal(nonce + 1);
      const tx = await hre.ethers.provider.getTransaction(receipt.hash);
      expect(tx?.data.slice(0, 10)).to.equal(f.staking.interface.getFunction("stakeWithPermit").selector);
      const afterPermit = await crpState(f, f.dave.address, staking);
      expect(before.balance - afterPermit.balance).to.equal(first);
      expect(afterPermit.allowance).to.equal(0n);
      expect(afterPermit.permitNonce).to.equal(before.permitNonce + 1n);
      expect((await f.token.balanceOf(staking)) - stakingBalance).to.equal(first);
      const status = await client.staking.status(f.dave.address);
      expect(status).to.deep.equal({ staked: first, locked: 0n, free: first, thawing: 0n, thawEnd: 0n, active: true });

      const second = 333n * CRP + 1n;
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;
      await client.staking.stake(second, "approve");
      expect(await nonceOf(f.dave)).to.equal(nonce + 3, "approve + stake");
      expect(await approvalsSince(f, f.dave.address, staking, fromBlock)).to.deep.equal([second]);
      const afterApprove = await crpState(f, f.dave.address, staking);
      expect(afterPermit.balance - afterApprove.balance).to.equal(second);
      expect(afterApprove.allowance).to.equal(0n);
      expect(afterApprove.permitNonce).to.equal(afterPermit.permitNonce);
      expect((await client.staking.status(f.dave.address)).staked).to.equal(first + second);
    });

    it("thaws; withdraw before maturity is the decoded StakingThawNotMature (nothing sent); after it, exactly the thawed amount", async function () {
      const f = await loadFixture(sdkFixture);
      // A signer that estimates gas before sending, as wallets do (see estimatingWallet).
      const dave = await estimatingWallet(f.dave);
      const client = await f.clientFor(dave);
      const amount = 2n * MIN_STAKE + 5n;
      await client.staking.stake(amount);
      const [, unbondingPeriod] = await f.staking.parameters();
      const thawed = MIN_STAKE / 2n + 1n;

      const thawReceipt = await client.staking.thaw(thawed);
      const thawBlock = await hre.ethers.provider.getBlock(thawReceipt.blockNumber);
      const thawEnd = BigInt(thawBlock!.timestamp) + unbondingPeriod;
      const status = await client.staking.status(dave.address);
      expect(status).to.deep.equal({
        staked: amount - thawed,
        locked: 0n,
        free: amount - thawed,
        thawing: thawed,
        thawEnd,
        active: true,
      });

      const balance = await f.token.balanceOf(dave.address);
      const stakingBalance = await f.token.balanceOf(await f.staking.getAddress());
      const nonce = await nonceOf(dave);
      const error = await rejectionOf(client.staking.withdraw());
      expect(error).to.be.instanceOf(CorpusContractError);
      if (!isCorpusContractError(error, "StakingThawNotMature")) {
        expect.fail(`expected StakingThawNotMature, got ${String(error)}`);
      }
      expect(error.args.validator).to.equal(dave.address);
      expect(error.args.thawEnd).to.equal(thawEnd);
      expect(error.args.currentTime < thawEnd).to.equal(true);
      expect(error.contracts).to.deep.equal(["CorpusStaking"]);
      expect(await nonceOf(dave)).to.equal(nonce, "nothing sent");
      expect(await f.token.balanceOf(dave.address)).to.equal(balance);
      expect(await f.token.balanceOf(await f.staking.getAddress())).to.equal(stakingBalance);
      expect(await client.staking.status(dave.address)).to.deep.equal(status);

      await time.increaseTo(thawEnd);
      await client.staking.withdraw();
      expect(await nonceOf(dave)).to.equal(nonce + 1);
      expect((await f.token.balanceOf(dave.address)) - balance).to.equal(thawed);
      expect(stakingBalance - (await f.token.balanceOf(await f.staking.getAddress()))).to.equal(thawed);
      expect(await client.staking.status(dave.address)).to.deep.equal({ ...status, thawing: 0n, thawEnd: 0n });
    });

    // Hardhat's own signer sends with the network's fixed gas limit and never estimates: the SDK estimates
    // every transaction itself, so a refused call is not mined as a reverted transaction (nonce and gas spent).
    it("sends nothing on a contract error even through a signer that does not estimate gas", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.dave);
      const nonce = await nonceOf(f.dave);
      const error = await rejectionOf(client.staking.withdraw());
      expect(isCorpusContractError(error, "StakingNothingThawing")).to.equal(true, String(error));
      expect(await nonceOf(f.dave)).to.equal(nonce, "nothing sent");
    });

    it("reports free = staked − locked for a validator locked on a panel; thawing more than is free is refused unsent", async function () {
      const f = await loadFixture(sdkFixture);
      const { panel } = await reviewingSubmission(f);
      const [, , reviewStake] = await f.tasks.parameters();
      const member = await estimatingWallet(f.validatorSigner(panel[0]!));
      const client = await f.clientFor(member);
      const status = await client.staking.status(member.address);
      const [staked, locked, thawing, thawEnd, active] = await f.staking.stakeOf(member.address);
      expect(status).to.deep.equal({ staked, locked, free: staked - locked, thawing, thawEnd, active });
      expect(status.staked).to.equal(5n * MIN_STAKE);
      expect(status.locked).to.equal(reviewStake);
      expect(status.free).to.equal(5n * MIN_STAKE - reviewStake);

      const nonce = await nonceOf(member);
      const error = await rejectionOf(client.staking.thaw(status.free + 1n));
      if (!isCorpusContractError(error, "StakingInsufficientUnlockedStake")) {
        expect.fail(`expected StakingInsufficientUnlockedStake, got ${String(error)}`);
      }
      expect(error.args.unlocked).to.equal(status.free);
      expect(error.args.needed).to.equal(status.free + 1n);
      expect(await nonceOf(member)).to.equal(nonce);
      expect(await client.staking.status(member.address)).to.deep.equal(status);

      const receipt = await client.staking.thaw(status.free);
      const thawTime = BigInt((await hre.ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
      const [, unbondingPeriod] = await f.staking.parameters();
      expect(await client.staking.status(member.address)).to.deep.equal({
        staked: reviewStake,
        locked: reviewStake,
        free: 0n,
        thawing: status.free,
        thawEnd: thawTime + unbondingPeriod,
        active: false,
      });
    });

    it("register sets the operator URI; an empty or over-long URI (in UTF-8 bytes) is refused unsent", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.dave);
      await client.staking.register("https://operator.example/corpus.json");
      expect(await f.staking.operatorUri(f.dave.address)).to.equal("https://operator.example/corpus.json");

      const atLimit = "é".repeat(256); // 512 bytes
      await client.staking.register(atLimit);
      expect(await f.staking.operatorUri(f.dave.address)).to.equal(atLimit);

      const nonce = await nonceOf(f.dave);
      for (const uri of ["a".repeat(513), "é".repeat(257), "é".repeat(300), ""]) {
        const error = await expectInputError(client.staking.register(uri), "uri");
        expect(error.code).to.equal("INVALID_INPUT");
      }
      expect(await nonceOf(f.dave)).to.equal(nonce, "nothing sent");
      expect(await f.staking.operatorUri(f.dave.address)).to.equal(atLimit);
    });
  });

  describe("token", function () {
    it("delegate() delegates to the signer itself: votes equal the balance", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.erin);
      const balance = await client.token.balanceOf(f.erin.address);
      expect(balance).to.equal(await f.token.balanceOf(f.erin.address));
      expect(balance).to.equal(10_000_000n * CRP);
      expect(await client.token.votes(f.erin.address)).to.equal(0n, "undelegated CRP counts for nothing");
      const nonce = await nonceOf(f.erin);
      await client.token.delegate();
      expect(await nonceOf(f.erin)).to.equal(nonce + 1);
      expect(await f.token.delegates(f.erin.address)).to.equal(f.erin.address);
      expect(await client.token.votes(f.erin.address)).to.equal(balance);
      expect(await f.token.getVotes(f.erin.address)).to.equal(balance);
    });

    it("transfer to the zero address is a CorpusInputError, nothing sent", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.erin);
      const balance = await f.token.balanceOf(f.erin.address);
      const nonce = await nonceOf(f.erin);
      await expectInputError(client.token.transfer(ZeroAddress, 1n), "to");
      expect(await nonceOf(f.erin)).to.equal(nonce);
      expect(await f.token.balanceOf(f.erin.address)).to.equal(balance);
      // A valid transfer moves exactly the amount (the check above is not a blanket refusal).
      await client.token.transfer(f.stranger.address, 17n);
      expect(balance - (await f.token.balanceOf(f.erin.address))).to.equal(17n);
    });

    it("signPermit signs, without a transaction, a permit the token accepts from anyone", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const value = 4_321n * CRP + 9n;
      const deadline = BigInt(await time.latest()) + 3_600n;
      const nonce = await nonceOf(f.alice);
      const permitNonce = await f.token.nonces(f.alice.address);

      const permit = await client.token.signPermit(f.carol.address, value, deadline);

      expect(await nonceOf(f.alice)).to.equal(nonce, "a signature, not a transaction");
      expect(permit.owner).to.equal(f.alice.address);
      expect(permit.spender).to.equal(f.carol.address);
      expect(permit.value).to.equal(value);
      expect(permit.deadline).to.equal(deadline);
      expect(await f.token.allowance(f.alice.address, f.carol.address)).to.equal(0n);

      await (
        await f.token
          .connect(f.stranger)
          .permit(permit.owner, permit.spender, permit.value, permit.deadline, permit.v, permit.r, permit.s)
      ).wait();
      expect(await f.token.allowance(f.alice.address, f.carol.address)).to.equal(value);
      expect(await f.token.nonces(f.alice.address)).to.equal(permitNonce + 1n);
      const carolBefore = await f.token.balanceOf(f.carol.address);
      await (await f.token.connect(f.carol).transferFrom(f.alice.address, f.carol.address, value)).wait();
      expect((await f.token.balanceOf(f.carol.address)) - carolBefore).to.equal(value);
    });
  });
});
