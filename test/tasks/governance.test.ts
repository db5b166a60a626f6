import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, Wallet, ZeroAddress, ZeroHash, encodeBytes32String } from "ethers";
import { BlockingToken__factory, CorpusTasks__factory } from "../../sdk/src/typechain";
import { asGovernance } from "../../scripts/lib/impersonate";
import { CRP, DAY, localParameters } from "../helpers/fixtures";
import {
  STATUS,
  TASK_KINDS,
  attestVotes,
  defaultTaskParams,
  eventArg,
  postDefaultTask,
  postTask,
  submitAndDraw,
  tasksFixture,
  type TasksFixture,
} from "../helpers/tasks";

const DEFAULT_ADMIN_ROLE = ZeroHash;
const HOUR = 3_600n;
const DAYS = BigInt(DAY);

/** The governed parameters' names as `setParameter` takes them. */
type ParameterName =
  | "protocolFeeBps"
  | "validatorFeeBps"
  | "reviewStake"
  | "livenessPenalty"
  | "disputeWindow"
  | "maxPanelRounds"
  | "taskKindCount";

/** A governed parameter: its deployed value and its bounds in the deployed state. */
interface ParameterSpec {
  name: ParameterName;
  initial: bigint;
  min: bigint;
  max: bigint;
}

/** Bounds as the interface documents them, evaluated in the deployed state (see each comment). */
const PARAMETERS: ParameterSpec[] = [
  { name: "protocolFeeBps", initial: 250n, min: 0n, max: 1_000n },
  { name: "validatorFeeBps", initial: 500n, min: 0n, max: 2_000n },
  // min = max(1 CRP, livenessPenalty) = 20 CRP while the penalty is 20 CRP.
  { name: "reviewStake", initial: 1_000n * CRP, min: 20n * CRP, max: 1_000_000n * CRP },
  // max = reviewStake = 1,000 CRP.
  { name: "livenessPenalty", initial: 20n * CRP, min: 0n, max: 1_000n * CRP },
  { name: "disputeWindow", initial: 2n * DAYS, min: HOUR, max: 14n * DAYS },
  { name: "maxPanelRounds", initial: 3n, min: 1n, max: 5n },
  // min = the current count (kinds only grow).
  { name: "taskKindCount", initial: 5n, min: 5n, max: 255n },
];

type Initial = [bigint, bigint, bigint, bigint, bigint, bigint];
/** The local deployment's initial parameters in the constructor's order. */
const INITIAL: Initial = [250n, 500n, 1_000n * CRP, 20n * CRP, 2n * DAYS, 3n];

/** A value for a test title: whole CRP, CRP less a wei, 2^128 + x, 2^256 - 1, or plain. */
function show(value: bigint): string {
  if (value === MaxUint256) return "2^256-1";
  if (value > 1n << 128n) return `2^128+${show(value - (1n << 128n))}`;
  if (value >= CRP && value % CRP === 0n) return `${value / CRP} CRP`;
  if (value >= CRP && (value + 1n) % CRP === 0n) return `${(value + 1n) / CRP} CRP-1wei`;
  if (value > CRP && (value - 1n) % CRP === 0n) return `${(value - 1n) / CRP} CRP+1wei`;
  return value.toString();
}

function nameOf(parameter: string): string {
  return encodeBytes32String(parameter);
}

/** Runs `action` as the timelock. */
function asTimelock<T>(c: TasksFixture, action: (timelock: HardhatEthersSigner) => Promise<T>): Promise<T> {
  return asGovernance(c.timelock, action);
}

async function setParameter(c: TasksFixture, parameter: ParameterName, value: bigint) {
  await asTimelock(c, async (timelock) => {
    await (await c.tasks.connect(timelock).setParameter(nameOf(parameter), value)).wait();
  });
}

async function readParameter(c: TasksFixture, parameter: ParameterName): Promise<bigint> {
  if (parameter === "taskKindCount") return c.tasks.taskKindCount();
  return (await c.tasks.parameters())[parameter];
}

/** Everything governance calls on the registry could change, as plain values. */
async function registryState(c: TasksFixture) {
  const p = await c.tasks.parameters();
  return {
    protocolFeeBps: p.protocolFeeBps,
    validatorFeeBps: p.validatorFeeBps,
    reviewStake: p.reviewStake,
    livenessPenalty: p.livenessPenalty,
    disputeWindow: p.disputeWindow,
    maxPanelRounds: p.maxPanelRounds,
    arbitrator: p.arbitrator,
    taskKindCount: await c.tasks.taskKindCount(),
    crpAllowed: await c.tasks.isTokenAllowed(c.token),
    taskCount: await c.tasks.taskCount(),
    submissionCount: await c.tasks.submissionCount(),
    paused: await c.tasks.paused(),
  };
}

/** Accounts without DEFAULT_ADMIN_ROLE on the registry (the guardian holds GUARDIAN_ROLE). */
function nonAdmins(c: TasksFixture): HardhatEthersSigner[] {
  return [c.stranger, c.guardian, c.deployer, c.requester, c.alice];
}

/** The fixture plus a plain ERC20 (not CRP) that frank holds. */
async function otherTokenFixture() {
  const c = await loadFixture(tasksFixture);
  const other = await new BlockingToken__factory(c.deployer).deploy(1_000_000n * CRP);
  await other.transfer(c.requester.address, 1_000_000n * CRP);
  return { ...c, other };
}

describe("CorpusTasks: governance", function () {
  describe("deployed state", function () {
    it("the parameters are those of deploy/parameters/31337.json, with five task kinds and CRP allowed", async function () {
      const c = await loadFixture(tasksFixture);
      const local = localParameters().tasks;
      const p = await c.tasks.parameters();
      expect([p.protocolFeeBps, p.validatorFeeBps, p.reviewStake, p.livenessPenalty, p.disputeWindow]).to.deep.equal([
        BigInt(local.protocolFeeBps),
        BigInt(local.validatorFeeBps),
        local.reviewStake,
        local.livenessPenalty,
        BigInt(local.disputeWindow),
      ]);
      expect(p.maxPanelRounds).to.equal(BigInt(local.maxPanelRounds));
      expect([p.protocolFeeBps, p.validatorFeeBps, p.reviewStake, p.livenessPenalty]).to.deep.equal([
        250n,
        500n,
        1_000n * CRP,
        20n * CRP,
      ]);
      expect([p.disputeWindow, p.maxPanelRounds]).to.deep.equal([2n * DAYS, 3n]);
      expect(await c.tasks.taskKindCount()).to.equal(5n);
      expect(await c.tasks.isTokenAllowed(c.token)).to.equal(true);
      expect(await c.tasks.isTokenAllowed(ZeroAddress)).to.equal(false);
      expect(await c.tasks.CRP()).to.equal(await c.token.getAddress());
      expect(await c.tasks.TREASURY()).to.equal(await c.timelock.getAddress());
    });

    it("the bound constants are the ones the interface documents", async function () {
      const c = await loadFixture(tasksFixture);
      expect(await c.tasks.MAX_PROTOCOL_FEE_BPS()).to.equal(1_000n);
      expect(await c.tasks.MAX_VALIDATOR_FEE_BPS()).to.equal(2_000n);
      expect(await c.tasks.MIN_REVIEW_STAKE()).to.equal(CRP);
      expect(await c.tasks.MAX_REVIEW_STAKE()).to.equal(1_000_000n * CRP);
      expect(await c.tasks.MIN_DISPUTE_WINDOW()).to.equal(HOUR);
      expect(await c.tasks.MAX_DISPUTE_WINDOW()).to.equal(14n * DAYS);
      expect(await c.tasks.MAX_PANEL_ROUNDS()).to.equal(5n);
      expect(await c.tasks.MAX_TASK_KINDS()).to.equal(255n);
    });
  });

  describe("setParameter", function () {
    it("by anyone but the timelock (stranger, guardian, deployer, requester, validator) reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const before = await registryState(c);
      for (const caller of nonAdmins(c)) {
        for (const spec of PARAMETERS) {
          await expect(c.tasks.connect(caller).setParameter(nameOf(spec.name), spec.max))
            .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        }
      }
      expect(await registryState(c)).to.deep.equal(before);
    });

    for (const spec of PARAMETERS) {
      it(`${spec.name}: the lower bound (${show(spec.min)}) and the upper bound (${show(spec.max)}) are accepted, each emits ParameterSet(name, old, new) and the view reports it`, async function () {
        const c = await loadFixture(tasksFixture);
        const before = await registryState(c);
        expect(await readParameter(c, spec.name)).to.equal(spec.initial);
        await asTimelock(c, async (timelock) => {
          await expect(c.tasks.connect(timelock).setParameter(nameOf(spec.name), spec.min))
            .to.emit(c.tasks, "ParameterSet")
            .withArgs(nameOf(spec.name), spec.initial, spec.min);
          expect(await readParameter(c, spec.name)).to.equal(spec.min);

          await expect(c.tasks.connect(timelock).setParameter(nameOf(spec.name), spec.max))
            .to.emit(c.tasks, "ParameterSet")
            .withArgs(nameOf(spec.name), spec.min, spec.max);
          expect(await readParameter(c, spec.name)).to.equal(spec.max);
        });
        // Nothing else moved.
        expect(await registryState(c)).to.deep.equal({ ...before, [spec.name]: spec.max });
      });

      // Just outside each bound, and values that would truncate into range if stored unchecked.
      const outside = [
        ...new Set([...(spec.min > 0n ? [0n, spec.min - 1n] : []), spec.max + 1n, (1n << 128n) + spec.min, MaxUint256]),
      ];
      it(`${spec.name}: ${outside.map(show).join(", ")} revert TasksParameterOutOfBounds(name, value, ${show(spec.min)}, ${show(spec.max)}) and change nothing`, async function () {
        const c = await loadFixture(tasksFixture);
        const before = await registryState(c);
        await asTimelock(c, async (timelock) => {
          for (const value of outside) {
            await expect(c.tasks.connect(timelock).setParameter(nameOf(spec.name), value))
              .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
              .withArgs(nameOf(spec.name), value, spec.min, spec.max);
          }
        });
        expect(await registryState(c)).to.deep.equal(before);
      });
    }

    it("an unknown name (misspelt, wrong case, empty, a staking parameter) reverts TasksParameterOutOfBounds(name, value, 0, 0) and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      const before = await registryState(c);
      await asTimelock(c, async (timelock) => {
        for (const name of [nameOf("protocolFee"), nameOf("ProtocolFeeBps"), ZeroHash, nameOf("minimumStake")]) {
          for (const value of [0n, 1n, 250n]) {
            await expect(c.tasks.connect(timelock).setParameter(name, value))
              .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
              .withArgs(name, value, 0n, 0n);
          }
        }
      });
      expect(await registryState(c)).to.deep.equal(before);
    });

    it("reviewStake's lower bound is 1 CRP once the liveness penalty is 0: 1 CRP works, 1 CRP - 1 wei reverts with min 1 CRP", async function () {
      const c = await loadFixture(tasksFixture);
      await setParameter(c, "livenessPenalty", 0n);
      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setParameter(nameOf("reviewStake"), CRP - 1n))
          .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
          .withArgs(nameOf("reviewStake"), CRP - 1n, CRP, 1_000_000n * CRP);
        await expect(c.tasks.connect(timelock).setParameter(nameOf("reviewStake"), CRP))
          .to.emit(c.tasks, "ParameterSet")
          .withArgs(nameOf("reviewStake"), 1_000n * CRP, CRP);
      });
      expect((await c.tasks.parameters()).reviewStake).to.equal(CRP);
    });

    it("reviewStake must be whole CRP: a value within the bounds with a fraction reverts TasksParameterOutOfBounds and changes nothing", async function () {
      const c = await loadFixture(tasksFixture);
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.tasks.connect(timelock).setParameter(nameOf("reviewStake"), 2_000n * CRP + 1n))
          .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
          .withArgs(nameOf("reviewStake"), 2_000n * CRP + 1n, CRP, 1_000_000n * CRP);
      });
      expect((await c.tasks.parameters()).reviewStake).to.equal(1_000n * CRP);
    });

    it("reviewStake never drops below the liveness penalty: with the penalty at 1,000 CRP, one wei less reverts with min 1,000 CRP", async function () {
      const c = await loadFixture(tasksFixture);
      await setParameter(c, "livenessPenalty", 1_000n * CRP);
      const before = await registryState(c);
      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setParameter(nameOf("reviewStake"), 1_000n * CRP - 1n))
          .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
          .withArgs(nameOf("reviewStake"), 1_000n * CRP - 1n, 1_000n * CRP, 1_000_000n * CRP);
      });
      expect(await registryState(c)).to.deep.equal(before);
    });

    it("the liveness penalty's upper bound follows reviewStake: after reviewStake 1,000,000 CRP, a penalty of 1,000,000 CRP works and one wei more reverts", async function () {
      const c = await loadFixture(tasksFixture);
      await setParameter(c, "reviewStake", 1_000_000n * CRP);
      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setParameter(nameOf("livenessPenalty"), 1_000_000n * CRP + 1n))
          .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
          .withArgs(nameOf("livenessPenalty"), 1_000_000n * CRP + 1n, 0n, 1_000_000n * CRP);
        await expect(c.tasks.connect(timelock).setParameter(nameOf("livenessPenalty"), 1_000_000n * CRP))
          .to.emit(c.tasks, "ParameterSet")
          .withArgs(nameOf("livenessPenalty"), 20n * CRP, 1_000_000n * CRP);
      });
    });

    it("taskKindCount only grows: after 10, setting 10 again works, 9 reverts with min 10, and kinds 5..9 become usable while kind 10 is not", async function () {
      const c = await loadFixture(tasksFixture);
      await setParameter(c, "taskKindCount", 10n);
      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setParameter(nameOf("taskKindCount"), 10n))
          .to.emit(c.tasks, "ParameterSet")
          .withArgs(nameOf("taskKindCount"), 10n, 10n);
        for (const value of [9n, 5n, 0n]) {
          await expect(c.tasks.connect(timelock).setParameter(nameOf("taskKindCount"), value))
            .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
            .withArgs(nameOf("taskKindCount"), value, 10n, 255n);
        }
      });
      expect(await c.tasks.taskKindCount()).to.equal(10n);

      const taskId = await postDefaultTask(c, { kind: 9n });
      expect((await c.tasks.getTask(taskId)).kind).to.equal(9n);
      await expect(c.tasks.connect(c.requester).createTask(await defaultTaskParams(c, { kind: 10n })))
        .to.be.revertedWithCustomError(c.tasks, "TasksInvalidKind")
        .withArgs(10n, 10n);
    });
  });

  describe("a parameter change never affects running work", function () {
    it("a task created before a fee change keeps its fees through submission, payout and sweep; a task created after takes the new ones", async function () {
      const c = await loadFixture(tasksFixture);
      const token = await c.token.getAddress();
      const oldTask = await postDefaultTask(c);
      const oldView = await c.tasks.getTask(oldTask);
      expect([oldView.validatorFee, oldView.protocolFee, oldView.funds]).to.deep.equal([
        5n * CRP,
        (25n * CRP) / 10n,
        1_075n * CRP,
      ]);

      await setParameter(c, "protocolFeeBps", 1_000n);
      await setParameter(c, "validatorFeeBps", 2_000n);
      expect(await c.tasks.getTask(oldTask)).to.deep.equal(oldView);

      // A submission to the old task reserves at the old fees: 100 + 5 + 2.5 CRP.
      const { submissionId, panel } = await submitAndDraw(c, oldTask);
      expect((await c.tasks.getTask(oldTask)).funds).to.equal(1_075n * CRP - (1_075n * CRP) / 10n);
      await attestVotes(c, submissionId, [true, true, false]);
      await time.increase(3n * DAYS);
      await expect(c.tasks.finalize(submissionId))
        .to.emit(c.tasks, "PanelSettled")
        .withArgs(submissionId, 0n, 0b011n, (5n * CRP) / 2n, 0n);
      expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
      expect(await c.tasks.balanceOf(token, c.worker)).to.equal(110n * CRP);
      expect(await c.tasks.balanceOf(token, panel[0]!)).to.equal((5n * CRP) / 2n);
      expect(await c.tasks.balanceOf(token, panel[1]!)).to.equal((5n * CRP) / 2n);
      expect(await c.tasks.workerRecord(c.worker)).to.deep.equal([1n, 0n]);
      expect(await c.tasks.acceptedCount(oldTask, c.worker)).to.equal(1n);
      const sweep = c.tasks.sweepProtocolFees(oldTask);
      await expect(sweep)
        .to.emit(c.tasks, "ProtocolFeesSwept")
        .withArgs(oldTask, (25n * CRP) / 10n);
      await expect(sweep).to.changeTokenBalances(
        c.token,
        [c.timelock, c.tasks],
        [(25n * CRP) / 10n, -(25n * CRP) / 10n],
      );

      // A task created now takes 100 + 20 + 10 CRP per slot.
      const params = await defaultTaskParams(c);
      await c.token.connect(c.requester).approve(c.registry, 1_300n * CRP);
      const create = c.tasks.connect(c.requester).createTask(params);
      await expect(create)
        .to.emit(c.tasks, "TaskReviewTerms")
        .withArgs(2n, 86_400n, 3n, 2n, 10n * CRP, 20n * CRP, 10n * CRP, 1_000n * CRP);
      const newView = await c.tasks.getTask(2n);
      expect([newView.validatorFee, newView.protocolFee, newView.funds]).to.deep.equal([
        20n * CRP,
        10n * CRP,
        1_300n * CRP,
      ]);
      // And the old task is still at its own fees.
      const oldNow = await c.tasks.getTask(oldTask);
      expect([oldNow.validatorFee, oldNow.protocolFee]).to.deep.equal([5n * CRP, (25n * CRP) / 10n]);
    });

    it("a panel drawn before reviewStake is lowered is unlocked by exactly the 1,000 CRP it locked: nothing stays locked after finalize", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { submissionId, panel } = await submitAndDraw(c, taskId);
      for (const member of panel) expect((await c.staking.stakeOf(member)).locked).to.equal(1_000n * CRP);

      await setParameter(c, "reviewStake", 100n * CRP);
      expect((await c.tasks.getTask(taskId)).reviewStake).to.equal(1_000n * CRP);

      await attestVotes(c, submissionId, [true, true, true]);
      await time.increase(3n * DAYS);
      const finalize = c.tasks.finalize(submissionId);
      for (const member of panel) {
        await expect(finalize)
          .to.emit(c.staking, "StakeUnlocked")
          .withArgs(member, c.registry, 1_000n * CRP, 0n);
      }
      await expect(finalize).not.to.emit(c.staking, "Slashed");
      for (const member of panel) {
        const [staked, locked] = await c.staking.stakeOf(member);
        expect([staked, locked]).to.deep.equal([50_000n * CRP, 0n]);
      }
    });

    it("a panel drawn before reviewStake is raised is unlocked by what it locked; the absentee pays the penalty out of that lock; a task created after locks the new stake", async function () {
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { submissionId, panel } = await submitAndDraw(c, taskId);

      await setParameter(c, "reviewStake", 5_000n * CRP);
      await attestVotes(c, submissionId, [true, true, null]);
      await time.increase(3n * DAYS);
      const finalize = c.tasks.finalize(submissionId);
      await expect(finalize)
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(panel[0]!, c.registry, 1_000n * CRP, 0n);
      await expect(finalize)
        .to.emit(c.staking, "StakeUnlocked")
        .withArgs(panel[2]!, c.registry, 980n * CRP, 20n * CRP);
      await expect(finalize)
        .to.emit(c.staking, "Slashed")
        .withArgs(panel[2]!, c.registry, await c.timelock.getAddress(), 20n * CRP, 5n * CRP, 15n * CRP);
      for (const [seat, member] of panel.entries()) {
        const [staked, locked] = await c.staking.stakeOf(member);
        expect([staked, locked]).to.deep.equal([seat === 2 ? 49_980n * CRP : 50_000n * CRP, 0n]);
      }

      // A task created after the change locks 5,000 CRP per member.
      const newTask = await postDefaultTask(c);
      expect((await c.tasks.getTask(newTask)).reviewStake).to.equal(5_000n * CRP);
      const next = await submitAndDraw(c, newTask);
      for (const member of next.panel) expect((await c.staking.stakeOf(member)).locked).to.equal(5_000n * CRP);
    });
  });

  describe("the parameters not fixed per task (livenessPenalty, maxPanelRounds, disputeWindow) reach running work", function () {
    it("the liveness penalty is the one in force when a running panel is settled, but never more than the lock it was drawn with: nothing stays locked", async function () {
      // Unlike fees and the review stake, the penalty is not fixed per task (see the report): raising it to
      // 5,000 CRP while a panel locked 1,000 CRP takes the absentee's whole lock, and no more.
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { submissionId, panel } = await submitAndDraw(c, taskId);

      await setParameter(c, "reviewStake", 5_000n * CRP);
      await setParameter(c, "livenessPenalty", 5_000n * CRP);
      await attestVotes(c, submissionId, [true, true, null]);
      await time.increase(3n * DAYS);
      const finalize = c.tasks.finalize(submissionId);
      await expect(finalize)
        .to.emit(c.staking, "Slashed")
        .withArgs(panel[2]!, c.registry, await c.timelock.getAddress(), 1_000n * CRP, 250n * CRP, 750n * CRP);
      // The absentee's whole lock is kept for the slash: only the two attesters are unlocked.
      const unlocked = ((await (await finalize).wait())?.logs ?? [])
        .map((log) => c.staking.interface.parseLog({ topics: [...log.topics], data: log.data }))
        .filter((parsed) => parsed?.name === "StakeUnlocked")
        .map((parsed) => [...parsed!.args]);
      expect(unlocked).to.deep.equal([
        [panel[0]!, c.registry, 1_000n * CRP, 0n],
        [panel[1]!, c.registry, 1_000n * CRP, 0n],
      ]);
      for (const [seat, member] of panel.entries()) {
        const [staked, locked] = await c.staking.stakeOf(member);
        expect([staked, locked]).to.deep.equal([seat === 2 ? 49_000n * CRP : 50_000n * CRP, 0n]);
      }
    });

    it("maxPanelRounds and disputeWindow are read when a round closes: lowering them to 1 round and 1 hour makes a running submission's first round its last, with a 1-hour escalation window", async function () {
      // Like the liveness penalty, these are not fixed per task (see the report): TaskRecords says review terms
      // are fixed at creation "so governance never changes a running task", which holds for fees and the review
      // stake only.
      const c = await loadFixture(tasksFixture);
      const taskId = await postDefaultTask(c);
      const { submissionId } = await submitAndDraw(c, taskId);
      await setParameter(c, "maxPanelRounds", 1n);
      await setParameter(c, "disputeWindow", HOUR);
      await time.increase(DAYS + 1n);
      // The block's timestamp is pinned, so the expected deadline does not depend on the wall clock.
      const closeAt = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(closeAt);
      const escalateBy = closeAt + HOUR;
      await expect(c.tasks.closeRound(submissionId))
        .to.emit(c.tasks, "NoAgreement")
        .withArgs(submissionId, 0n, true, escalateBy);
      const sub = await c.tasks.getSubmission(submissionId);
      expect([sub.status, sub.round, sub.disputeDeadline]).to.deep.equal([STATUS.NoAgreement, 0n, escalateBy]);
    });
  });

  describe("setTokenAllowed", function () {
    it("by anyone but the timelock reverts AccessControlUnauthorizedAccount and changes nothing", async function () {
      const c = await loadFixture(otherTokenFixture);
      for (const caller of nonAdmins(c)) {
        await expect(c.tasks.connect(caller).setTokenAllowed(c.other, true))
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
        await expect(c.tasks.connect(caller).setTokenAllowed(c.token, false))
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect(await c.tasks.isTokenAllowed(c.other)).to.equal(false);
      expect(await c.tasks.isTokenAllowed(c.token)).to.equal(true);
    });

    it("allowing a token emits TokenAllowed(token, true) and lets new tasks pay in it; removing it emits TokenAllowed(token, false) and stops only new tasks", async function () {
      const c = await loadFixture(otherTokenFixture);
      const other = await c.other.getAddress();
      await expect(c.tasks.connect(c.requester).createTask(await defaultTaskParams(c, { token: other })))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
        .withArgs(other);

      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setTokenAllowed(other, true))
          .to.emit(c.tasks, "TokenAllowed")
          .withArgs(other, true);
      });
      expect(await c.tasks.isTokenAllowed(other)).to.equal(true);
      const taskId = await postTask(c, c.requester, await defaultTaskParams(c, { token: other }));
      expect((await c.tasks.getTask(taskId)).token).to.equal(other);
      expect(await c.other.balanceOf(c.registry)).to.equal(1_075n * CRP);

      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setTokenAllowed(other, false))
          .to.emit(c.tasks, "TokenAllowed")
          .withArgs(other, false);
      });
      expect(await c.tasks.isTokenAllowed(other)).to.equal(false);
      await expect(c.tasks.connect(c.requester).createTask(await defaultTaskParams(c, { token: other })))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
        .withArgs(other);
      // The running task keeps its token and can still be funded and cancelled.
      await c.other.connect(c.requester).approve(c.registry, 10n * CRP);
      await c.tasks.connect(c.requester).fundTask(taskId, 10n * CRP);
      await expect(c.tasks.connect(c.requester).cancelTask(taskId))
        .to.emit(c.tasks, "TaskRefunded")
        .withArgs(taskId, c.requester.address, 1_085n * CRP);
      expect(await c.tasks.balanceOf(other, c.requester)).to.equal(1_085n * CRP);
      await expect(c.tasks.connect(c.requester).withdraw(other)).to.changeTokenBalances(
        c.other,
        [c.requester, c.tasks],
        [1_085n * CRP, -1_085n * CRP],
      );
    });

    it("the zero address or CRP (allowed or not) reverts TasksTokenNotAllowed(token) and CRP stays allowed", async function () {
      const c = await loadFixture(tasksFixture);
      const crp = await c.token.getAddress();
      await asTimelock(c, async (timelock) => {
        for (const allowed of [true, false]) {
          await expect(c.tasks.connect(timelock).setTokenAllowed(ZeroAddress, allowed))
            .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
            .withArgs(ZeroAddress);
          await expect(c.tasks.connect(timelock).setTokenAllowed(crp, allowed))
            .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
            .withArgs(crp);
        }
      });
      expect(await c.tasks.isTokenAllowed(crp)).to.equal(true);
      expect(await c.tasks.isTokenAllowed(ZeroAddress)).to.equal(false);
    });
  });

  describe("setArbitrator", function () {
    it("by anyone but the timelock reverts AccessControlUnauthorizedAccount and keeps the arbitrator", async function () {
      const c = await loadFixture(tasksFixture);
      for (const caller of nonAdmins(c)) {
        await expect(c.tasks.connect(caller).setArbitrator(caller.address))
          .to.be.revertedWithCustomError(c.tasks, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
      expect((await c.tasks.parameters()).arbitrator).to.equal(await c.arbitrator.getAddress());
    });

    it("the timelock sets it, emits ArbitratorSet(old, new), and parameters() reports it; zero unsets it", async function () {
      const c = await loadFixture(tasksFixture);
      const mock = await c.arbitrator.getAddress();
      const next = Wallet.createRandom().address;
      await asTimelock(c, async (timelock) => {
        await expect(c.tasks.connect(timelock).setArbitrator(next))
          .to.emit(c.tasks, "ArbitratorSet")
          .withArgs(mock, next);
        expect((await c.tasks.parameters()).arbitrator).to.equal(next);
        await expect(c.tasks.connect(timelock).setArbitrator(ZeroAddress))
          .to.emit(c.tasks, "ArbitratorSet")
          .withArgs(next, ZeroAddress);
      });
      expect((await c.tasks.parameters()).arbitrator).to.equal(ZeroAddress);
    });
  });

  describe("constructor", function () {
    async function deploy(
      c: TasksFixture,
      overrides: {
        staking?: string;
        governance?: string;
        guardian?: string;
        arbitrator?: string;
        initial?: Initial;
        allowedTokens?: string[];
      } = {},
    ) {
      return new CorpusTasks__factory(c.deployer).deploy(
        overrides.staking ?? (await c.staking.getAddress()),
        overrides.governance ?? (await c.timelock.getAddress()),
        overrides.guardian ?? c.guardian.address,
        overrides.arbitrator ?? ZeroAddress,
        overrides.initial ?? INITIAL,
        overrides.allowedTokens ?? [],
      );
    }

    it("zero staking or zero governance reverts TasksZeroAddress", async function () {
      const c = await loadFixture(tasksFixture);
      await expect(deploy(c, { staking: ZeroAddress })).to.be.revertedWithCustomError(c.tasks, "TasksZeroAddress");
      await expect(deploy(c, { governance: ZeroAddress })).to.be.revertedWithCustomError(c.tasks, "TasksZeroAddress");
    });

    it("each initial parameter out of its bounds reverts TasksParameterOutOfBounds(name, value, min, max)", async function () {
      const c = await loadFixture(tasksFixture);
      const cases: { index: number; name: ParameterName; value: bigint; min: bigint; max: bigint }[] = [
        { index: 0, name: "protocolFeeBps", value: 1_001n, min: 0n, max: 1_000n },
        { index: 1, name: "validatorFeeBps", value: 2_001n, min: 0n, max: 2_000n },
        // The penalty is set after the review stake, so the constructor's floor is 1 CRP.
        { index: 2, name: "reviewStake", value: CRP - 1n, min: CRP, max: 1_000_000n * CRP },
        { index: 2, name: "reviewStake", value: 1_000_000n * CRP + 1n, min: CRP, max: 1_000_000n * CRP },
        { index: 3, name: "livenessPenalty", value: 1_000n * CRP + 1n, min: 0n, max: 1_000n * CRP },
        { index: 4, name: "disputeWindow", value: HOUR - 1n, min: HOUR, max: 14n * DAYS },
        { index: 4, name: "disputeWindow", value: 14n * DAYS + 1n, min: HOUR, max: 14n * DAYS },
        { index: 5, name: "maxPanelRounds", value: 0n, min: 1n, max: 5n },
        { index: 5, name: "maxPanelRounds", value: 6n, min: 1n, max: 5n },
      ];
      for (const t of cases) {
        const initial: Initial = [...INITIAL];
        initial[t.index] = t.value;
        await expect(deploy(c, { initial }))
          .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
          .withArgs(nameOf(t.name), t.value, t.min, t.max);
      }
      // A penalty above a low initial review stake is out of bounds too.
      await expect(deploy(c, { initial: [250n, 500n, 50n * CRP, 100n * CRP, 2n * DAYS, 3n] }))
        .to.be.revertedWithCustomError(c.tasks, "TasksParameterOutOfBounds")
        .withArgs(nameOf("livenessPenalty"), 100n * CRP, 0n, 50n * CRP);
    });

    it("an allowedTokens entry of CRP or the zero address reverts TasksTokenNotAllowed(token)", async function () {
      const c = await loadFixture(tasksFixture);
      const crp = await c.token.getAddress();
      const fine = Wallet.createRandom().address;
      await expect(deploy(c, { allowedTokens: [fine, crp] }))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
        .withArgs(crp);
      await expect(deploy(c, { allowedTokens: [ZeroAddress] }))
        .to.be.revertedWithCustomError(c.tasks, "TasksTokenNotAllowed")
        .withArgs(ZeroAddress);
    });

    it("a valid deployment takes its parameters and tokens; governance alone is admin, the guardian alone may pause, the deployer holds no role", async function () {
      const c = await loadFixture(tasksFixture);
      const token = Wallet.createRandom().address;
      const arbitrator = await c.arbitrator.getAddress();
      const initial: Initial = [0n, 2_000n, CRP, 0n, HOUR, 5n];
      const tasks = await deploy(c, { arbitrator, initial, allowedTokens: [token] });
      const receipt = await tasks.deploymentTransaction()!.wait();
      const deployed = tasks.connect(c.deployer);

      const p = await deployed.parameters();
      expect([...p]).to.deep.equal([...initial, arbitrator]);
      expect(await deployed.taskKindCount()).to.equal(5n);
      expect(await deployed.isTokenAllowed(token)).to.equal(true);
      expect(await deployed.isTokenAllowed(c.token)).to.equal(true);
      expect(await deployed.STAKING()).to.equal(await c.staking.getAddress());
      expect(await deployed.CRP()).to.equal(await c.token.getAddress());
      expect(await deployed.TREASURY()).to.equal(await c.timelock.getAddress());

      const guardianRole = await deployed.GUARDIAN_ROLE();
      expect(await deployed.hasRole(DEFAULT_ADMIN_ROLE, await c.timelock.getAddress())).to.equal(true);
      expect(await deployed.hasRole(guardianRole, c.guardian.address)).to.equal(true);
      expect(await deployed.hasRole(DEFAULT_ADMIN_ROLE, c.deployer.address)).to.equal(false);
      expect(await deployed.hasRole(guardianRole, c.deployer.address)).to.equal(false);
      const grants = (receipt?.logs ?? [])
        .map((log) => deployed.interface.parseLog({ topics: [...log.topics], data: log.data }))
        .filter((parsed) => parsed?.name === "RoleGranted")
        .map((parsed) => [parsed!.args[0] as string, parsed!.args[1] as string]);
      expect(grants).to.deep.equal([
        [DEFAULT_ADMIN_ROLE, await c.timelock.getAddress()],
        [guardianRole, c.guardian.address],
      ]);
    });

    it("with a zero guardian no one holds GUARDIAN_ROLE: only the admin role is granted and no one can pause", async function () {
      const c = await loadFixture(tasksFixture);
      const tasks = await deploy(c, { guardian: ZeroAddress });
      const receipt = await tasks.deploymentTransaction()!.wait();
      const guardianRole = await tasks.GUARDIAN_ROLE();
      const grants = (receipt?.logs ?? [])
        .map((log) => tasks.interface.parseLog({ topics: [...log.topics], data: log.data }))
        .filter((parsed) => parsed?.name === "RoleGranted")
        .map((parsed) => [parsed!.args[0] as string, parsed!.args[1] as string]);
      expect(grants).to.deep.equal([[DEFAULT_ADMIN_ROLE, await c.timelock.getAddress()]]);
      expect(await tasks.hasRole(guardianRole, ZeroAddress)).to.equal(false);
      for (const account of [c.deployer, c.guardian]) {
        expect(await tasks.hasRole(guardianRole, account.address)).to.equal(false);
        await expect(tasks.connect(account).pause())
          .to.be.revertedWithCustomError(tasks, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, guardianRole);
      }
      await asTimelock(c, async (timelock) => {
        await expect(tasks.connect(timelock).pause())
          .to.be.revertedWithCustomError(tasks, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, guardianRole);
      });
    });
  });

  describe("views", function () {
    it("getTask of id 0 or past the last task reverts TasksUnknownTask(id); getSubmission likewise reverts TasksUnknownSubmission(id)", async function () {
      const c = await loadFixture(tasksFixture);
      for (const id of [0n, 1n, MaxUint256]) {
        await expect(c.tasks.getTask(id)).to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask").withArgs(id);
        await expect(c.tasks.getSubmission(id))
          .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
          .withArgs(id);
      }
      const taskId = await postDefaultTask(c);
      await expect(c.tasks.getTask(taskId + 1n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
        .withArgs(taskId + 1n);
      const { submissionId } = await submitAndDraw(c, taskId);
      expect((await c.tasks.getSubmission(submissionId)).taskId).to.equal(taskId);
      await expect(c.tasks.getSubmission(submissionId + 1n))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownSubmission")
        .withArgs(submissionId + 1n);
    });

    it("escrowFor(reward, slots) is exactly what createTask takes, at the default fees and after a change, with rounding down per fee", async function () {
      const c = await loadFixture(tasksFixture);
      const check = async (reward: bigint, slots: bigint, validatorBps: bigint, protocolBps: bigint) => {
        const validatorFee = (reward * validatorBps) / 10_000n;
        const protocolFee = (reward * protocolBps) / 10_000n;
        const escrow = (reward + validatorFee + protocolFee) * slots;
        expect(await c.tasks.escrowFor(reward, slots)).to.deep.equal([escrow, validatorFee, protocolFee]);
        const params = await defaultTaskParams(c, { reward, slots });
        await c.token.connect(c.requester).approve(c.registry, escrow);
        const tx = c.tasks.connect(c.requester).createTask(params);
        await expect(tx).to.changeTokenBalances(c.token, [c.requester, c.tasks], [-escrow, escrow]);
        const receipt = await (await tx).wait();
        const taskId = eventArg(c, receipt, "TaskCreated", "taskId");
        expect(eventArg(c, receipt, "TaskCreated", "escrow")).to.equal(escrow);
        const view = await c.tasks.getTask(taskId);
        expect([view.funds, view.validatorFee, view.protocolFee]).to.deep.equal([escrow, validatorFee, protocolFee]);
      };
      await check(100n * CRP, 10n, 500n, 250n);
      await check(12_345n, 7n, 500n, 250n);
      await setParameter(c, "protocolFeeBps", 333n);
      await setParameter(c, "validatorFeeBps", 777n);
      await check(1_000_003n, 9n, 777n, 333n);
      await setParameter(c, "protocolFeeBps", 0n);
      await setParameter(c, "validatorFeeBps", 0n);
      await check(5n * CRP, 1n, 0n, 0n);
    });

    it("workerRecord and acceptedCount start at 0; taskCount and submissionCount count what was created", async function () {
      const c = await loadFixture(tasksFixture);
      expect(await c.tasks.taskCount()).to.equal(0n);
      expect(await c.tasks.submissionCount()).to.equal(0n);
      for (const account of [c.worker, c.otherWorker, c.stranger]) {
        expect(await c.tasks.workerRecord(account)).to.deep.equal([0n, 0n]);
        expect(await c.tasks.acceptedCount(1n, account)).to.equal(0n);
      }

      const first = await postDefaultTask(c);
      const second = await postDefaultTask(c, { kind: TASK_KINDS.ranking });
      expect([first, second]).to.deep.equal([1n, 2n]);
      expect(await c.tasks.taskCount()).to.equal(2n);
      await submitAndDraw(c, first);
      await submitAndDraw(c, second, c.otherWorker);
      await submitAndDraw(c, second, c.worker);
      expect(await c.tasks.submissionCount()).to.equal(3n);
      expect(await c.tasksLens.submissionsOf(c.registry, second, 0n, 10n)).to.deep.equal([[3n, 2n], 0n]);
      // Nothing final yet: the records are still empty.
      expect(await c.tasks.workerRecord(c.worker)).to.deep.equal([0n, 0n]);
      expect(await c.tasks.acceptedCount(first, c.worker)).to.equal(0n);
    });
  });

  describe("CorpusTasksLens", function () {
    /** Task i (1-based) is posted by grace when i is a multiple of 3 or 5, else by frank; its reward is i CRP. */
    const TASKS = 205;
    const byGrace = (id: number) => id % 3 === 0 || id % 5 === 0;

    async function manyTasksFixture() {
      const c = await loadFixture(tasksFixture);
      for (const requester of [c.frank, c.grace]) await c.token.connect(requester).approve(c.registry, MaxUint256);
      for (let id = 1; id <= TASKS; id++) {
        const requester = byGrace(id) ? c.grace : c.frank;
        await c.tasks
          .connect(requester)
          .createTask(await defaultTaskParams(c, { reward: BigInt(id) * CRP, slots: 1n, workerBond: 0n }));
      }
      return c;
    }

    const idsOf = (requester: "frank" | "grace", from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => from + i)
        .filter((id) => byGrace(id) === (requester === "grace"))
        .map(BigInt);

    it("with no tasks, getTasks returns nothing and tasksOf returns nothing with next 0", async function () {
      const c = await loadFixture(tasksFixture);
      expect(await c.tasksLens.MAX_PAGE()).to.equal(200n);
      expect(await c.tasksLens.getTasks(c.registry, 0n, 10n)).to.deep.equal([]);
      expect(await c.tasksLens.tasksOf(c.registry, c.frank, 0n, 10n)).to.deep.equal([[], 0n]);
    });

    it("getTasks pages by id: fromId 0 reads as 1, each view equals getTask, the last page is short and past the end is empty", async function () {
      const c = await loadFixture(manyTasksFixture);
      const rewards = (views: { reward: bigint }[]) => views.map((v) => v.reward / CRP);
      const registry = c.registry;

      const fromZero = await c.tasksLens.getTasks(registry, 0n, 3n);
      expect(rewards(fromZero)).to.deep.equal([1n, 2n, 3n]);
      expect(rewards(await c.tasksLens.getTasks(registry, 1n, 3n))).to.deep.equal([1n, 2n, 3n]);
      expect([...fromZero[2]!]).to.deep.equal([...(await c.tasks.getTask(3n))]);
      expect(fromZero.map((v) => v.requester)).to.deep.equal([c.frank.address, c.frank.address, c.grace.address]);

      expect(rewards(await c.tasksLens.getTasks(registry, 100n, 2n))).to.deep.equal([100n, 101n]);
      expect(rewards(await c.tasksLens.getTasks(registry, 203n, 10n))).to.deep.equal([203n, 204n, 205n]);
      expect(rewards(await c.tasksLens.getTasks(registry, 205n, 1n))).to.deep.equal([205n]);
      expect(await c.tasksLens.getTasks(registry, 206n, 10n)).to.deep.equal([]);
      expect(await c.tasksLens.getTasks(registry, MaxUint256, MaxUint256)).to.deep.equal([]);
      expect(await c.tasksLens.getTasks(registry, 5n, 0n)).to.deep.equal([]);
    });

    it("getTasks caps a page at MAX_PAGE = 200 tasks however many are asked for", async function () {
      const c = await loadFixture(manyTasksFixture);
      const page = await c.tasksLens.getTasks(c.registry, 1n, MaxUint256);
      expect(page.map((v) => v.reward / CRP)).to.deep.equal(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
      const rest = await c.tasksLens.getTasks(c.registry, 201n, 1_000n);
      expect(rest.map((v) => v.reward / CRP)).to.deep.equal([201n, 202n, 203n, 204n, 205n]);
    });

    it("tasksOf returns only the requester's ids in order; paging from next until 0 finds each of its tasks exactly once", async function () {
      const c = await loadFixture(manyTasksFixture);
      for (const [name, requester] of [
        ["frank", c.frank],
        ["grace", c.grace],
      ] as const) {
        for (const scan of [1n, 7n, 50n, 200n]) {
          const found: bigint[] = [];
          let from = 0n;
          let pages = 0;
          for (;;) {
            const [ids, next] = await c.tasksLens.tasksOf(c.registry, requester, from, scan);
            const first = from === 0n ? 1n : from;
            const last = first + scan - 1n > BigInt(TASKS) ? BigInt(TASKS) : first + scan - 1n;
            expect([...ids], `${name} ids in ${first}..${last}`).to.deep.equal(
              idsOf(name, Number(first), Number(last)),
            );
            expect(next, `next after ${first}..${last}`).to.equal(last === BigInt(TASKS) ? 0n : last + 1n);
            found.push(...ids);
            pages++;
            if (next === 0n) break;
            from = next;
          }
          expect(found, `${name}, scan ${scan}`).to.deep.equal(idsOf(name, 1, TASKS));
          expect(pages).to.equal(Math.ceil(TASKS / Number(scan)));
        }
      }
    });

    it("tasksOf scans at most MAX_PAGE = 200 ids; a requester without tasks gets nothing; past the end gives nothing and next 0", async function () {
      const c = await loadFixture(manyTasksFixture);
      const [ids, next] = await c.tasksLens.tasksOf(c.registry, c.frank, 1n, 10_000n);
      expect([...ids]).to.deep.equal(idsOf("frank", 1, 200));
      expect(next).to.equal(201n);
      expect(await c.tasksLens.tasksOf(c.registry, c.frank, next, MaxUint256)).to.deep.equal([
        idsOf("frank", 201, TASKS),
        0n,
      ]);
      expect(await c.tasksLens.tasksOf(c.registry, c.stranger, 0n, 200n)).to.deep.equal([[], 201n]);
      expect(await c.tasksLens.tasksOf(c.registry, c.stranger, 201n, 200n)).to.deep.equal([[], 0n]);
      expect(await c.tasksLens.tasksOf(c.registry, c.frank, 206n, 10n)).to.deep.equal([[], 0n]);
      expect(await c.tasksLens.tasksOf(c.registry, c.grace, MaxUint256, 10n)).to.deep.equal([[], 0n]);
      // The last id alone: found, and the listing is over.
      expect(await c.tasksLens.tasksOf(c.registry, c.grace, 205n, 1n)).to.deep.equal([[205n], 0n]);
      expect(await c.tasksLens.tasksOf(c.registry, c.frank, 204n, 1n)).to.deep.equal([[], 205n]);
    });
  });
});
