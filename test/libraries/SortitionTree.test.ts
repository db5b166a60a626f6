import { expect } from "chai";
import hre from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SortitionTreeHarness__factory, type SortitionTreeHarness } from "../../sdk/src/typechain";
import { propertyRuns } from "../helpers/coverage";

/**
 * Property tests of the eight-ary sum tree against a plain array model: `weights[i]` is leaf i's weight,
 * the total is their sum, and the leaf at a point is the first leaf whose inclusive prefix sum (with the
 * removed leaves' weights zeroed) exceeds the point.
 */

/** The tree total must stay at or below 2^31 - 1 (bit 31 of every lane is the SWAR search's flag). */
const MAX_TOTAL = 2 ** 31 - 1;
/** Leaf weights of the main property: 0..2^24, so a few hundred leaves stay far from the cap. */
const MAX_WEIGHT = 2 ** 24;
/** Most leaves the main property grows a tree to: past 8^3 = 512, so the tree reaches depth 4. */
const MAX_LEAVES = 600;

async function harnessFixture(): Promise<SortitionTreeHarness> {
  const [deployer] = await hre.ethers.getSigners();
  return new SortitionTreeHarness__factory(deployer).deploy();
}

/** A fresh, empty harness (the fixture's snapshot, so each property run starts from nothing). */
async function freshTree(): Promise<SortitionTreeHarness> {
  return loadFixture(harnessFixture);
}

/** Smallest d >= 1 with 8^d > leafCount: leaves are numbered 1..leafCount, leaf 0 reserved (0: empty tree). */
function expectedDepth(leafCount: number): number {
  if (leafCount === 0) return 0;
  let depth = 1;
  while (8 ** depth <= leafCount) depth++;
  return depth;
}

/**
 * The model numbers leaves from 0; the tree numbers them from 1 (leaf 0 is reserved and always weighs 0).
 * Model leaf i is tree leaf i + 1.
 */
const onTree = (leaf: number) => leaf + 1;

/** The plain array model of the tree. */
class TreeModel {
  readonly weights: number[] = [];

  get total(): number {
    return this.weights.reduce((a, b) => a + b, 0);
  }

  weight(leaf: number): number {
    return this.weights[leaf] ?? 0;
  }

  /** The leaf a linear prefix-sum scan finds at `point`, with `removed` leaves weighing 0 (-1: none). */
  find(point: number, removed: ReadonlySet<number>): number {
    let prefix = 0;
    for (const [leaf, weight] of this.weights.entries()) {
      if (removed.has(leaf)) continue;
      prefix += weight;
      if (prefix > point) return leaf;
    }
    return -1;
  }

  remaining(removed: ReadonlySet<number>): number {
    let remaining = this.total;
    for (const leaf of removed) remaining -= this.weight(leaf);
    return remaining;
  }

  /** Every boundary point: 0, each inclusive prefix sum - 1 and each prefix sum (below `remaining`). */
  boundaries(removed: ReadonlySet<number>): number[] {
    const remaining = this.remaining(removed);
    const points = new Set<number>([0, remaining - 1]);
    let prefix = 0;
    for (const [leaf, weight] of this.weights.entries()) {
      if (removed.has(leaf) || weight === 0) continue;
      prefix += weight;
      points.add(prefix - 1);
      points.add(prefix);
    }
    return [...points].filter((p) => p >= 0 && p < remaining);
  }
}

/** Asserts the harness holds exactly the model: shape, every leaf's weight, and nothing past the leaves. */
async function expectSameTree(tree: SortitionTreeHarness, model: TreeModel) {
  const [leafCount, depth, total] = await tree.shape();
  expect(leafCount, "leafCount").to.equal(BigInt(model.weights.length));
  expect(depth, "depth").to.equal(BigInt(expectedDepth(model.weights.length)));
  expect(total, "total").to.equal(BigInt(model.total));
  const leaves = [...model.weights.keys(), model.weights.length, model.weights.length + 7];
  const onChain = await Promise.all(leaves.map((leaf) => tree.weightOf(onTree(leaf))));
  for (const [i, leaf] of leaves.entries()) {
    expect(onChain[i], `weightOf(${onTree(leaf)})`).to.equal(BigInt(model.weight(leaf)));
  }
  expect(await tree.weightOf(0), "the reserved leaf 0").to.equal(0n);
}

/**
 * Asserts `find(point, removed)` returns the model's leaf and weight for every boundary point and every point
 * of `extraPoints` below the remaining weight, and reverts SortitionTreeEmpty for points from the remaining
 * weight up to 2^31 - 1 (the library's precondition keeps points below 2^31).
 */
async function expectSameFinds(
  tree: SortitionTreeHarness,
  model: TreeModel,
  removedLeaves: number[],
  fractions: number[],
) {
  const removed = new Set(removedLeaves);
  const remaining = model.remaining(removed);
  const points = model.boundaries(removed);
  for (const f of fractions) if (remaining > 0) points.push(Math.floor(f * remaining));
  const removedOnTree = removedLeaves.map(onTree);
  const found = await Promise.all(points.map((point) => tree.find(point, removedOnTree)));
  for (const [i, point] of points.entries()) {
    const leaf = model.find(point, removed);
    const result = found[i];
    expect(result?.leaf, `find(${point}, [${removedOnTree.join(",")}]).leaf`).to.equal(BigInt(onTree(leaf)));
    expect(result?.weight, `find(${point}).weight`).to.equal(BigInt(model.weight(leaf)));
  }
  const beyond = [remaining, remaining + 1, MAX_TOTAL];
  for (const f of fractions) beyond.push(remaining + Math.floor(f * (MAX_TOTAL - remaining)));
  for (const point of beyond.filter((p) => p <= MAX_TOTAL)) {
    await expect(
      tree.find(point, removedOnTree),
      `find(${point}) with ${remaining} remaining`,
    ).to.be.revertedWithCustomError(tree, "SortitionTreeEmpty");
  }
}

type Op = { kind: "allocate"; count: number } | { kind: "set"; leaf: number; weight: number };

const weightArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 1_000 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: MAX_WEIGHT }), weight: 3 },
  { arbitrary: fc.constant(MAX_WEIGHT), weight: 1 },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("allocate" as const), count: fc.integer({ min: 1, max: 24 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("set" as const), leaf: fc.nat(), weight: weightArb }), weight: 5 },
);

/** Trees of every depth: most runs small, a few past 512 leaves (depth 4). */
const initialLeavesArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 8 }), weight: 3 },
  { arbitrary: fc.integer({ min: 9, max: 64 }), weight: 3 },
  { arbitrary: fc.integer({ min: 65, max: 512 }), weight: 2 },
  { arbitrary: fc.integer({ min: 513, max: MAX_LEAVES - 30 }), weight: 2 },
);

const scenarioArb = fc.record({
  initialLeaves: initialLeavesArb,
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
  removed: fc.array(fc.nat(), { maxLength: 8 }),
  fractions: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 3, maxLength: 8 }),
});

/** Applies one op to both the harness and the model; a leaf index is taken modulo the leaves allocated. */
async function apply(tree: SortitionTreeHarness, model: TreeModel, op: Op) {
  if (op.kind === "allocate") {
    await tree.allocate(op.count);
    for (let i = 0; i < op.count; i++) model.weights.push(0);
  } else {
    const leaf = op.leaf % model.weights.length;
    await tree.set(onTree(leaf), op.weight);
    model.weights[leaf] = op.weight;
  }
}

/** Distinct allocated leaves from raw indices. */
function toLeaves(raw: number[], leafCount: number): number[] {
  return [...new Set(raw.map((r) => r % leafCount))];
}

describe("SortitionTree (property tests against an array model)", function () {
  it("a new tree is empty: no leaves, depth 0, total 0, every weight 0", async function () {
    const tree = await freshTree();
    await expectSameTree(tree, new TreeModel());
  });

  it("allocating grows the depth exactly when the leaf count passes 7, 63 and 511 (leaf 0 is reserved), keeping every weight findable", async function () {
    const tree = await freshTree();
    const model = new TreeModel();
    for (const target of [1, 8, 9, 64, 65, 512, 513]) {
      const count = target - model.weights.length;
      await apply(tree, model, { kind: "allocate", count });
      // Weight the newest leaf, so every level change carries weight from the old root.
      await apply(tree, model, { kind: "set", leaf: target - 1, weight: target * 3 });
      await expectSameTree(tree, model);
      await expectSameFinds(tree, model, [], [0.5]);
    }
    const [, depth] = await tree.shape();
    expect(depth).to.equal(4n);
  });

  it("after random allocate/set sequences (up to ~600 leaves, weights 0..2^24), shape, weights and every find match the model", async function () {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ initialLeaves, ops, removed, fractions }) => {
        const tree = await freshTree();
        const model = new TreeModel();
        await apply(tree, model, { kind: "allocate", count: initialLeaves });
        for (const op of ops) {
          await apply(tree, model, op);
          const [leafCount, depth, total] = await tree.shape();
          expect([leafCount, depth, total]).to.deep.equal([
            BigInt(model.weights.length),
            BigInt(expectedDepth(model.weights.length)),
            BigInt(model.total),
          ]);
        }
        await expectSameTree(tree, model);
        await expectSameFinds(tree, model, [], fractions);
        await expectSameFinds(tree, model, toLeaves(removed, model.weights.length), fractions);
      }),
      { seed: 0x5047_7233, numRuns: propertyRuns(50) },
    );
  });

  it("removing every weighted leaf leaves nothing: find(0) reverts SortitionTreeEmpty", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(weightArb, { minLength: 1, maxLength: 12 }), async (weights) => {
        const tree = await freshTree();
        const model = new TreeModel();
        await apply(tree, model, { kind: "allocate", count: weights.length });
        for (const [leaf, weight] of weights.entries()) await apply(tree, model, { kind: "set", leaf, weight });
        const all = [...weights.keys()];
        await expect(tree.find(0, all.map(onTree))).to.be.revertedWithCustomError(tree, "SortitionTreeEmpty");
        // Removing all but one weighted leaf finds only that one.
        const kept = weights.findIndex((w) => w > 0);
        if (kept >= 0)
          await expectSameFinds(
            tree,
            model,
            all.filter((leaf) => leaf !== kept),
            [0.25, 0.75],
          );
      }),
      { seed: 0x0e_3b_7e, numRuns: propertyRuns(15) },
    );
  });

  describe("the 2^31 - 1 cap on the total", function () {
    type CapOp =
      | { kind: "set"; leaf: number; weight: number }
      /** Sets `leaf` to whatever brings the total to MAX_TOTAL + delta. */
      | { kind: "fill"; leaf: number; delta: number };

    const capOpArb: fc.Arbitrary<CapOp> = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant("set" as const),
          leaf: fc.nat(),
          weight: fc.oneof(
            fc.integer({ min: 0, max: MAX_TOTAL }),
            fc.constantFrom(0, 1, 2 ** 30, MAX_TOTAL - 1, MAX_TOTAL, MAX_TOTAL + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40),
          ),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("fill" as const),
          leaf: fc.nat(),
          delta: fc.integer({ min: -2, max: 2 }),
        }),
        weight: 2,
      },
    );

    it("a set that would make the total exceed 2^31 - 1 reverts SortitionTreeWeightOverflow(total) and changes nothing; sets up to the cap succeed and finds stay exact", async function () {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 80 }),
          fc.array(capOpArb, { minLength: 1, maxLength: 16 }),
          async (leafCount, ops) => {
            const tree = await freshTree();
            const model = new TreeModel();
            await apply(tree, model, { kind: "allocate", count: leafCount });
            for (const op of ops) {
              const leaf = op.leaf % leafCount;
              const others = model.total - model.weight(leaf);
              const weight = op.kind === "set" ? op.weight : Math.max(0, MAX_TOTAL + op.delta - others);
              const newTotal = others + weight;
              if (newTotal > MAX_TOTAL) {
                await expect(tree.set(onTree(leaf), weight))
                  .to.be.revertedWithCustomError(tree, "SortitionTreeWeightOverflow")
                  .withArgs(weight, MAX_TOTAL - others);
              } else {
                await apply(tree, model, { kind: "set", leaf, weight });
              }
              await expectSameTree(tree, model);
            }
            await expectSameFinds(tree, model, [], [0.1, 0.9]);
          },
        ),
        { seed: 0x7fff_ffff, numRuns: propertyRuns(25) },
      );
    });

    it("a total of exactly 2^31 - 1 spread over a depth-3 tree finds the last leaf at point 2^31 - 2", async function () {
      const tree = await freshTree();
      const model = new TreeModel();
      await apply(tree, model, { kind: "allocate", count: 100 });
      await apply(tree, model, { kind: "set", leaf: 0, weight: 2 ** 30 });
      await apply(tree, model, { kind: "set", leaf: 63, weight: 2 ** 29 });
      await apply(tree, model, { kind: "set", leaf: 99, weight: MAX_TOTAL - 2 ** 30 - 2 ** 29 });
      expect(model.total).to.equal(MAX_TOTAL);
      await expectSameTree(tree, model);
      const [leaf] = await tree.find(MAX_TOTAL - 1, []);
      expect(leaf).to.equal(BigInt(onTree(99)));
      await expect(tree.set(onTree(1), 1))
        .to.be.revertedWithCustomError(tree, "SortitionTreeWeightOverflow")
        .withArgs(1, 0);
    });
  });
});
