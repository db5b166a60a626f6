import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, id } from "ethers";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import { MIN_STAKE, grantStakingRole, requestDrawAndWait } from "../helpers/staking";
import { propertyRuns } from "../helpers/coverage";

/**
 * Model-based test of the staking contract's sum tree: random sequences of stakes, thaws, withdrawals, slashes,
 * locks, unlocks, draws, minimum-stake changes and refreshes run against the real contract and against a
 * TypeScript model of each validator's staked / locked / thawing stake and of the weight its tree leaf holds.
 *
 * The weight is what the model last synced: `staked >= minimum ? floor(staked / 1 CRP) : 0`, evaluated with the
 * minimum in force at the validator's last stake change (stake, thaw, slash) or refresh. Locks, unlocks,
 * withdrawals and a change of minimum do not touch it. After every action the test checks each validator's
 * selectionWeight and stakeOf, the tree total, the validator count, and that staking's CRP balance equals the
 * sum of staked + thawing.
 */

/** Actors 0..3: alice..dave. Each may or may not have staked. */
const ACTORS = 4;
const UNBONDING = 7n * 24n * 60n * 60n;
const BPS = 10_000n;

interface ValidatorModel {
  /** Has a tree leaf (staked at least once). */
  leaf: boolean;
  staked: bigint;
  locked: bigint;
  thawing: bigint;
  thawEnd: bigint;
  /** What the tree holds for it. */
  weight: bigint;
}

interface Model {
  validators: ValidatorModel[];
  minimum: bigint;
  slashRewardBps: bigint;
  requests: number;
}

async function modelFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const actors = [c.alice, c.bob, c.carol, c.dave];
  const stakingAddress = await c.staking.getAddress();
  for (const a of actors) await c.token.connect(a).approve(stakingAddress, MaxUint256);
  // The deployer plays the protocol contracts: it locks, draws and slashes; grace receives slash rewards.
  await grantStakingRole(c, "LOCKER_ROLE", c.deployer.address);
  await grantStakingRole(c, "SLASHER_ROLE", c.deployer.address);
  const [, , slashRewardBps] = await c.staking.parameters();
  return { ...c, actors, beneficiary: c.grace, slashRewardBps };
}

type Real = Awaited<ReturnType<typeof modelFixture>>;

function actorOf(r: Real, i: number): HardhatEthersSigner {
  const actor = r.actors[i];
  if (actor === undefined) throw new Error(`no actor ${i}`);
  return actor;
}

function validatorOf(m: Model, i: number): ValidatorModel {
  const v = m.validators[i];
  if (v === undefined) throw new Error(`no validator ${i}`);
  return v;
}

/** What `_syncWeight` writes: the weight the stake earns under the current minimum (only for a leaf). */
function sync(m: Model, v: ValidatorModel) {
  if (v.leaf) v.weight = v.staked >= m.minimum ? v.staked / CRP : 0n;
}

/** `amount * millionths / 1e6`: a part of `amount` chosen by the command. */
function part(amount: bigint, millionths: number): bigint {
  return (amount * BigInt(millionths)) / 1_000_000n;
}

/** Every invariant the model implies, checked on chain. */
async function expectMatches(m: Model, r: Real, after: string) {
  const addresses = r.actors.map((a) => a.address);
  const [weights, stakes, total, count, balance] = await Promise.all([
    Promise.all(addresses.map((a) => r.staking.selectionWeight(a))),
    Promise.all(addresses.map((a) => r.staking.stakeOf(a))),
    r.staking.totalSelectionWeight(),
    r.staking.validatorCount(),
    r.token.balanceOf(r.staking.getAddress()),
  ]);
  for (const [i, v] of m.validators.entries()) {
    expect(weights[i], `${after}: selectionWeight of actor ${i}`).to.equal(v.weight);
    expect([...(stakes[i] ?? [])], `${after}: stakeOf actor ${i}`).to.deep.equal([
      v.staked,
      v.locked,
      v.thawing,
      v.thawing === 0n ? 0n : v.thawEnd,
      v.staked >= m.minimum,
    ]);
  }
  expect(total, `${after}: totalSelectionWeight`).to.equal(m.validators.reduce((s, v) => s + v.weight, 0n));
  expect(count, `${after}: validatorCount`).to.equal(BigInt(m.validators.filter((v) => v.leaf).length));
  expect(balance, `${after}: staking's CRP balance`).to.equal(
    m.validators.reduce((s, v) => s + v.staked + v.thawing, 0n),
  );
}

type Cmd = fc.AsyncCommand<Model, Real>;

abstract class Checked implements Cmd {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await this.act(m, r);
    await expectMatches(m, r, this.toString());
  }
  abstract act(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

class Stake extends Checked {
  constructor(
    readonly actor: number,
    readonly amount: bigint,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    await r.staking.connect(actorOf(r, this.actor)).stake(this.amount);
    v.leaf = true;
    v.staked += this.amount;
    sync(m, v);
  }
  toString() {
    return `stake(${this.actor}, ${this.amount})`;
  }
}

/** Thaws a part of the unlocked stake, all of it, one wei more than it, or zero. */
type AmountChoice = { kind: "part"; millionths: number } | { kind: "all" } | { kind: "over" } | { kind: "zero" };

function choose(choice: AmountChoice, available: bigint): bigint {
  switch (choice.kind) {
    case "part":
      return part(available, choice.millionths);
    case "all":
      return available;
    case "over":
      return available + 1n;
    case "zero":
      return 0n;
  }
}

class Thaw extends Checked {
  constructor(
    readonly actor: number,
    readonly choice: AmountChoice,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    const signer = actorOf(r, this.actor);
    const unlocked = v.staked - v.locked;
    const amount = choose(this.choice, unlocked);
    if (amount === 0n) {
      await expect(r.staking.connect(signer).thaw(amount)).to.be.revertedWithCustomError(
        r.staking,
        "StakingZeroAmount",
      );
      return;
    }
    if (amount > unlocked) {
      await expect(r.staking.connect(signer).thaw(amount))
        .to.be.revertedWithCustomError(r.staking, "StakingInsufficientUnlockedStake")
        .withArgs(signer.address, unlocked, amount);
      return;
    }
    const tx = await r.staking.connect(signer).thaw(amount);
    const block = await tx.getBlock();
    if (block === null) throw new Error("no block");
    v.staked -= amount;
    v.thawing += amount;
    const end = BigInt(block.timestamp) + UNBONDING;
    // The interface promises a second thaw never moves the end earlier.
    v.thawEnd = end > v.thawEnd ? end : v.thawEnd;
    sync(m, v);
  }
  toString() {
    return `thaw(${this.actor}, ${JSON.stringify(this.choice)})`;
  }
}

class Withdraw extends Checked {
  constructor(
    readonly actor: number,
    readonly waitForEnd: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    const signer = actorOf(r, this.actor);
    if (this.waitForEnd && v.thawing !== 0n && BigInt(await time.latest()) < v.thawEnd) {
      await time.setNextBlockTimestamp(v.thawEnd);
    }
    const now = BigInt(await time.latest()) + 1n;
    if (v.thawing === 0n) {
      await expect(r.staking.connect(signer).withdraw())
        .to.be.revertedWithCustomError(r.staking, "StakingNothingThawing")
        .withArgs(signer.address);
    } else if (!this.waitForEnd && now < v.thawEnd) {
      await expect(r.staking.connect(signer).withdraw())
        .to.be.revertedWithCustomError(r.staking, "StakingThawNotMature")
        .withArgs(signer.address, v.thawEnd, anyValue);
    } else {
      await expect(r.staking.connect(signer).withdraw()).to.changeTokenBalance(r.token, signer, v.thawing);
      v.thawing = 0n;
    }
  }
  toString() {
    return `withdraw(${this.actor}${this.waitForEnd ? ", after the end" : ""})`;
  }
}

class Slash extends Checked {
  constructor(
    readonly actor: number,
    readonly choice: AmountChoice,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    const address = actorOf(r, this.actor).address;
    const amount = choose(this.choice, v.staked + v.thawing);
    const call = () => r.staking.slash(address, amount, r.beneficiary.address);
    if (amount === 0n) {
      await expect(call()).to.be.revertedWithCustomError(r.staking, "StakingZeroAmount");
      return;
    }
    if (!v.leaf) {
      await expect(call()).to.be.revertedWithCustomError(r.staking, "StakingNotAValidator").withArgs(address);
      return;
    }
    const fromStaked = amount < v.staked ? amount : v.staked;
    const fromLocked = fromStaked < v.locked ? fromStaked : v.locked;
    const left = amount - fromStaked;
    const fromThawing = left < v.thawing ? left : v.thawing;
    const slashed = fromStaked + fromThawing;
    if (slashed === 0n) {
      await expect(call()).to.be.revertedWithCustomError(r.staking, "StakingZeroAmount");
      return;
    }
    const reward = (slashed * m.slashRewardBps) / BPS;
    await expect(call()).to.changeTokenBalance(r.token, r.beneficiary, reward);
    v.locked -= fromLocked;
    v.staked -= fromStaked;
    v.thawing -= fromThawing;
    sync(m, v);
  }
  toString() {
    return `slash(${this.actor}, ${JSON.stringify(this.choice)})`;
  }
}

class Lock extends Checked {
  constructor(
    readonly actor: number,
    readonly choice: AmountChoice,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    const address = actorOf(r, this.actor).address;
    const unlocked = v.staked - v.locked;
    const amount = choose(this.choice, unlocked);
    const call = () => r.staking.lock(address, amount);
    if (amount === 0n) {
      await expect(call()).to.be.revertedWithCustomError(r.staking, "StakingZeroAmount");
    } else if (!v.leaf) {
      await expect(call()).to.be.revertedWithCustomError(r.staking, "StakingNotAValidator").withArgs(address);
    } else if (amount > unlocked) {
      await expect(call())
        .to.be.revertedWithCustomError(r.staking, "StakingInsufficientUnlockedStake")
        .withArgs(address, unlocked, amount);
    } else {
      await call();
      v.locked += amount;
    }
  }
  toString() {
    return `lock(${this.actor}, ${JSON.stringify(this.choice)})`;
  }
}

class Unlock extends Checked {
  constructor(
    readonly actor: number,
    readonly choice: AmountChoice,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const v = validatorOf(m, this.actor);
    const address = actorOf(r, this.actor).address;
    const amount = choose(this.choice, v.locked);
    if (!v.leaf) {
      await expect(r.staking.unlock(address, amount))
        .to.be.revertedWithCustomError(r.staking, "StakingNotAValidator")
        .withArgs(address);
      return;
    }
    const released = amount < v.locked ? amount : v.locked;
    await expect(r.staking.unlock(address, amount))
      .to.emit(r.staking, "StakeUnlocked")
      .withArgs(address, r.deployer.address, released, v.locked - released);
    v.locked -= released;
  }
  toString() {
    return `unlock(${this.actor}, ${JSON.stringify(this.choice)})`;
  }
}

class SetMinimum extends Checked {
  constructor(readonly wholeCrp: number) {
    super();
  }
  async act(m: Model, r: Real) {
    const minimum = BigInt(this.wholeCrp) * CRP;
    await asGovernance(r.timelock, async (timelock) => {
      await r.staking.connect(timelock).setMinimumStake(minimum);
    });
    // No weight changes until each validator's next stake change or refresh.
    m.minimum = minimum;
  }
  toString() {
    return `setMinimumStake(${this.wholeCrp} CRP)`;
  }
}

/** Refreshes one actor, or every actor (as a keeper would after a change of minimum). */
class Refresh extends Checked {
  constructor(readonly actor: number | "all") {
    super();
  }
  async act(m: Model, r: Real) {
    const actors = this.actor === "all" ? [...m.validators.keys()] : [this.actor];
    for (const i of actors) {
      await r.staking.refresh([actorOf(r, i).address]);
      sync(m, validatorOf(m, i));
    }
  }
  toString() {
    return `refresh(${this.actor})`;
  }
}

class Draw extends Checked {
  constructor(
    readonly count: number,
    readonly exclude: number[],
    readonly lockWholeCrp: number,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const request = id(`model request ${m.requests++}`);
    const lockAmount = BigInt(this.lockWholeCrp) * CRP;
    const exclude = this.exclude.map((i) => actorOf(r, i).address);
    const eligible = m.validators.flatMap((v, i) =>
      !this.exclude.includes(i) &&
      v.weight !== 0n &&
      v.weight * CRP >= m.minimum &&
      v.weight * CRP >= v.locked + lockAmount
        ? [actorOf(r, i).address]
        : [],
    );
    // A protocol contract's two steps: request the seed, then draw once it exists (a block later).
    await requestDrawAndWait(r, r.deployer, request);
    const call = () => r.staking.drawAndLock(request, this.count, exclude, lockAmount);
    if (eligible.length < this.count) {
      await expect(call())
        .to.be.revertedWithCustomError(r.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(this.count, eligible.length);
      return;
    }
    const receipt = await (await call()).wait();
    const drawn = receipt?.logs
      .map((log) => r.staking.interface.parseLog(log))
      .find((parsed) => parsed?.name === "ValidatorsDrawn")?.args[3] as string[] | undefined;
    if (drawn === undefined) throw new Error("no ValidatorsDrawn event");
    expect(new Set(drawn).size, "distinct").to.equal(this.count);
    for (const address of drawn) {
      expect(eligible, `${address} drawn`).to.include(address);
      const i = r.actors.findIndex((a) => a.address === address);
      validatorOf(m, i).locked += lockAmount;
    }
  }
  toString() {
    return `drawAndLock(${this.count}, exclude [${this.exclude.join(",")}], lock ${this.lockWholeCrp} CRP)`;
  }
}

const actorArb = fc.integer({ min: 0, max: ACTORS - 1 });
const amountChoiceArb: fc.Arbitrary<AmountChoice> = fc.oneof(
  {
    arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((millionths) => ({ kind: "part" as const, millionths })),
    weight: 6,
  },
  { arbitrary: fc.constant({ kind: "all" as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: "over" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "zero" as const }), weight: 1 },
);
const stakeAmountArb = fc.oneof(
  fc.bigInt(1n, MIN_STAKE - 1n),
  fc.integer({ min: 1, max: 40_000 }).map((n) => BigInt(n) * CRP),
  fc.bigInt(MIN_STAKE, 50_000n * CRP),
);
const minimumArb = fc.oneof(
  fc.integer({ min: 1, max: 60_000 }),
  fc.integer({ min: 5_000, max: 30_000 }),
  fc.constantFrom(5_000, 10_000, 15_000, 20_000, 30_000),
);

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc.tuple(actorArb, stakeAmountArb).map(([a, x]) => new Stake(a, x)),
  fc.tuple(actorArb, stakeAmountArb).map(([a, x]) => new Stake(a, x)),
  fc.tuple(actorArb, amountChoiceArb).map(([a, x]) => new Thaw(a, x)),
  fc.tuple(actorArb, fc.boolean()).map(([a, w]) => new Withdraw(a, w)),
  fc.tuple(actorArb, amountChoiceArb).map(([a, x]) => new Slash(a, x)),
  fc.tuple(actorArb, amountChoiceArb).map(([a, x]) => new Lock(a, x)),
  fc.tuple(actorArb, amountChoiceArb).map(([a, x]) => new Unlock(a, x)),
  minimumArb.map((x) => new SetMinimum(x)),
  fc.oneof(actorArb, fc.constant("all" as const)).map((a) => new Refresh(a)),
  fc
    .tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.uniqueArray(actorArb, { maxLength: 3 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })),
    )
    .map(([count, exclude, lock]) => new Draw(count, exclude, lock)),
];

describe("CorpusStaking: sum tree against a model of every validator (model-based property test)", function () {
  it("after every stake, thaw, withdraw, slash, lock, unlock, draw, minimum change and refresh, each selectionWeight is the weight last synced, the total is their sum, stakeOf matches, and staking holds exactly staked + thawing", async function () {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 40, size: "max" }), async (cmds) => {
        const real = await loadFixture(modelFixture);
        const model: Model = {
          validators: Array.from({ length: ACTORS }, () => ({
            leaf: false,
            staked: 0n,
            locked: 0n,
            thawing: 0n,
            thawEnd: 0n,
            weight: 0n,
          })),
          minimum: MIN_STAKE,
          slashRewardBps: real.slashRewardBps,
          requests: 0,
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { seed: 0x7ee_30de1, numRuns: propertyRuns(40) },
    );
  });

  it("a minimum raised past a validator's stake leaves its weight stale until refresh, and a lowered one leaves a newly qualifying validator at weight 0 until refresh", async function () {
    const r = await loadFixture(modelFixture);
    const [alice, bob] = r.actors;
    if (alice === undefined || bob === undefined) throw new Error("fixture");
    await r.staking.connect(alice).stake(12_000n * CRP);
    await r.staking.connect(bob).stake(8_000n * CRP);
    expect(await r.staking.selectionWeight(alice)).to.equal(12_000n);
    expect(await r.staking.selectionWeight(bob)).to.equal(0n);

    const setMinimum = (x: bigint) =>
      asGovernance(r.timelock, async (timelock) => {
        await r.staking.connect(timelock).setMinimumStake(x);
      });
    await setMinimum(15_000n * CRP);
    expect(await r.staking.selectionWeight(alice), "stale until refresh").to.equal(12_000n);
    await r.staking.refresh([alice]);
    expect(await r.staking.selectionWeight(alice)).to.equal(0n);

    await setMinimum(5_000n * CRP);
    expect(await r.staking.selectionWeight(bob), "still 0 until refresh").to.equal(0n);
    expect(await r.staking.totalSelectionWeight()).to.equal(0n);
    await r.staking.refresh([bob]);
    await r.staking.refresh([alice]);
    expect(await r.staking.selectionWeight(bob)).to.equal(8_000n);
    expect(await r.staking.totalSelectionWeight()).to.equal(20_000n);
    // Refreshing an address that never staked changes nothing.
    await r.staking.refresh([r.stranger.address]);
    expect(await r.staking.totalSelectionWeight()).to.equal(20_000n);
    expect(await r.staking.validatorCount()).to.equal(2n);
  });
});
