import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, ZeroHash, encodeBytes32String, id } from "ethers";
import { BlockingToken__factory, FeeOnTransferToken__factory, IERC20__factory } from "../../sdk/src/typechain";
import { asGovernance } from "../../scripts/lib/impersonate";
import { signPermit } from "../../scripts/lib/permit";
import { CRP, DAY } from "../helpers/fixtures";
import {
  STATUS,
  TASK_KINDS,
  defaultTaskParams,
  escrowOf,
  eventArg,
  postDefaultTask,
  postTask,
  submitWork,
  tasksFixture,
  type TaskParams,
  type TasksFixture,
  expectSolvent,
} from "../helpers/tasks";

// The registry's bounds, as the tests expect them (checked against the contract in the first test).
const MAX_AMOUNT = 2n ** 96n - 1n;
const MAX_SLOTS = 10_000n;
const MAX_PANEL_SIZE = 7n;
const MAX_URI_LENGTH = 512n;
const HOUR = 3_600n;
const DAYS = BigInt(DAY);
const MIN_REVIEW_WINDOW = HOUR;
const MAX_REVIEW_WINDOW = 30n * DAYS;
const MAX_TASK_DURATION = 365n * DAYS;
const KIND_COUNT = 5n;
const BPS = 10_000n;
/** An explicit gas limit: the transaction is mined (even when it reverts) in the block whose timestamp was set. */
const GAS = { gasLimit: 5_000_000n };
/** Everything the fixture's requester holds in CRP. */
const REQUESTER_CRP = 10_000_000n * CRP;

type TaskView = Awaited<ReturnType<TasksFixture["tasks"]["getTask"]>>;

/** Every field of a task view as a plain object (so two reads compare with `deep.equal`). */
function plainTask(t: TaskView) {
  return {
    requester: t.requester,
    token: t.token,
    reward: t.reward,
    validatorFee: t.validatorFee,
    protocolFee: t.protocolFee,
    workerBond: t.workerBond,
    funds: t.funds,
    reviewStake: t.reviewStake,
    slots: t.slots,
    accepted: t.accepted,
    pending: t.pending,
    deadline: t.deadline,
    reviewWindow: t.reviewWindow,
    panelSize: t.panelSize,
    quorum: t.quorum,
    kind: t.kind,
    cancelled: t.cancelled,
    unsweptProtocolFees: t.unsweptProtocolFees,
  };
}

/**
 * Everything creating or funding a task could change, in `token` (CRP unless given) and in CRP: the task
 * and submission counts, every task, the requester's, the stranger's and the registry's token balances, the
 * requester's allowance and withdrawable balance.
 */
async function snapshot(c: TasksFixture, token?: string) {
  const crp = await c.token.getAddress();
  const tokens = [...new Set([crp, token ?? crp])];
  const balances: Record<string, Record<string, bigint>> = {};
  for (const address of tokens) {
    const erc20 = IERC20__factory.connect(address, hre.ethers.provider);
    balances[address] = {
      requester: await erc20.balanceOf(c.requester),
      stranger: await erc20.balanceOf(c.stranger),
      worker: await erc20.balanceOf(c.worker),
      registry: await erc20.balanceOf(c.registry),
      allowance: await erc20.allowance(c.requester, c.registry),
      strangerAllowance: await erc20.allowance(c.stranger, c.registry),
      requesterCredit: await c.tasks.balanceOf(address, c.requester),
    };
  }
  const taskCount = await c.tasks.taskCount();
  const tasks = [];
  for (let t = 1n; t <= taskCount; t++) tasks.push(plainTask(await c.tasks.getTask(t)));
  return { taskCount, submissionCount: await c.tasks.submissionCount(), tasks, balances };
}

async function approveCrp(c: TasksFixture, owner: HardhatEthersSigner, amount: bigint) {
  await (await c.token.connect(owner).approve(c.registry, amount)).wait();
}

/** The escrow of `reward` × `slots` at `bps` fees: slots × (reward + validator fee + protocol fee). */
function escrowAt(reward: bigint, slots: bigint, validatorFeeBps: bigint, protocolFeeBps: bigint) {
  const validatorFee = (reward * validatorFeeBps) / BPS;
  const protocolFee = (reward * protocolFeeBps) / BPS;
  return { escrow: slots * (reward + validatorFee + protocolFee), validatorFee, protocolFee };
}

/** The registry's current fee rates. */
async function feeBps(c: TasksFixture) {
  const [protocolFeeBps, validatorFeeBps, reviewStake] = await c.tasks.parameters();
  return { protocolFeeBps, validatorFeeBps, reviewStake };
}

/** Deploys a plain ERC-20 (BlockingToken, nobody blocked) with `supply` minted to the deployer. */
async function deployPlainToken(c: TasksFixture, supply = 1_000_000_000n * CRP) {
  const token = await new BlockingToken__factory(c.deployer).deploy(supply);
  await token.waitForDeployment();
  return token;
}

async function allowToken(c: TasksFixture, token: string, allowed: boolean) {
  return asGovernance(c.timelock, async (t) => {
    const tx = await c.tasks.connect(t).setTokenAllowed(token, allowed);
    await tx.wait();
    return tx;
  });
}

async function pause(c: TasksFixture) {
  await (await c.tasks.connect(c.guardian).pause()).wait();
}

describe("CorpusTasks: creating and funding tasks", function () {
  describe("createTask", function () {
    it("the bounds these tests use are the registry's constants and initial parameters", async function () {
      const c = await loadFixture(tasksFixture);
      expect(await c.tasks.MAX_AMOUNT()).to.equal(MAX_AMOUNT);
      expect(await c.tasks.MAX_SLOTS()).to.equal(MAX_SLOTS);
      expect(await c.tasks.MAX_PANEL_SIZE()).to.equal(MAX_PANEL_SIZE);
      expect(await c.tasks.MAX_URI_LENGTH()).to.equal(MAX_URI_LENGTH);
      expect(await c.tasks.MIN_REVIEW_WINDOW()).to.equal(MIN_REVIEW_WINDOW);
      expect(await c.tasks.MAX_REVIEW_WINDOW()).to.equal(MAX_REVIEW_WINDOW);
      expect(await c.tasks.MAX_TASK_DURATION()).to.equal(MAX_TASK_DURATION);
      expect(await c.tasks.taskKindCount()).to.equal(KIND_COUNT);
      const { protocolFeeBps, validatorFeeBps, reviewStake } = await feeBps(c);
      expect([protocolFeeBps, validatorFeeBps, reviewStake]).to.deep.equal([250n, 500n, 1_000n * CRP]);
      expect(await c.token.balanceOf(c.requester)).to.equal(REQUESTER_CRP);
      expect(await c.tasks.taskCount()).to.equal(0n);
    });

    it("escrows exactly slots × (reward + validator fee + protocol fee) in one transfer from the requester, returns and emits the new id", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c, {
        reward: 40n * CRP,
        slots: 4n,
        kind: TASK_KINDS.generation,
        panelSize: 5n,
        quorum: 3n,
        workerBond: 7n * CRP,
        reviewWindow: 2n * HOUR,
      });
      const { protocolFeeBps, validatorFeeBps, reviewStake } = await feeBps(c);
      const { escrow, validatorFee, protocolFee } = escrowAt(40n * CRP, 4n, validatorFeeBps, protocolFeeBps);
      // 4 × (40 + 2 + 1) CRP at 500 and 250 bps.
      expect(escrow).to.equal(172n * CRP);
      expect(await c.tasks.escrowFor(params.reward, params.slots)).to.deep.equal([escrow, validatorFee, protocolFee]);
      await approveCrp(c, c.requester, escrow);

      expect(await c.tasks.connect(c.requester).createTask.staticCall(params)).to.equal(1n);
      const tx = c.tasks.connect(c.requester).createTask(params);
      const token = await c.token.getAddress();
      await expect(tx)
        .to.emit(c.tasks, "TaskCreated")
        .withArgs(
          1n,
          c.requester.address,
          token,
          TASK_KINDS.generation,
          40n * CRP,
          4n,
          params.deadline,
          escrow,
          params.specHash,
          params.specUri,
        );
      await expect(tx)
        .to.emit(c.tasks, "TaskReviewTerms")
        .withArgs(1n, 2n * HOUR, 5n, 3n, 7n * CRP, validatorFee, protocolFee, reviewStake);
      await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [-escrow, escrow]);

      const receipt = await (await tx).wait();
      const transfers = (receipt?.logs ?? []).filter((log) => log.address.toLowerCase() === token.toLowerCase());
      expect(transfers).to.have.length(1, "one token transfer, no more");
      const transfer = c.token.interface.parseLog({ topics: [...transfers[0]!.topics], data: transfers[0]!.data });
      expect(transfer?.name).to.equal("Transfer");
      expect([...(transfer?.args ?? [])]).to.deep.equal([c.requester.address, c.registry, escrow]);

      expect(await c.tasks.taskCount()).to.equal(1n);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(0n);
      expect(await c.token.balanceOf(c.registry)).to.equal(escrow);
      await expectSolvent(c);
    });

    it("ids run from 1 upwards, one per task, whoever posts it", async function () {
      const c = await loadFixture(tasksFixture);
      expect(await postDefaultTask(c)).to.equal(1n);
      expect(await postTask(c, c.stranger, await defaultTaskParams(c))).to.equal(2n);
      expect(await postDefaultTask(c)).to.equal(3n);
      expect(await c.tasks.taskCount()).to.equal(3n);
      expect((await c.tasks.getTask(2n)).requester).to.equal(c.stranger.address);
      await expectSolvent(c);
    });

    it("getTask returns every field of a new task: its terms, the fees and review stake of the day, the whole escrow as funds", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c, {
        reward: 33n * CRP,
        slots: 6n,
        kind: TASK_KINDS.modelEvaluation,
        panelSize: 5n,
        quorum: 4n,
        workerBond: 3n * CRP,
        reviewWindow: 5n * HOUR,
      });
      const taskId = await postTask(c, c.requester, params);
      const { protocolFeeBps, validatorFeeBps, reviewStake } = await feeBps(c);
      const { escrow, validatorFee, protocolFee } = escrowAt(33n * CRP, 6n, validatorFeeBps, protocolFeeBps);
      expect(plainTask(await c.tasks.getTask(taskId))).to.deep.equal({
        requester: c.requester.address,
        token: await c.token.getAddress(),
        reward: 33n * CRP,
        validatorFee,
        protocolFee,
        workerBond: 3n * CRP,
        funds: escrow,
        reviewStake,
        slots: 6n,
        accepted: 0n,
        pending: 0n,
        deadline: BigInt(params.deadline),
        reviewWindow: 5n * HOUR,
        panelSize: 5n,
        quorum: 4n,
        kind: BigInt(TASK_KINDS.modelEvaluation),
        cancelled: false,
        unsweptProtocolFees: 0n,
      });
      // 33 CRP at 500 / 250 bps: 1.65 and 0.825 CRP.
      expect([validatorFee, protocolFee]).to.deep.equal([165n * 10n ** 16n, 825n * 10n ** 15n]);
    });

    it("getTask of an id never created reverts TasksUnknownTask", async function () {
      const c = await loadFixture(tasksFixture);
      await postDefaultTask(c);
      await expect(c.tasks.getTask(0n)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask").withArgs(0n);
      await expect(c.tasks.getTask(2n)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask").withArgs(2n);
    });

    it("fees and review stake are fixed at creation: governance changing them afterwards changes neither an existing task nor what its submissions reserve", async function () {
      const c = await loadFixture(tasksFixture);
      const oldTask = await postDefaultTask(c);
      const before = plainTask(await c.tasks.getTask(oldTask));
      expect([before.validatorFee, before.protocolFee]).to.deep.equal([5n * CRP, (25n * CRP) / 10n]);

      await asGovernance(c.timelock, async (t) => {
        await expect(c.tasks.connect(t).setParameter(encodeBytes32String("protocolFeeBps"), 1_000n))
          .to.emit(c.tasks, "ParameterSet")
          .withArgs(encodeBytes32String("protocolFeeBps"), 250n, 1_000n);
        await expect(c.tasks.connect(t).setParameter(encodeBytes32String("validatorFeeBps"), 2_000n))
          .to.emit(c.tasks, "ParameterSet")
          .withArgs(encodeBytes32String("validatorFeeBps"), 500n, 2_000n);
        await c.tasks.connect(t).setParameter(encodeBytes32String("reviewStake"), 2_000n * CRP);
      });
      expect(plainTask(await c.tasks.getTask(oldTask))).to.deep.equal(before);

      // New tasks pay the new fees: 10 × (100 + 20 + 10) CRP.
      const [escrow] = await c.tasks.escrowFor(100n * CRP, 10n);
      expect(escrow).to.equal(1_300n * CRP);
      const newTask = await postDefaultTask(c);
      const fresh = await c.tasks.getTask(newTask);
      expect([fresh.validatorFee, fresh.protocolFee, fresh.reviewStake, fresh.funds]).to.deep.equal([
        20n * CRP,
        10n * CRP,
        2_000n * CRP,
        1_300n * CRP,
      ]);

      // A submission to the old task reserves its old terms: 100 + 5 + 2.5 CRP.
      await submitWork(c, c.worker, oldTask);
      expect((await c.tasks.getTask(oldTask)).funds).to.equal(before.funds - (1_075n * CRP) / 10n);
      await expectSolvent(c);
    });

    describe("bad input reverts with its named error and changes nothing", function () {
      interface BadCase {
        title: string;
        overrides: Partial<TaskParams>;
        error: string;
        args: (params: TaskParams) => unknown[];
      }
      const longUri = "ipfs://" + "a".repeat(Number(MAX_URI_LENGTH) - 7 + 1);
      // 257 two-byte characters: 257 characters, 514 bytes.
      const wideUri = "é".repeat(257);
      const cases: BadCase[] = [
        {
          title: "reward 0 reverts TasksInvalidReward(0, MAX_AMOUNT)",
          overrides: { reward: 0n },
          error: "TasksInvalidReward",
          args: () => [0n, MAX_AMOUNT],
        },
        {
          title: "reward MAX_AMOUNT + 1 reverts TasksInvalidReward(MAX_AMOUNT + 1, MAX_AMOUNT)",
          overrides: { reward: MAX_AMOUNT + 1n },
          error: "TasksInvalidReward",
          args: () => [MAX_AMOUNT + 1n, MAX_AMOUNT],
        },
        {
          title: "worker bond MAX_AMOUNT + 1 reverts TasksInvalidWorkerBond(MAX_AMOUNT + 1, MAX_AMOUNT)",
          overrides: { workerBond: MAX_AMOUNT + 1n },
          error: "TasksInvalidWorkerBond",
          args: () => [MAX_AMOUNT + 1n, MAX_AMOUNT],
        },
        {
          title: "0 slots reverts TasksInvalidSlots(0, MAX_SLOTS)",
          overrides: { slots: 0n },
          error: "TasksInvalidSlots",
          args: () => [0n, MAX_SLOTS],
        },
        {
          title: "MAX_SLOTS + 1 slots reverts TasksInvalidSlots(MAX_SLOTS + 1, MAX_SLOTS)",
          overrides: { slots: MAX_SLOTS + 1n },
          error: "TasksInvalidSlots",
          args: () => [MAX_SLOTS + 1n, MAX_SLOTS],
        },
        {
          title: "a review window of 1 hour - 1 s reverts TasksInvalidReviewWindow(3599, 1 hour, 30 days)",
          overrides: { reviewWindow: MIN_REVIEW_WINDOW - 1n },
          error: "TasksInvalidReviewWindow",
          args: () => [MIN_REVIEW_WINDOW - 1n, MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW],
        },
        {
          title: "a review window of 0 reverts TasksInvalidReviewWindow(0, 1 hour, 30 days)",
          overrides: { reviewWindow: 0n },
          error: "TasksInvalidReviewWindow",
          args: () => [0n, MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW],
        },
        {
          title: "a review window of 30 days + 1 s reverts TasksInvalidReviewWindow(30 days + 1, 1 hour, 30 days)",
          overrides: { reviewWindow: MAX_REVIEW_WINDOW + 1n },
          error: "TasksInvalidReviewWindow",
          args: () => [MAX_REVIEW_WINDOW + 1n, MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW],
        },
        {
          title: "an even panel (2 of 2) reverts TasksInvalidPanel(2, 2, 7)",
          overrides: { panelSize: 2n, quorum: 2n },
          error: "TasksInvalidPanel",
          args: () => [2n, 2n, MAX_PANEL_SIZE],
        },
        {
          title: "an even panel (4 of 3) reverts TasksInvalidPanel(4, 3, 7)",
          overrides: { panelSize: 4n, quorum: 3n },
          error: "TasksInvalidPanel",
          args: () => [4n, 3n, MAX_PANEL_SIZE],
        },
        {
          title: "an empty panel (0 of 0) reverts TasksInvalidPanel(0, 0, 7)",
          overrides: { panelSize: 0n, quorum: 0n },
          error: "TasksInvalidPanel",
          args: () => [0n, 0n, MAX_PANEL_SIZE],
        },
        {
          title: "a panel above MAX_PANEL_SIZE (9 of 5) reverts TasksInvalidPanel(9, 5, 7)",
          overrides: { panelSize: 9n, quorum: 5n },
          error: "TasksInvalidPanel",
          args: () => [9n, 5n, MAX_PANEL_SIZE],
        },
        {
          title: "a quorum that is no strict majority (3 of 1) reverts TasksInvalidPanel(3, 1, 7)",
          overrides: { panelSize: 3n, quorum: 1n },
          error: "TasksInvalidPanel",
          args: () => [3n, 1n, MAX_PANEL_SIZE],
        },
        {
          title: "a quorum that is no strict majority (7 of 3) reverts TasksInvalidPanel(7, 3, 7)",
          overrides: { panelSize: 7n, quorum: 3n },
          error: "TasksInvalidPanel",
          args: () => [7n, 3n, MAX_PANEL_SIZE],
        },
        {
          title: "a quorum of 0 (1 of 0) reverts TasksInvalidPanel(1, 0, 7)",
          overrides: { panelSize: 1n, quorum: 0n },
          error: "TasksInvalidPanel",
          args: () => [1n, 0n, MAX_PANEL_SIZE],
        },
        {
          title: "a quorum above the panel size (3 of 4) reverts TasksInvalidPanel(3, 4, 7)",
          overrides: { panelSize: 3n, quorum: 4n },
          error: "TasksInvalidPanel",
          args: () => [3n, 4n, MAX_PANEL_SIZE],
        },
        {
          title: "kind taskKindCount (5) reverts TasksInvalidKind(5, 5)",
          overrides: { kind: KIND_COUNT },
          error: "TasksInvalidKind",
          args: () => [KIND_COUNT, KIND_COUNT],
        },
        {
          title: "kind 255 reverts TasksInvalidKind(255, 5)",
          overrides: { kind: 255n },
          error: "TasksInvalidKind",
          args: () => [255n, KIND_COUNT],
        },
        {
          title: "an empty spec URI reverts TasksInvalidSpec(0, 512)",
          overrides: { specUri: "" },
          error: "TasksInvalidSpec",
          args: () => [0n, MAX_URI_LENGTH],
        },
        {
          title: "a 513-byte spec URI reverts TasksInvalidSpec(513, 512)",
          overrides: { specUri: longUri },
          error: "TasksInvalidSpec",
          args: () => [513n, MAX_URI_LENGTH],
        },
        {
          title: "a spec URI of 257 two-byte characters (514 bytes) reverts TasksInvalidSpec(514, 512)",
          overrides: { specUri: wideUri },
          error: "TasksInvalidSpec",
          args: () => [514n, MAX_URI_LENGTH],
        },
        {
          title: "a zero spec hash reverts TasksInvalidSpec(uri length, 512)",
          overrides: { specHash: ZeroHash },
          error: "TasksInvalidSpec",
          args: (p) => [BigInt(Buffer.byteLength(p.specUri, "utf8")), MAX_URI_LENGTH],
        },
      ];

      for (const bad of cases) {
        it(`${bad.title} and changes nothing`, async function () {
          const c = await loadFixture(tasksFixture);
          await postDefaultTask(c);
          const params = await defaultTaskParams(c, bad.overrides);
          // An allowance that would cover any escrow the requester can pay: only validation stops the call.
          await approveCrp(c, c.requester, REQUESTER_CRP);
          const before = await snapshot(c);

          // Sent with a gas limit, so the reverting transaction is mined rather than refused at estimation.
          await expect(c.tasks.connect(c.requester).createTask(params, GAS))
            .to.be.revertedWithCustomError(c.tasks, bad.error)
            .withArgs(...bad.args(params));

          expect(await snapshot(c)).to.deep.equal(before);
        });
      }

      it("a token that is neither CRP nor allowlisted reverts TasksTokenNotAllowed(token) and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        await postDefaultTask(c);
        const other = await deployPlainToken(c);
        const otherAddress = await other.getAddress();
        await (await other.connect(c.deployer).transfer(c.requester, 1_000_000n * CRP)).wait();
        await (await other.connect(c.requester).approve(c.registry, 1_000_000n * CRP)).wait();
        expect(await c.tasks.isTokenAllowed(otherAddress)).to.equal(false);
        const params = await defaultTaskParams(c, { token: otherAddress });
        const before = await snapshot(c, otherAddress);

        await expect(c.tasks.connect(c.requester).createTask(params, GAS))
          .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
          .withArgs(otherAddress);

        expect(await snapshot(c, otherAddress)).to.deep.equal(before);
      });

      it("the zero address as token reverts TasksTokenNotAllowed(0x0) and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        const params = await defaultTaskParams(c, { token: ZeroAddress });
        const before = await snapshot(c);
        await expect(c.tasks.connect(c.requester).createTask(params))
          .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
          .withArgs(ZeroAddress);
        expect(await snapshot(c)).to.deep.equal(before);
      });

      it("a deadline equal to the block's timestamp is not in the future: reverts TasksInvalidDeadline(now, now + 1, now + 365 days) and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        await approveCrp(c, c.requester, REQUESTER_CRP);
        const now = BigInt(await time.latest()) + 100n;
        const params = await defaultTaskParams(c, { deadline: now });
        const before = await snapshot(c);

        await time.setNextBlockTimestamp(now);
        await expect(c.tasks.connect(c.requester).createTask(params, GAS))
          .to.be.revertedWithCustomError(c.tasks, "TasksInvalidDeadline")
          .withArgs(now, now + 1n, now + MAX_TASK_DURATION);

        expect(await snapshot(c)).to.deep.equal(before);
      });

      it("a deadline in the past reverts TasksInvalidDeadline and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        await approveCrp(c, c.requester, REQUESTER_CRP);
        const now = BigInt(await time.latest()) + 100n;
        const params = await defaultTaskParams(c, { deadline: now - 1n });
        const before = await snapshot(c);

        await time.setNextBlockTimestamp(now);
        await expect(c.tasks.connect(c.requester).createTask(params, GAS))
          .to.be.revertedWithCustomError(c.tasks, "TasksInvalidDeadline")
          .withArgs(now - 1n, now + 1n, now + MAX_TASK_DURATION);

        expect(await snapshot(c)).to.deep.equal(before);
      });

      it("a deadline of now + 365 days + 1 s reverts TasksInvalidDeadline(deadline, now + 1, now + 365 days) and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        await approveCrp(c, c.requester, REQUESTER_CRP);
        const now = BigInt(await time.latest()) + 100n;
        const params = await defaultTaskParams(c, { deadline: now + MAX_TASK_DURATION + 1n });
        const before = await snapshot(c);

        await time.setNextBlockTimestamp(now);
        await expect(c.tasks.connect(c.requester).createTask(params, GAS))
          .to.be.revertedWithCustomError(c.tasks, "TasksInvalidDeadline")
          .withArgs(now + MAX_TASK_DURATION + 1n, now + 1n, now + MAX_TASK_DURATION);

        expect(await snapshot(c)).to.deep.equal(before);
      });

      it("an allowance short of the escrow by 1 wei reverts ERC20InsufficientAllowance and changes nothing", async function () {
        const c = await loadFixture(tasksFixture);
        const params = await defaultTaskParams(c);
        const escrow = await escrowOf(c, params);
        await approveCrp(c, c.requester, escrow - 1n);
        const before = await snapshot(c);
        await expect(c.tasks.connect(c.requester).createTask(params))
          .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
          .withArgs(c.registry, escrow - 1n, escrow);
        expect(await snapshot(c)).to.deep.equal(before);
      });
    });

    describe("boundary values that succeed", function () {
      it("a deadline of exactly now + 365 days and of exactly now + 1 s are accepted", async function () {
        const c = await loadFixture(tasksFixture);
        await approveCrp(c, c.requester, REQUESTER_CRP);

        let now = BigInt(await time.latest()) + 100n;
        await time.setNextBlockTimestamp(now);
        const far = await defaultTaskParams(c, { deadline: now + MAX_TASK_DURATION });
        await expect(c.tasks.connect(c.requester).createTask(far, GAS))
          .to.emit(c.tasks, "TaskCreated")
          .withArgs(
            1n,
            c.requester.address,
            far.token,
            far.kind,
            far.reward,
            far.slots,
            now + MAX_TASK_DURATION,
            await escrowOf(c, far),
            far.specHash,
            far.specUri,
          );
        expect((await c.tasks.getTask(1n)).deadline).to.equal(now + MAX_TASK_DURATION);

        now = BigInt(await time.latest()) + 100n;
        await time.setNextBlockTimestamp(now);
        const near = await defaultTaskParams(c, { deadline: now + 1n });
        await expect(c.tasks.connect(c.requester).createTask(near, GAS)).to.emit(c.tasks, "TaskCreated");
        expect((await c.tasks.getTask(2n)).deadline).to.equal(now + 1n);
        await expectSolvent(c);
      });

      it("review windows of exactly 1 hour and exactly 30 days are accepted", async function () {
        const c = await loadFixture(tasksFixture);
        const shortest = await postDefaultTask(c, { reviewWindow: MIN_REVIEW_WINDOW });
        const longest = await postDefaultTask(c, { reviewWindow: MAX_REVIEW_WINDOW });
        expect((await c.tasks.getTask(shortest)).reviewWindow).to.equal(MIN_REVIEW_WINDOW);
        expect((await c.tasks.getTask(longest)).reviewWindow).to.equal(MAX_REVIEW_WINDOW);
      });

      it("panels of 7 with quorum 4, 7 with quorum 7, 1 with quorum 1 and 3 with quorum 3 are accepted", async function () {
        const c = await loadFixture(tasksFixture);
        for (const [panelSize, quorum] of [
          [7n, 4n],
          [7n, 7n],
          [1n, 1n],
          [3n, 3n],
        ] as const) {
          const taskId = await postDefaultTask(c, { panelSize, quorum });
          const task = await c.tasks.getTask(taskId);
          expect([task.panelSize, task.quorum]).to.deep.equal([panelSize, quorum]);
        }
      });

      it("spec URIs of exactly 512 bytes (ASCII or 256 two-byte characters) and of 1 byte are accepted and emitted whole", async function () {
        const c = await loadFixture(tasksFixture);
        const uri512 = "ipfs://" + "b".repeat(Number(MAX_URI_LENGTH) - 7);
        expect(Buffer.byteLength(uri512, "utf8")).to.equal(512);
        for (const specUri of [uri512, "x", "é".repeat(256)]) {
          const params = await defaultTaskParams(c, { specUri });
          await approveCrp(c, c.requester, await escrowOf(c, params));
          const receipt = await (await c.tasks.connect(c.requester).createTask(params)).wait();
          const taskId = eventArg(c, receipt, "TaskCreated", "taskId");
          expect((await c.tasks.getTask(taskId)).requester).to.equal(c.requester.address);
          const log = receipt?.logs
            .map((l) => c.tasks.interface.parseLog({ topics: [...l.topics], data: l.data }))
            .find((e) => e?.name === "TaskCreated");
          expect(log?.args.getValue("specUri")).to.equal(specUri);
        }
      });

      it("kind taskKindCount - 1 (4) is accepted, and kind 5 once governance defines a sixth kind", async function () {
        const c = await loadFixture(tasksFixture);
        const last = await postDefaultTask(c, { kind: KIND_COUNT - 1n });
        expect((await c.tasks.getTask(last)).kind).to.equal(KIND_COUNT - 1n);
        await asGovernance(c.timelock, async (t) => {
          await c.tasks.connect(t).setParameter(encodeBytes32String("taskKindCount"), KIND_COUNT + 1n);
        });
        const added = await postDefaultTask(c, { kind: KIND_COUNT });
        expect((await c.tasks.getTask(added)).kind).to.equal(KIND_COUNT);
      });

      it("exactly MAX_SLOTS slots are accepted and escrow MAX_SLOTS × 107.5 CRP", async function () {
        const c = await loadFixture(tasksFixture);
        const params = await defaultTaskParams(c, { slots: MAX_SLOTS });
        const escrow = await escrowOf(c, params);
        expect(escrow).to.equal((MAX_SLOTS * 1_075n * CRP) / 10n);
        await approveCrp(c, c.requester, escrow);
        const tx = c.tasks.connect(c.requester).createTask(params);
        await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [-escrow, escrow]);
        const task = await c.tasks.getTask(1n);
        expect([task.slots, task.funds]).to.deep.equal([MAX_SLOTS, escrow]);
        await expectSolvent(c);
      });

      it("a 1-wei reward on 1 slot is accepted: the fees round down to 0 and the escrow is 1 wei", async function () {
        const c = await loadFixture(tasksFixture);
        const taskId = await postDefaultTask(c, { reward: 1n, slots: 1n, workerBond: 0n });
        const task = await c.tasks.getTask(taskId);
        expect([task.reward, task.validatorFee, task.protocolFee, task.funds, task.workerBond]).to.deep.equal([
          1n,
          0n,
          0n,
          1n,
          0n,
        ]);
        expect(await c.token.balanceOf(c.registry)).to.equal(1n);
      });

      it("a reward and a worker bond of exactly MAX_AMOUNT are accepted (in an allowlisted token with a large supply)", async function () {
        const c = await loadFixture(tasksFixture);
        const big = await deployPlainToken(c, 2n ** 100n);
        const bigAddress = await big.getAddress();
        await allowToken(c, bigAddress, true);
        await (await big.connect(c.deployer).transfer(c.requester, 2n ** 99n)).wait();
        const params = await defaultTaskParams(c, {
          token: bigAddress,
          reward: MAX_AMOUNT,
          workerBond: MAX_AMOUNT,
          slots: 1n,
        });
        const { escrow } = escrowAt(MAX_AMOUNT, 1n, 500n, 250n);
        expect(await escrowOf(c, params)).to.equal(escrow);
        await (await big.connect(c.requester).approve(c.registry, escrow)).wait();
        const tx = c.tasks.connect(c.requester).createTask(params);
        await expect(tx).to.changeTokenBalances(big, [c.requester, c.tasks], [-escrow, escrow]);
        const task = await c.tasks.getTask(1n);
        expect([task.reward, task.workerBond, task.funds]).to.deep.equal([MAX_AMOUNT, MAX_AMOUNT, escrow]);
        await expectSolvent(c, bigAddress);
      });
    });
  });

  describe("createTaskWithPermit", function () {
    async function deadlineIn(seconds: bigint): Promise<bigint> {
      return BigInt(await time.latest()) + seconds;
    }

    it("creates the task with a signed permit for the escrow and no prior approval, consuming the permit", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c);
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(0n);
      const nonce = await c.token.nonces(c.requester);
      const p = await signPermit(c.token, c.requester, c.registry, escrow, await deadlineIn(HOUR));

      const tx = c.tasks.connect(c.requester).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s);
      await expect(tx)
        .to.emit(c.tasks, "TaskCreated")
        .withArgs(
          1n,
          c.requester.address,
          params.token,
          params.kind,
          params.reward,
          params.slots,
          params.deadline,
          escrow,
          params.specHash,
          params.specUri,
        );
      await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [-escrow, escrow]);
      expect(await c.token.nonces(c.requester)).to.equal(nonce + 1n);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(0n);
      expect((await c.tasks.getTask(1n)).funds).to.equal(escrow);
      await expectSolvent(c);
    });

    it("still creates the task when a front-runner already submitted the permit to the token", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c);
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      const p = await signPermit(c.token, c.requester, c.registry, escrow, await deadlineIn(HOUR));
      await c.token.connect(c.stranger).permit(p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(escrow);

      const tx = c.tasks.connect(c.requester).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s);
      await expect(tx).to.emit(c.tasks, "TaskCreated");
      await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [-escrow, escrow]);
      expect(await c.token.allowance(c.requester, c.registry)).to.equal(0n);
      expect(await c.tasks.taskCount()).to.equal(1n);
      await expectSolvent(c);
    });

    it("with neither a valid permit nor an allowance reverts with the token's ERC20InsufficientAllowance and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c);
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      // Signed for 1 wei less than the escrow: the permit the registry applies does not match the signature.
      const p = await signPermit(c.token, c.requester, c.registry, escrow - 1n, await deadlineIn(HOUR));
      const nonce = await c.token.nonces(c.requester);
      const before = await snapshot(c);

      await expect(c.tasks.connect(c.requester).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(c.registry, 0n, escrow);

      expect(await snapshot(c)).to.deep.equal(before);
      expect(await c.token.nonces(c.requester)).to.equal(nonce);
    });

    it("with an expired permit and no allowance reverts ERC20InsufficientAllowance and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c, { deadline: BigInt(await time.latest()) + 30n * DAYS });
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      const p = await signPermit(c.token, c.requester, c.registry, escrow, await deadlineIn(HOUR));
      await time.increase(HOUR + 1n);
      const before = await snapshot(c);

      await expect(c.tasks.connect(c.requester).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(c.registry, 0n, escrow);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("validates the task before the permit: bad params revert with the registry's error and leave the permit unused", async function () {
      const c = await loadFixture(tasksFixture);
      const params = await defaultTaskParams(c, { slots: 0n });
      const p = await signPermit(c.token, c.requester, c.registry, 1_000n * CRP, await deadlineIn(HOUR));
      const nonce = await c.token.nonces(c.requester);
      await expect(c.tasks.connect(c.requester).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidSlots")
        .withArgs(0n, MAX_SLOTS);
      expect(await c.token.nonces(c.requester)).to.equal(nonce);
      expect(await c.tasks.taskCount()).to.equal(0n);
    });

    it("with an allowlisted token that has no permit falls back to the existing allowance", async function () {
      const c = await loadFixture(tasksFixture);
      const plain = await deployPlainToken(c);
      const plainAddress = await plain.getAddress();
      await allowToken(c, plainAddress, true);
      await (await plain.connect(c.deployer).transfer(c.requester, 1_000_000n * CRP)).wait();
      const params = await defaultTaskParams(c, { token: plainAddress });
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      await (await plain.connect(c.requester).approve(c.registry, escrow)).wait();

      const tx = c.tasks.connect(c.requester).createTaskWithPermit(params, 0n, 27, ZeroHash, ZeroHash);
      await expect(tx).to.emit(c.tasks, "TaskCreated");
      await expect(tx).to.changeTokenBalances(plain, [c.requester, c.tasks], [-escrow, escrow]);
    });
  });

  describe("payment tokens", function () {
    it("a token that delivers less than sent (fee on transfer) reverts TasksTokenDeliveredLess(token, expected, received) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const fot = await new FeeOnTransferToken__factory(c.deployer).deploy(1_000_000_000n * CRP);
      const fotAddress = await fot.getAddress();
      await expect(allowToken(c, fotAddress, true))
        .to.emit(c.tasks, "TokenAllowed")
        .withArgs(fotAddress, true);
      expect(await c.tasks.isTokenAllowed(fotAddress)).to.equal(true);
      await (await fot.connect(c.deployer).transfer(c.requester, 1_000_000n * CRP)).wait();
      const params = await defaultTaskParams(c, { token: fotAddress });
      const escrow = await escrowOf(c, params);
      await (await fot.connect(c.requester).approve(c.registry, escrow)).wait();
      const before = await snapshot(c, fotAddress);

      await expect(c.tasks.connect(c.requester).createTask(params, GAS))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenDeliveredLess")
        .withArgs(fotAddress, escrow, escrow - escrow / 100n);

      expect(await snapshot(c, fotAddress)).to.deep.equal(before);
      expect(await fot.balanceOf(c.registry)).to.equal(0n);
    });

    it("a second allowlisted plain token works end to end: the escrow and the worker bond are paid in that token, CRP is untouched", async function () {
      const c = await loadFixture(tasksFixture);
      const blk = await deployPlainToken(c);
      const blkAddress = await blk.getAddress();
      await allowToken(c, blkAddress, true);
      for (const holder of [c.requester, c.worker, c.otherWorker]) {
        await (await blk.connect(c.deployer).transfer(holder, 100_000n * CRP)).wait();
      }
      const params = await defaultTaskParams(c, { token: blkAddress });
      const escrow = await escrowOf(c, params);
      await (await blk.connect(c.requester).approve(c.registry, escrow)).wait();
      const crpBefore = await c.token.balanceOf(c.requester);

      const tx = c.tasks.connect(c.requester).createTask(params);
      await expect(tx)
        .to.emit(c.tasks, "TaskCreated")
        .withArgs(
          1n,
          c.requester.address,
          blkAddress,
          params.kind,
          params.reward,
          params.slots,
          params.deadline,
          escrow,
          params.specHash,
          params.specUri,
        );
      await expect(tx).to.changeTokenBalances(blk, [c.requester, c.tasks], [-escrow, escrow]);
      expect(await c.token.balanceOf(c.requester)).to.equal(crpBefore);
      expect(await c.token.balanceOf(c.registry)).to.equal(0n);
      const task = await c.tasks.getTask(1n);
      expect([task.token, task.funds]).to.deep.equal([blkAddress, escrow]);

      // The worker bonds in the task's token.
      const bond = task.workerBond;
      await (await blk.connect(c.worker).approve(c.registry, bond)).wait();
      await expect(c.tasks.connect(c.worker).submit(1n, id("blk work"), "ipfs://blk"))
        .to.emit(c.tasks, "Submitted")
        .withArgs(1n, 1n, c.worker.address, id("blk work"), bond, "ipfs://blk");
      expect(await blk.balanceOf(c.registry)).to.equal(escrow + bond);
      await expectSolvent(c, blkAddress);
      await expectSolvent(c);
    });

    it("after governance removes a token from the allowlist new tasks in it revert TasksTokenNotAllowed, but its existing task still takes submissions, funding and its refund", async function () {
      const c = await loadFixture(tasksFixture);
      const blk = await deployPlainToken(c);
      const blkAddress = await blk.getAddress();
      await allowToken(c, blkAddress, true);
      for (const holder of [c.requester, c.worker, c.otherWorker, c.stranger]) {
        await (await blk.connect(c.deployer).transfer(holder, 100_000n * CRP)).wait();
      }
      const params = await defaultTaskParams(c, { token: blkAddress });
      await (await blk.connect(c.requester).approve(c.registry, 100_000n * CRP)).wait();
      const taskId = await (async () => {
        const receipt = await (await c.tasks.connect(c.requester).createTask(params)).wait();
        return eventArg(c, receipt, "TaskCreated", "taskId");
      })();

      await expect(allowToken(c, blkAddress, false))
        .to.emit(c.tasks, "TokenAllowed")
        .withArgs(blkAddress, false);
      expect(await c.tasks.isTokenAllowed(blkAddress)).to.equal(false);
      const before = await snapshot(c, blkAddress);
      await expect(c.tasks.connect(c.requester).createTask(await defaultTaskParams(c, { token: blkAddress })))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
        .withArgs(blkAddress);
      expect(await snapshot(c, blkAddress)).to.deep.equal(before);

      // The existing task goes on.
      const submissionId = await submitWork(c, c.worker, taskId, "after-removal.json");
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Drawing);
      await submitWork(c, c.otherWorker, taskId, "after-removal-2.json");
      expect((await c.tasks.getTask(taskId)).pending).to.equal(2n);
      await (await blk.connect(c.stranger).approve(c.registry, 5n * CRP)).wait();
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 5n * CRP)).to.emit(c.tasks, "TaskFunded");

      const funds = (await c.tasks.getTask(taskId)).funds;
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(taskId, c.requester.address, funds);
      expect(await c.tasks.balanceOf(blkAddress, c.requester)).to.equal(funds);
      await expect(c.tasks.connect(c.requester).withdraw(blkAddress)).to.changeTokenBalances(
        blk,
        [c.requester, c.tasks],
        [funds, -funds],
      );
      await expectSolvent(c, blkAddress);
    });

    it("CRP cannot be removed from (or added to) the allowlist: setTokenAllowed(CRP) reverts TasksTokenNotAllowed", async function () {
      const c = await loadFixture(tasksFixture);
      const crp = await c.token.getAddress();
      await asGovernance(c.timelock, async (t) => {
        await expect(c.tasks.connect(t).setTokenAllowed(crp, false))
          .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
          .withArgs(crp);
      });
      expect(await c.tasks.isTokenAllowed(crp)).to.equal(true);
    });

    it("only governance changes the allowlist: anyone else reverts AccessControlUnauthorizedAccount", async function () {
      const c = await loadFixture(tasksFixture);
      const blk = await deployPlainToken(c);
      for (const caller of [c.stranger, c.guardian, c.requester]) {
        await expect(c.tasks.connect(caller).setTokenAllowed(await blk.getAddress(), true))
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
      expect(await c.tasks.isTokenAllowed(await blk.getAddress())).to.equal(false);
    });
  });

  describe("fundTask", function () {
    it("anyone adds to an open task: TaskFunded(taskId, funder, amount, funds after), funds grow by exactly the amount", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const funds = (await c.tasks.getTask(taskId)).funds;
      await approveCrp(c, c.stranger, 50n * CRP);

      const tx = c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP);
      await expect(tx)
        .to.emit(c.tasks, "TaskFunded")
        .withArgs(taskId, c.stranger.address, 50n * CRP, funds + 50n * CRP);
      await expect(tx).to.changeTokenBalances(c.token, [c.stranger, c.tasks], [-50n * CRP, 50n * CRP]);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(funds + 50n * CRP);

      await approveCrp(c, c.requester, 1n);
      await expect(c.tasks.connect(c.requester).fundTask(taskId, 1n))
        .to.emit(c.tasks, "TaskFunded")
        .withArgs(taskId, c.requester.address, 1n, funds + 50n * CRP + 1n);
      // Funding never touches the requester's withdrawable balance.
      expect(await c.tasks.balanceOf(await c.token.getAddress(), c.requester)).to.equal(0n);
      await expectSolvent(c);
    });

    it("funding tops up a task whose funds a submission reserved, so another submission fits", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c, { slots: 2n });
      const reservation = (1_075n * CRP) / 10n;
      // Leave room for one submission only.
      const [escrow] = await c.tasks.escrowFor(100n * CRP, 2n);
      expect(escrow).to.equal(2n * reservation);
      await submitWork(c, c.worker, taskId);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(reservation);
      await approveCrp(c, c.stranger, 10n * CRP);
      await c.tasks.connect(c.stranger).fundTask(taskId, 10n * CRP);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(reservation + 10n * CRP);
      await submitWork(c, c.otherWorker, taskId);
      expect((await c.tasks.getTask(taskId)).funds).to.equal(10n * CRP);
      await expectSolvent(c);
    });

    it("amount 0 reverts TasksInvalidAmount(0, MAX_AMOUNT) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await approveCrp(c, c.stranger, 50n * CRP);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 0n))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidAmount")
        .withArgs(0n, MAX_AMOUNT);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("amount MAX_AMOUNT + 1 reverts TasksInvalidAmount(MAX_AMOUNT + 1, MAX_AMOUNT) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidAmount")
        .withArgs(MAX_AMOUNT + 1n, MAX_AMOUNT);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("an unknown task (0, or one past taskCount) reverts TasksUnknownTask(taskId) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      await postDefaultTask(c);
      await approveCrp(c, c.stranger, 50n * CRP);
      const before = await snapshot(c);
      for (const taskId of [0n, 2n]) {
        await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
          .withArgs(taskId);
      }
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("a cancelled task reverts TasksTaskClosed(taskId) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await c.tasks.connect(c.requester).cancelTask(taskId);
      await approveCrp(c, c.stranger, 50n * CRP);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("a task is open at exactly its deadline (funding succeeds) and closed one second later (TasksTaskClosed, nothing changes)", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { deadline, funds } = await c.tasks.getTask(taskId);
      await approveCrp(c, c.stranger, 100n * CRP);

      await time.setNextBlockTimestamp(deadline);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP, GAS))
        .to.emit(c.tasks, "TaskFunded")
        .withArgs(taskId, c.stranger.address, 50n * CRP, funds + 50n * CRP);

      const before = await snapshot(c);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP, GAS))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("while paused reverts EnforcedPause and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await approveCrp(c, c.stranger, 50n * CRP);
      await pause(c);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP)).to.be.revertedWithCustomError(
        c.tasks,
        "EnforcedPause",
      );
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("without an allowance reverts with the token's ERC20InsufficientAllowance and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP))
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(c.registry, 0n, 50n * CRP);
      expect(await snapshot(c)).to.deep.equal(before);
    });
  });

  describe("pause", function () {
    it("a stranger cannot pause: AccessControlUnauthorizedAccount(stranger, GUARDIAN_ROLE)", async function () {
      const c = await loadFixture(tasksFixture);
      const role = await c.tasks.GUARDIAN_ROLE();
      for (const caller of [c.stranger, c.requester]) {
        await expect(c.tasks.connect(caller).pause())
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect(await c.tasks.paused()).to.equal(false);
    });

    it("the guardian's pause stops createTask, createTaskWithPermit, fundTask and submit with EnforcedPause and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await expect(c.tasks.connect(c.guardian).pause()).to.emit(c.tasks, "Paused").withArgs(c.guardian.address);
      expect(await c.tasks.paused()).to.equal(true);

      const params = await defaultTaskParams(c);
      const [escrow] = await c.tasks.escrowFor(params.reward, params.slots);
      await approveCrp(c, c.requester, escrow);
      await approveCrp(c, c.stranger, 50n * CRP);
      await approveCrp(c, c.worker, 10n * CRP);
      const permit = await signPermit(c.token, c.stranger, c.registry, escrow, BigInt(await time.latest()) + HOUR);
      const before = await snapshot(c);
      const nonce = await c.token.nonces(c.stranger);

      await expect(c.tasks.connect(c.requester).createTask(params)).to.be.revertedWithCustomError(
        c.tasks,
        "EnforcedPause",
      );
      await expect(
        c.tasks.connect(c.stranger).createTaskWithPermit(params, permit.deadline, permit.v, permit.r, permit.s),
      ).to.be.revertedWithCustomError(c.tasks, "EnforcedPause");
      await expect(c.tasks.connect(c.stranger).fundTask(taskId, 50n * CRP)).to.be.revertedWithCustomError(
        c.tasks,
        "EnforcedPause",
      );
      await expect(
        c.tasks.connect(c.worker).submit(taskId, id("paused"), "ipfs://paused"),
      ).to.be.revertedWithCustomError(c.tasks, "EnforcedPause");

      expect(await snapshot(c)).to.deep.equal(before);
      expect(await c.token.nonces(c.stranger)).to.equal(nonce);
    });

    it("while paused every way out stays open: finalize, withdraw, cancelTask and refund work", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const otherTask = await postDefaultTask(c);
      const submissionId = await submitWork(c, c.worker, taskId);
      const { workerBond, reviewWindow } = await c.tasks.getTask(taskId);
      await pause(c);
      const crp = await c.token.getAddress();

      // The panel was never drawn within the window: finalize voids it and returns the bond.
      await time.increase(reviewWindow + 1n);
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "SubmissionFinalized")
        .withArgs(submissionId, taskId, STATUS.Voided, workerBond, 0n);
      await expect(c.tasks.connect(c.worker).withdraw(crp))
        .to.emit(c.tasks, "Withdrawn")
        .withArgs(crp, c.worker.address, workerBond);

      const funds = (await c.tasks.getTask(taskId)).funds;
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(taskId, c.requester.address, funds);
      const { deadline, funds: otherFunds } = await c.tasks.getTask(otherTask);
      await time.increaseTo(deadline + 1n);
      await expect(c.tasks.connect(c.stranger).refund(otherTask))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(otherTask, c.requester.address, otherFunds);
      await expect(c.tasks.connect(c.requester).withdraw(crp)).to.changeTokenBalances(
        c.token,
        [c.requester, c.tasks],
        [funds + otherFunds, -(funds + otherFunds)],
      );
      expect(await c.tasks.paused()).to.equal(true);
      await expectSolvent(c);
    });

    it("only governance unpauses: the guardian and strangers revert AccessControlUnauthorizedAccount, the timelock unpauses and tasks can be created again", async function () {
      const c = await loadFixture(tasksFixture);
      await pause(c);
      for (const caller of [c.guardian, c.stranger]) {
        await expect(c.tasks.connect(caller).unpause())
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
      expect(await c.tasks.paused()).to.equal(true);

      const timelock = await c.timelock.getAddress();
      await asGovernance(c.timelock, async (t) => {
        await expect(c.tasks.connect(t).unpause()).to.emit(c.tasks, "Unpaused").withArgs(timelock);
      });
      expect(await c.tasks.paused()).to.equal(false);
      expect(await postDefaultTask(c)).to.equal(1n);
    });
  });

  describe("cancelTask and refund", function () {
    it("only the requester cancels: anyone else reverts TasksNotRequester(taskId, caller) and nothing changes", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const before = await snapshot(c);
      for (const caller of [c.stranger, c.worker, c.guardian]) {
        await expect(c.tasks.connect(caller).cancelTask(taskId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotRequester")
          .withArgs(taskId, caller.address);
      }
      await asGovernance(c.timelock, async (t) => {
        await expect(c.tasks.connect(t).cancelTask(taskId))
          .to.be.revertedWithCustomError(c.tasks, "TasksNotRequester")
          .withArgs(taskId, await c.timelock.getAddress());
      });
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("cancelling an unknown task reverts TasksUnknownTask", async function () {
      const c = await loadFixture(tasksFixture);
      await expect(c.tasks.connect(c.requester).cancelTask(1n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
        .withArgs(1n);
    });

    it("the requester's cancel closes the task and credits the whole unreserved escrow to its balance (TaskCancelled, TaskRefunded), withdrawable", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const crp = await c.token.getAddress();
      const escrow = (await c.tasks.getTask(taskId)).funds;
      const registryBalance = await c.token.balanceOf(c.registry);

      const tx = c.tasks.connect(c.requester).cancelTask(taskId);
      await expect(tx).to.emit(c.tasks, "TaskCancelled").withArgs(taskId);
      await expect(tx).to.emit(c.tasks, "TaskRefunded").withArgs(taskId, c.requester.address, escrow);
      // A credit, not a transfer.
      await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [0n, 0n]);
      expect(await c.token.balanceOf(c.registry)).to.equal(registryBalance);
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(escrow);
      const task = await c.tasks.getTask(taskId);
      expect([task.cancelled, task.funds]).to.deep.equal([true, 0n]);
      await expectSolvent(c);

      await expect(c.tasks.connect(c.requester).withdraw(crp)).to.changeTokenBalances(
        c.token,
        [c.requester, c.tasks],
        [escrow, -escrow],
      );
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(0n);
      await expectSolvent(c);
    });

    it("cancelling with a pending submission credits only the unreserved funds; the submission keeps its reservation", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const crp = await c.token.getAddress();
      await submitWork(c, c.worker, taskId);
      const { funds, pending } = await c.tasks.getTask(taskId);
      expect(pending).to.equal(1n);
      expect(funds).to.equal(1_075n * CRP - (1_075n * CRP) / 10n);

      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(taskId, c.requester.address, funds);
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(funds);
      expect((await c.tasks.getTask(taskId)).pending).to.equal(1n);
      await expectSolvent(c);
    });

    it("cancelling twice reverts TasksTaskClosed(taskId) and credits nothing more", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await c.tasks.connect(c.requester).cancelTask(taskId);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("cancelling after the deadline reverts TasksTaskClosed(taskId): the task is already closed, refund is the way", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      await time.increaseTo((await c.tasks.getTask(taskId)).deadline + 1n);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskClosed")
        .withArgs(taskId);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("refund before the deadline of a task not cancelled reverts TasksTaskStillOpen(taskId, deadline), also at exactly the deadline", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { deadline } = await c.tasks.getTask(taskId);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.requester).refund(taskId))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskStillOpen")
        .withArgs(taskId, deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(c.tasks.connect(c.stranger).refund(taskId, GAS))
        .to.be.revertedWithCustomError(c.tasks, "TasksTaskStillOpen")
        .withArgs(taskId, deadline);
      expect(await snapshot(c)).to.deep.equal(before);
    });

    it("refund of an unknown task reverts TasksUnknownTask", async function () {
      const c = await loadFixture(tasksFixture);
      await expect(c.tasks.refund(7n)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask").withArgs(7n);
    });

    it("after the deadline anyone may refund: the funds are credited to the requester (not the caller), and a second refund credits nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const crp = await c.token.getAddress();
      const { deadline, funds } = await c.tasks.getTask(taskId);
      await time.increaseTo(deadline + 1n);

      const tx = c.tasks.connect(c.stranger).refund(taskId);
      await expect(tx).to.emit(c.tasks, "TaskRefunded").withArgs(taskId, c.requester.address, funds);
      await expect(tx).to.not.emit(c.tasks, "TaskCancelled");
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(funds);
      expect(await c.tasks.balanceOf(crp, c.stranger)).to.equal(0n);
      const task = await c.tasks.getTask(taskId);
      expect([task.funds, task.cancelled]).to.deep.equal([0n, false]);
      await expectSolvent(c);

      const before = await snapshot(c);
      await expect(c.tasks.connect(c.requester).refund(taskId)).to.not.emit(c.tasks, "TaskRefunded");
      await expect(c.tasks.connect(c.stranger).refund(taskId)).to.not.emit(c.tasks, "TaskRefunded");
      expect(await snapshot(c)).to.deep.equal(before);
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(funds);
      await expectSolvent(c);
    });

    it("refund after a cancel is harmless: the cancel already credited everything, nothing is credited twice", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const crp = await c.token.getAddress();
      const { funds } = await c.tasks.getTask(taskId);
      await c.tasks.connect(c.requester).cancelTask(taskId);
      const before = await snapshot(c);
      await expect(c.tasks.connect(c.stranger).refund(taskId)).to.not.emit(c.tasks, "TaskRefunded");
      expect(await snapshot(c)).to.deep.equal(before);
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(funds);
      await expectSolvent(c);
    });

    it("funds added before the deadline are refunded with the escrow after it", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const crp = await c.token.getAddress();
      await approveCrp(c, c.stranger, 25n * CRP);
      await c.tasks.connect(c.stranger).fundTask(taskId, 25n * CRP);
      const { deadline, funds } = await c.tasks.getTask(taskId);
      expect(funds).to.equal(1_100n * CRP);
      await time.increaseTo(deadline + 1n);
      await c.tasks.refund(taskId);
      expect(await c.tasks.balanceOf(crp, c.requester)).to.equal(1_100n * CRP);
      expect(await c.tasks.balanceOf(crp, c.stranger)).to.equal(0n);
      await expectSolvent(c);
    });
  });
});
