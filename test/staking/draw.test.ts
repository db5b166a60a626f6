import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, MaxUint256, ZeroAddress, id, keccak256, toBeHex } from "ethers";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import { asGovernance } from "../helpers/governance";
import {
  MIN_STAKE,
  bulkStake,
  fundFromTreasury,
  grantStakingRole,
  stakeAs,
  useFixedRandomness,
} from "../helpers/staking";
import { propertyRuns } from "../helpers/coverage";

const MAX_DRAW_SIZE = 64;
const MAX_EXCLUSIONS = 64;
/** The seed the fixture gives the FixedRandomness source. */
const FIXED_SEED = id("corpus draw tests");

/** The key staking asks its source for `locker`'s `request` under: keccak256(abi.encode(locker, request)). */
function drawKey(locker: string, request: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [locker, request]));
}

/**
 * The seed FixedRandomness answers for `locker`'s draw `request`: keccak256(abi.encode(seed, key)), with the
 * key namespaced by locker (see {drawKey}).
 */
function seedFor(seed: string, locker: string, request: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [seed, drawKey(locker, request)]));
}

/**
 * The deployment with FixedRandomness as the source (seed FIXED_SEED), `locker` holding LOCKER_ROLE, and ten
 * EOA validators (alice..heidi and two funded accounts) that have approved staking but staked nothing.
 */
async function drawBaseFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const signers = await hre.ethers.getSigners();
  const at = (i: number): HardhatEthersSigner => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`no account #${i}`);
    return signer;
  };
  const locker = at(11);
  const extra = [at(12), at(13)];
  await fundFromTreasury(
    c,
    extra.map((s) => s.address),
    10_000_000n * CRP,
  );
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin, c.frank, c.grace, c.heidi, ...extra];
  const stakingAddress = await c.staking.getAddress();
  for (const v of validators) await c.token.connect(v).approve(stakingAddress, MaxUint256);
  const source = await useFixedRandomness(c);
  await source.setSeed(FIXED_SEED);
  await grantStakingRole(c, "LOCKER_ROLE", locker.address);
  return { ...c, source, locker, validators };
}

type DrawFixture = Awaited<ReturnType<typeof drawBaseFixture>>;

/** The base fixture with alice..erin staked 10k, 20k, 30k, 40k and 50k CRP. */
async function fiveStakedFixture() {
  const c = await loadFixture(drawBaseFixture);
  const five = c.validators.slice(0, 5);
  for (const [i, v] of five.entries()) await c.staking.connect(v).stake(BigInt(i + 1) * MIN_STAKE);
  return { ...c, five };
}

/** The base fixture with 70 contract validators of different stakes (10,000..10,999 CRP). */
async function seventyStakedFixture() {
  const c = await loadFixture(drawBaseFixture);
  const agents = await bulkStake(c, 70);
  return { ...c, agents };
}

async function setMinimumStake(c: DrawFixture, minimum: bigint) {
  await asGovernance(c.timelock, async (timelock) => {
    await c.staking.connect(timelock).setMinimumStake(minimum);
  });
}

/** The validators named in the ValidatorsDrawn event of `tx`. */
async function drawnIn(c: DrawFixture, tx: Promise<{ wait(): Promise<unknown> }>): Promise<string[]> {
  const receipt = (await (await tx).wait()) as { logs: { topics: string[]; data: string }[] };
  for (const log of receipt.logs) {
    const parsed = c.staking.interface.parseLog(log);
    if (parsed?.name === "ValidatorsDrawn") return [...(parsed.args[3] as string[])];
  }
  throw new Error("no ValidatorsDrawn event");
}

/** What a draw call did: the validators drawn, or the name and arguments of the error it reverted with. */
type Outcome = { drawn: string[] } | { error: string; args: string[] };

/** Runs a previewDraw and decodes a revert (custom error or Panic) with staking's ABI. */
async function outcomeOf(c: DrawFixture, call: Promise<string[]>): Promise<Outcome> {
  try {
    return { drawn: [...(await call)] };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    const parsed = typeof data === "string" ? c.staking.interface.parseError(data) : null;
    if (parsed === null) throw e;
    return { error: parsed.name, args: [...parsed.args].map(String) };
  }
}

/** previewDraw as a plain array (ethers' Result is read-only, which some chai assertions dislike). */
async function preview(
  c: DrawFixture,
  seed: string,
  count: number,
  exclude: string[],
  lockAmount: bigint | number,
): Promise<string[]> {
  return [...(await c.staking.previewDraw(seed, count, exclude, lockAmount))];
}

describe("CorpusStaking: draws", function () {
  describe("access", function () {
    it("drawAndLock by an account without LOCKER_ROLE (a stranger, a validator, governance) reverts AccessControlUnauthorizedAccount", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const role = await c.staking.LOCKER_ROLE();
      for (const caller of [c.stranger, c.alice, c.deployer]) {
        await expect(c.staking.connect(caller).drawAndLock(id("r"), 1, [], 0))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.staking.connect(timelock).drawAndLock(id("r"), 1, [], 0))
          .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
          .withArgs(timelock.address, role);
      });
      // The same call by the locker succeeds.
      await expect(c.staking.connect(c.locker).drawAndLock(id("r"), 1, [], 0)).to.emit(c.staking, "ValidatorsDrawn");
    });

    it("after governance revokes LOCKER_ROLE the former locker can no longer draw", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const role = await c.staking.LOCKER_ROLE();
      await asGovernance(c.timelock, async (timelock) => {
        await c.staking.connect(timelock).revokeRole(role, c.locker.address);
      });
      await expect(c.staking.connect(c.locker).drawAndLock(id("r"), 1, [], 0))
        .to.be.revertedWithCustomError(c.staking, "AccessControlUnauthorizedAccount")
        .withArgs(c.locker.address, role);
    });
  });

  describe("what a draw returns", function () {
    type StakeChoice = bigint;
    type DrawSpec = {
      kind: "preview" | "drawAndLock";
      seed: bigint;
      count: number;
      /** Indices into the validators, then stranger, the zero address, the locker (non-validators). */
      exclude: number[];
      lockAmount: bigint;
    };

    const stakeArb: fc.Arbitrary<StakeChoice> = fc.oneof(
      { arbitrary: fc.constant(0n), weight: 1 },
      { arbitrary: fc.bigInt(1n, MIN_STAKE - 1n), weight: 1 },
      { arbitrary: fc.integer({ min: 10_000, max: 60_000 }).map((n) => BigInt(n) * CRP), weight: 3 },
      { arbitrary: fc.bigInt(MIN_STAKE, 60_000n * CRP), weight: 3 },
    );
    const lockAmountArb = fc.oneof(
      { arbitrary: fc.constant(0n), weight: 2 },
      { arbitrary: fc.bigInt(1n, 20_000n * CRP), weight: 2 },
      { arbitrary: fc.integer({ min: 1, max: 10_000 }).map((n) => BigInt(n) * CRP), weight: 2 },
      { arbitrary: fc.bigInt(1n, 60_000n * CRP), weight: 1 },
    );
    const drawArb: fc.Arbitrary<DrawSpec> = fc.record({
      kind: fc.constantFrom("preview" as const, "preview" as const, "drawAndLock" as const),
      seed: fc.bigInt(0n, 2n ** 256n - 1n),
      count: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 4 }, fc.integer({ min: 5, max: 11 })),
      exclude: fc.array(fc.nat({ max: 12 }), { maxLength: 5 }),
      lockAmount: lockAmountArb,
    });
    const scenarioArb = fc.record({
      stakes: fc.array(stakeArb, { minLength: 10, maxLength: 10 }),
      /** A new minimum (whole CRP, lower or higher than 10,000) set after staking, without refreshing everyone. */
      minimum: fc.option(fc.integer({ min: 5_000, max: 40_000 }), { nil: undefined, freq: 2 }),
      refreshed: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      /** Part of each validator's stake locked before the draws (in millionths; 1e6 = all of it). */
      locks: fc.array(
        fc.option(fc.oneof(fc.constant(1_000_000), fc.integer({ min: 0, max: 1_000_000 })), { freq: 2 }),
        {
          minLength: 10,
          maxLength: 10,
        },
      ),
      draws: fc.array(drawArb, { minLength: 1, maxLength: 6 }),
    });

    it("never returns an excluded, inactive, stale, duplicate or insufficiently unlocked validator, and reverts StakingNotEnoughEligibleValidators(count, eligible) exactly when too few are eligible (property)", async function () {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          const c = await loadFixture(drawBaseFixture);
          const addresses = c.validators.map((v) => v.address);
          const outsiders = [c.stranger.address, ZeroAddress, c.locker.address];
          // Model: staked, locked, and the weight the tree holds (synced at stake time and on refresh).
          const staked = s.stakes.slice();
          const locked = staked.map(() => 0n);
          let minimum = MIN_STAKE;
          const weightAt = (amount: bigint) => (amount >= minimum ? amount / CRP : 0n);
          const weight = staked.map(weightAt);

          for (const [i, v] of c.validators.entries()) {
            const amount = staked[i] ?? 0n;
            if (amount > 0n) await c.staking.connect(v).stake(amount);
          }
          if (s.minimum !== undefined) {
            minimum = BigInt(s.minimum) * CRP;
            await setMinimumStake(c, minimum);
            for (const [i, refresh] of s.refreshed.entries()) {
              if (!refresh) continue;
              await c.staking.refresh([addresses[i] ?? ZeroAddress]);
              weight[i] = weightAt(staked[i] ?? 0n);
            }
          }
          for (const [i, millionths] of s.locks.entries()) {
            const amount = ((staked[i] ?? 0n) * BigInt(millionths ?? 0)) / 1_000_000n;
            if (amount === 0n) continue;
            await c.staking.connect(c.locker).lock(addresses[i] ?? ZeroAddress, amount);
            locked[i] = amount;
          }
          // The model's weights are the tree's.
          const onChain = await Promise.all(addresses.map((a) => c.staking.selectionWeight(a)));
          expect(onChain).to.deep.equal(weight);

          for (const [n, draw] of s.draws.entries()) {
            const exclude = draw.exclude.map((i) => addresses[i] ?? outsiders[i - addresses.length] ?? ZeroAddress);
            const excluded = new Set(exclude);
            const eligible = addresses.filter((a, i) => {
              const w = weight[i] ?? 0n;
              return (
                !excluded.has(a) && w !== 0n && w * CRP >= minimum && w * CRP >= (locked[i] ?? 0n) + draw.lockAmount
              );
            });
            const seed = toBeHex(draw.seed, 32);
            const request = id(`request ${n}`);
            const call =
              draw.kind === "preview"
                ? c.staking.previewDraw(seed, draw.count, exclude, draw.lockAmount)
                : c.staking.previewDraw(
                    seedFor(FIXED_SEED, c.locker.address, request),
                    draw.count,
                    exclude,
                    draw.lockAmount,
                  );
            const outcome = await outcomeOf(c, call);

            if (eligible.length < draw.count) {
              expect(outcome, "too few eligible").to.deep.equal({
                error: "StakingNotEnoughEligibleValidators",
                args: [String(draw.count), String(eligible.length)],
              });
              if (draw.kind === "drawAndLock") {
                await expect(c.staking.connect(c.locker).drawAndLock(request, draw.count, exclude, draw.lockAmount))
                  .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
                  .withArgs(draw.count, eligible.length);
              }
              continue;
            }
            if (!("drawn" in outcome)) expect.fail(`draw reverted with ${outcome.error}(${outcome.args.join(", ")})`);
            const drawn = outcome.drawn;
            expect(drawn).to.have.length(draw.count);
            expect(new Set(drawn).size, "duplicates").to.equal(drawn.length);
            for (const v of drawn) {
              expect(excluded.has(v), `${v} was excluded`).to.equal(false);
              expect(eligible, `${v} is not eligible`).to.include(v);
              // Independently of the model: active now, with the lock covered by its unlocked stake.
              const [stakedNow, lockedNow, , , active] = await c.staking.stakeOf(v);
              expect(active, `${v} active`).to.equal(true);
              expect(stakedNow - lockedNow >= draw.lockAmount, `${v} unlocked stake`).to.equal(true);
            }
            if (draw.kind === "drawAndLock") {
              const actual = await drawnIn(
                c,
                c.staking.connect(c.locker).drawAndLock(request, draw.count, exclude, draw.lockAmount),
              );
              expect(actual, "drawAndLock draws what previewDraw showed").to.deep.equal(drawn);
              for (const v of drawn) {
                const i = addresses.indexOf(v);
                locked[i] = (locked[i] ?? 0n) + draw.lockAmount;
              }
              const lockedOnChain = await Promise.all(addresses.map(async (a) => (await c.staking.stakeOf(a))[1]));
              expect(lockedOnChain, "locks after drawAndLock").to.deep.equal(locked);
            }
          }
        }),
        { seed: 0x0d_4a_11, numRuns: propertyRuns(60) },
      );
    });

    it("a validator stale after governance raises the minimum (no refresh) is never drawn; after refresh its weight is 0; one staked at the new minimum is drawn", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const [alice, bob, carol] = c.five;
      if (alice === undefined || bob === undefined || carol === undefined) throw new Error("fixture");
      // 10k..50k staked; raise the minimum to 30k: alice (10k) and bob (20k) keep stale weights.
      await setMinimumStake(c, 30_000n * CRP);
      expect(await c.staking.selectionWeight(alice)).to.equal(10_000n);
      const seen = new Set<string>();
      const draws = await Promise.all(Array.from({ length: 60 }, (_, i) => preview(c, id(`stale ${i}`), 3, [], 0)));
      for (const drawn of draws) for (const v of drawn) seen.add(v);
      expect(seen).to.deep.equal(new Set([carol.address, c.dave.address, c.erin.address]));
      // Four are needed, three are eligible: the named error, not a short panel.
      await expect(c.staking.previewDraw(id("stale"), 4, [], 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(4, 3);
      await c.staking.refresh([alice]);
      expect(await c.staking.selectionWeight(alice)).to.equal(0n);
      // bob tops up to exactly the new minimum and becomes drawable.
      await c.staking.connect(bob).stake(10_000n * CRP);
      expect(await preview(c, id("stale"), 4, [], 0)).to.include(bob.address);
    });

    it("a validator with less unlocked stake than lockAmount (5,000.5 CRP free, 5,001 asked) is never drawn; with lockAmount 5,000 CRP it is", async function () {
      const c = await loadFixture(fiveStakedFixture);
      // erin (50k, the heaviest) has 5,000.5 CRP unlocked: eligible for 5,000 CRP locks, not for 5,001.
      await c.staking.connect(c.locker).lock(c.erin.address, 45_000n * CRP - CRP / 2n);
      const withBig = await Promise.all(
        Array.from({ length: 40 }, (_, i) => preview(c, id(`lock ${i}`), 4, [], 5_001n * CRP)),
      );
      for (const drawn of withBig) expect(drawn).not.to.include(c.erin.address);
      const withSmall = await Promise.all(
        Array.from({ length: 40 }, (_, i) => preview(c, id(`lock ${i}`), 4, [], 5_000n * CRP)),
      );
      expect(withSmall.some((drawn) => drawn.includes(c.erin.address))).to.equal(true);
    });
  });

  describe("too few eligible validators", function () {
    it("asking for more validators than are staked reverts StakingNotEnoughEligibleValidators(6, 5)", async function () {
      const c = await loadFixture(fiveStakedFixture);
      await expect(c.staking.previewDraw(id("s"), 6, [], 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(6, 5);
      await expect(c.staking.connect(c.locker).drawAndLock(id("r"), 6, [], 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(6, 5);
    });

    it("with no validator staked any draw reverts StakingNotEnoughEligibleValidators(1, 0)", async function () {
      const c = await loadFixture(drawBaseFixture);
      await expect(c.staking.previewDraw(id("s"), 1, [], 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(1, 0);
    });

    it("when exclusions leave two of five, a draw of three reverts StakingNotEnoughEligibleValidators(3, 2)", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const exclude = [c.alice.address, c.carol.address, c.erin.address];
      for (let i = 0; i < 10; i++) {
        await expect(c.staking.previewDraw(id(`s${i}`), 3, exclude, 0))
          .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
          .withArgs(3, 2);
      }
    });

    it("when every validator is excluded a draw reverts StakingNotEnoughEligibleValidators(1, 0)", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const exclude = c.five.map((v) => v.address);
      await expect(c.staking.previewDraw(id("s"), 1, exclude, 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(1, 0);
    });

    it("when every validator not excluded is fully locked, drawAndLock reverts StakingNotEnoughEligibleValidators(2, 0) and locks nothing", async function () {
      const c = await loadFixture(fiveStakedFixture);
      for (const v of [c.bob, c.carol, c.dave]) {
        const [staked] = await c.staking.stakeOf(v.address);
        await c.staking.connect(c.locker).lock(v.address, staked);
      }
      const exclude = [c.alice.address, c.erin.address];
      const lockedBefore = await Promise.all(c.five.map(async (v) => (await c.staking.stakeOf(v.address))[1]));
      for (let i = 0; i < 10; i++) {
        await expect(c.staking.connect(c.locker).drawAndLock(id(`r${i}`), 2, exclude, CRP))
          .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
          .withArgs(2, 0);
      }
      const lockedAfter = await Promise.all(c.five.map(async (v) => (await c.staking.stakeOf(v.address))[1]));
      expect(lockedAfter).to.deep.equal(lockedBefore);
    });

    it("when only one of two drawable validators has enough unlocked stake, a draw of two reverts StakingNotEnoughEligibleValidators(2, 1)", async function () {
      const c = await loadFixture(fiveStakedFixture);
      await c.staking.connect(c.locker).lock(c.dave.address, 39_000n * CRP);
      const exclude = [c.alice.address, c.bob.address, c.carol.address];
      await expect(c.staking.previewDraw(id("s"), 2, exclude, 2_000n * CRP))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(2, 1);
      expect(await preview(c, id("s"), 2, exclude, 1_000n * CRP)).to.have.members([c.dave.address, c.erin.address]);
    });

    it("a draw of two that meets 33 fully locked validators before its second pick reverts with StakingNotEnoughEligibleValidators or draws both eligible ones, never a Panic", async function () {
      // 33 heavy validators with all their stake locked and two light eligible ones; the draw locks 1 CRP, so
      // it almost always rejects all 33 locked ones first. `_drawFrom`'s `removed` list has room for
      // exclusions + count + MAX_DRAW_REJECTIONS = 34 entries: after 33 rejections and the first eligible pick
      // the next pick is written past its end unless the draw stops with the named error first.
      const c = await loadFixture(drawBaseFixture);
      const agents = await bulkStake(c, 33, 1_000_000n * CRP);
      for (const agent of agents) {
        const [staked] = await c.staking.stakeOf(agent);
        await c.staking.connect(c.locker).lock(agent, staked);
      }
      await stakeAs(c, c.alice, MIN_STAKE);
      await stakeAs(c, c.bob, MIN_STAKE);
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => outcomeOf(c, c.staking.previewDraw(id(`rejections ${i}`), 2, [], CRP))),
      );
      for (const outcome of outcomes) {
        if ("drawn" in outcome) {
          expect(outcome.drawn).to.have.members([c.alice.address, c.bob.address]);
        } else {
          expect(`${outcome.error}(${outcome.args.join(", ")})`).to.match(
            /^(StakingNotEnoughEligibleValidators|StakingTooManyIneligibleDrawn)\(2, \d\)$/,
          );
        }
      }
    });
    it("a draw that rejects MAX_DRAW_REJECTIONS ineligible validators before it can finish stops with StakingTooManyIneligibleDrawn(count, found)", async function () {
      // The same 33 locked heavyweights: among the first seeds there is one whose draw rejects all of them
      // before its picks are complete. It must stop with the named error (not a Panic past the list's end).
      const c = await loadFixture(drawBaseFixture);
      const agents = await bulkStake(c, 33, 1_000_000n * CRP);
      for (const agent of agents) {
        const [staked] = await c.staking.stakeOf(agent);
        await c.staking.connect(c.locker).lock(agent, staked);
      }
      await stakeAs(c, c.alice, MIN_STAKE);
      await stakeAs(c, c.bob, MIN_STAKE);
      let seed: string | undefined;
      let found = "";
      for (let i = 0; i < 64 && seed === undefined; i++) {
        const outcome = await outcomeOf(c, c.staking.previewDraw(id(`rejections ${i}`), 2, [], CRP));
        if ("error" in outcome && outcome.error === "StakingTooManyIneligibleDrawn") {
          seed = id(`rejections ${i}`);
          found = outcome.args[1]!;
        }
      }
      expect(seed, "some seed among the first 64 exhausts the rejections").to.not.equal(undefined);
      expect(Number(found)).to.be.lessThan(2);
      await expect(c.staking.previewDraw(seed!, 2, [], CRP))
        .to.be.revertedWithCustomError(c.staking, "StakingTooManyIneligibleDrawn")
        .withArgs(2, found);
    });
  });

  describe("bad inputs", function () {
    it("a count of 0 or above 64 reverts StakingInvalidDrawSize(count, 64) in previewDraw and drawAndLock", async function () {
      const c = await loadFixture(fiveStakedFixture);
      for (const count of [0, MAX_DRAW_SIZE + 1, 1000]) {
        await expect(c.staking.previewDraw(id("s"), count, [], 0))
          .to.be.revertedWithCustomError(c.staking, "StakingInvalidDrawSize")
          .withArgs(count, MAX_DRAW_SIZE);
        await expect(c.staking.connect(c.locker).drawAndLock(id("r"), count, [], 0))
          .to.be.revertedWithCustomError(c.staking, "StakingInvalidDrawSize")
          .withArgs(count, MAX_DRAW_SIZE);
      }
      // 64 is a valid size: with five validators it fails only for want of validators.
      await expect(c.staking.previewDraw(id("s"), MAX_DRAW_SIZE, [], 0))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(MAX_DRAW_SIZE, 5);
    });

    it("a draw of 64 from 70 validators returns 64 distinct ones and locks each", async function () {
      const c = await loadFixture(seventyStakedFixture);
      const request = id("sixty-four");
      const lockAmount = 1_000n * CRP;
      const predicted = await preview(c, seedFor(FIXED_SEED, c.locker.address, request), MAX_DRAW_SIZE, [], lockAmount);
      expect(new Set(predicted).size).to.equal(MAX_DRAW_SIZE);
      const drawn = await drawnIn(c, c.staking.connect(c.locker).drawAndLock(request, MAX_DRAW_SIZE, [], lockAmount));
      expect(drawn).to.deep.equal(predicted);
      for (const agent of c.agents) {
        const [, locked] = await c.staking.stakeOf(agent);
        expect(locked).to.equal(drawn.includes(agent) ? lockAmount : 0n);
      }
    });

    it("more than 64 exclusions revert StakingTooManyExclusions(count, 64); exactly 64 are accepted", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const strangers = Array.from({ length: MAX_EXCLUSIONS + 1 }, (_, i) => toBeHex(i + 1, 20));
      await expect(c.staking.previewDraw(id("s"), 1, strangers, 0))
        .to.be.revertedWithCustomError(c.staking, "StakingTooManyExclusions")
        .withArgs(MAX_EXCLUSIONS + 1, MAX_EXCLUSIONS);
      await expect(c.staking.connect(c.locker).drawAndLock(id("r"), 1, strangers, 0))
        .to.be.revertedWithCustomError(c.staking, "StakingTooManyExclusions")
        .withArgs(MAX_EXCLUSIONS + 1, MAX_EXCLUSIONS);
      expect(await preview(c, id("s"), 1, strangers.slice(0, MAX_EXCLUSIONS), 0)).to.have.length(1);
    });

    it("duplicate and non-validator exclusions are harmless: the draw equals the one excluding each validator once", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const messy = [
        c.alice.address,
        c.alice.address,
        c.stranger.address,
        ZeroAddress,
        await c.staking.getAddress(),
        c.carol.address,
        c.alice.address,
        c.carol.address,
      ];
      const clean = [c.alice.address, c.carol.address];
      for (let i = 0; i < 25; i++) {
        const seed = id(`messy ${i}`);
        const [a, b] = await Promise.all([preview(c, seed, 3, messy, 0), preview(c, seed, 3, clean, 0)]);
        expect(a).to.deep.equal(b);
        expect(a).to.have.members([c.bob.address, c.dave.address, c.erin.address]);
      }
      // 64 copies of one validator are within the limit and exclude just that one.
      const sixtyFour = Array.from({ length: MAX_EXCLUSIONS }, () => c.erin.address);
      expect(await preview(c, id("x"), 4, sixtyFour, 0)).to.have.members([
        c.alice.address,
        c.bob.address,
        c.carol.address,
        c.dave.address,
      ]);
    });
  });

  describe("drawAndLock", function () {
    it("locks lockAmount on each drawn validator (stakeOf.locked), leaves the others unlocked, and emits ValidatorsDrawn(request, locker, lockAmount, validators)", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const request = id("submission 1");
      const lockAmount = 2_500n * CRP;
      const expected = await preview(c, seedFor(FIXED_SEED, c.locker.address, request), 3, [c.bob.address], lockAmount);
      const tx = c.staking.connect(c.locker).drawAndLock(request, 3, [c.bob.address], lockAmount);
      await expect(tx).to.emit(c.staking, "ValidatorsDrawn").withArgs(request, c.locker.address, lockAmount, expected);
      for (const v of c.five) {
        const [, locked] = await c.staking.stakeOf(v.address);
        expect(locked, v.address).to.equal(expected.includes(v.address) ? lockAmount : 0n);
      }
      // The stake stays staked and weighted: a lock changes neither.
      expect(await c.staking.totalSelectionWeight()).to.equal(150_000n);
    });

    it("locks add up over successive draws, and a validator whose stake is all locked is skipped by the next draw needing a lock", async function () {
      const c = await loadFixture(fiveStakedFixture);
      // Only alice (10k) and bob (20k) are drawable; two draws of two locking 5k each use up alice.
      const exclude = [c.carol.address, c.dave.address, c.erin.address];
      for (const request of [id("a"), id("b")]) {
        const drawn = await drawnIn(c, c.staking.connect(c.locker).drawAndLock(request, 2, exclude, 5_000n * CRP));
        expect(drawn).to.have.members([c.alice.address, c.bob.address]);
      }
      expect((await c.staking.stakeOf(c.alice.address))[1]).to.equal(10_000n * CRP);
      expect((await c.staking.stakeOf(c.bob.address))[1]).to.equal(10_000n * CRP);
      await expect(c.staking.connect(c.locker).drawAndLock(id("c"), 2, exclude, 5_000n * CRP))
        .to.be.revertedWithCustomError(c.staking, "StakingNotEnoughEligibleValidators")
        .withArgs(2, 1);
      const drawn = await drawnIn(c, c.staking.connect(c.locker).drawAndLock(id("c"), 1, exclude, 5_000n * CRP));
      expect(drawn).to.deep.equal([c.bob.address]);
    });

    it("with FixedRandomness the same seed and request reproduce the same draw; previewDraw(keccak256(abi.encode(seed, keccak256(abi.encode(locker, request))))) predicts it", async function () {
      const c = await loadFixture(fiveStakedFixture);
      const requests = Array.from({ length: 8 }, (_, i) => id(`dispute ${i}`));
      const first: string[][] = [];
      for (const request of requests) {
        const predicted = await preview(c, seedFor(FIXED_SEED, c.locker.address, request), 3, [], 0);
        // lockAmount 0 leaves the state as it was, so the second call meets the same tree.
        const a = await drawnIn(c, c.staking.connect(c.locker).drawAndLock(request, 3, [], 0));
        const b = await drawnIn(c, c.staking.connect(c.locker).drawAndLock(request, 3, [], 0));
        expect(a).to.deep.equal(predicted);
        expect(b).to.deep.equal(a);
        first.push(a);
      }
      // Different requests give different draws (not all the same ordered panel).
      expect(new Set(first.map((d) => d.join())).size).to.be.greaterThan(1);
      // A different source seed changes the answer for the same requests.
      await c.source.setSeed(id("another seed"));
      const again: string[][] = [];
      for (const request of requests)
        again.push(await drawnIn(c, c.staking.connect(c.locker).drawAndLock(request, 3, [], 0)));
      expect(again).not.to.deep.equal(first);
    });

    it("previewDraw equals what drawAndLock then draws (and locks) for the same seed, draw after draw", async function () {
      const c = await loadFixture(seventyStakedFixture);
      const exclude = c.agents.slice(0, 5);
      for (let i = 0; i < 12; i++) {
        const request = id(`round ${i}`);
        const count = 1 + (i % 7);
        const lockAmount = BigInt(100 * i) * CRP;
        const predicted = await preview(c, seedFor(FIXED_SEED, c.locker.address, request), count, exclude, lockAmount);
        const tx = c.staking.connect(c.locker).drawAndLock(request, count, exclude, lockAmount);
        const drawn = await drawnIn(c, tx);
        expect(drawn).to.deep.equal(predicted);
        for (const v of exclude) expect(drawn).not.to.include(v);
      }
    });
  });
});
