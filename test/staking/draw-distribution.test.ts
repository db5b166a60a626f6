import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256 } from "ethers";
import { CRP, deployCorpusFixture } from "../helpers/fixtures";
import { fundFromTreasury, stakeAs } from "../helpers/staking";
import { UNDER_COVERAGE } from "../helpers/coverage";

/**
 * Frequency tests of stake-weighted selection. Draws are previewDraw calls with the fixed seeds
 * keccak256(abi.encode(offset + i)), so every run sees the same draws.
 *
 * Tolerance: each validator's count over N draws is Binomial(N, p), so its frequency may stray from p by
 * 4.5 standard deviations, 4.5 * sqrt(p (1 - p) / N), before the test fails (a false alarm for one validator
 * about 7 in a million). The whole distribution is also checked with Pearson's chi-square against the
 * critical value at p = 1e-6. A uniform draw, or one off by a few percent of a share, fails both.
 */
const SIGMAS = 4.5;
/** Chi-square critical values at p = 1e-6, by degrees of freedom. */
const CHI_SQUARE_1E6: Record<number, number> = { 8: 42.7, 9: 44.81 };

/** Stakes in whole CRP, clearly different (weights equal stakes, since all are whole CRP). */
const STAKES = [10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 80_000, 100_000, 140_000, 200_000];
const TOTAL = STAKES.reduce((a, b) => a + b, 0);

const CHUNK = 250;

async function distributionFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const signers = await hre.ethers.getSigners();
  const extra = [signers[12], signers[13]].filter((s): s is HardhatEthersSigner => s !== undefined);
  await fundFromTreasury(
    c,
    extra.map((s) => s.address),
    1_000_000n * CRP,
  );
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin, c.frank, c.grace, c.heidi, ...extra];
  expect(validators).to.have.length(STAKES.length);
  for (const [i, v] of validators.entries()) await stakeAs(c, v, BigInt(STAKES[i] ?? 0) * CRP);
  return { ...c, addresses: validators.map((v) => v.address) };
}

type Fixture = Awaited<ReturnType<typeof distributionFixture>>;

function seed(i: number): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint256"], [i]));
}

/** Runs `n` previewDraws with seeds offset..offset+n-1, `CHUNK` at a time, and returns the panels. */
async function drawMany(c: Fixture, offset: number, n: number, count: number, exclude: string[]): Promise<string[][]> {
  const panels: string[][] = [];
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    const chunk = await Promise.all(
      Array.from({ length: size }, (_, j) => c.staking.previewDraw(seed(offset + start + j), count, exclude, 0)),
    );
    for (const panel of chunk) panels.push([...panel]);
  }
  return panels;
}

/** Counts how often each address appears in `picks`. */
function tally(addresses: string[], picks: string[]): number[] {
  const counts = addresses.map(() => 0);
  for (const pick of picks) {
    const i = addresses.indexOf(pick);
    expect(i, `${pick} is not one of the validators`).to.be.greaterThanOrEqual(0);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/**
 * Asserts each observed count is within SIGMAS binomial standard deviations of `n * p`, and that Pearson's
 * chi-square over all of them (with `degrees` degrees of freedom) is below its 1e-6 critical value.
 */
function expectFrequencies(
  counts: number[],
  expected: number[],
  stakes: number[],
  n: number,
  degrees: number,
  what: string,
) {
  let chiSquare = 0;
  for (const [i, p] of expected.entries()) {
    const observed = (counts[i] ?? 0) / n;
    const tolerance = SIGMAS * Math.sqrt((p * (1 - p)) / n);
    expect(
      Math.abs(observed - p),
      `${what}: validator ${i} (stake ${stakes[i]}) frequency ${observed.toFixed(4)} vs ${p.toFixed(4)} ± ${tolerance.toFixed(4)}`,
    ).to.be.at.most(tolerance);
    chiSquare += ((counts[i] ?? 0) - n * p) ** 2 / (n * p);
  }
  const critical = CHI_SQUARE_1E6[degrees];
  if (critical === undefined) throw new Error(`no chi-square critical value for ${degrees} degrees of freedom`);
  expect(chiSquare, `${what}: chi-square with ${degrees} degrees of freedom`).to.be.below(critical);
}

/**
 * Exact probability that each leaf is in a panel of `count` drawn one by one without replacement, each pick
 * proportional to weight among those left (what the contract does), by enumerating every ordered panel.
 */
function inclusionProbabilities(weights: number[], count: number): number[] {
  const result = weights.map(() => 0);
  const visit = (taken: number[], probability: number, left: number) => {
    if (taken.length === count) {
      for (const i of taken) result[i] = (result[i] ?? 0) + probability;
      return;
    }
    for (const [i, w] of weights.entries()) {
      if (taken.includes(i) || w === 0) continue;
      visit([...taken, i], (probability * w) / left, left - w);
    }
  };
  visit(
    [],
    1,
    weights.reduce((a, b) => a + b, 0),
  );
  return result;
}

describe("CorpusStaking: draw distribution (fixed seeds, tolerance 4.5 binomial sigma per validator)", function () {
  const shares = STAKES.map((s) => s / TOTAL);

  // Statistical checks: thousands of draws that cover no code the draw tests do not; skipped under coverage.
  before(function () {
    if (UNDER_COVERAGE) this.skip();
  });

  it("over 4,000 single-validator draws each validator's frequency is within 4.5 sigma of its stake share (and chi-square < the 1e-6 critical value)", async function () {
    const c = await loadFixture(distributionFixture);
    const n = 4_000;
    const panels = await drawMany(c, 0, n, 1, []);
    for (const panel of panels) expect(panel).to.have.length(1);
    expectFrequencies(tally(c.addresses, panels.flat()), shares, STAKES, n, STAKES.length - 1, "count 1");
  });

  it("over 3,000 draws of three, the first pick's frequency is within 4.5 sigma of stake share and each validator's inclusion within 4.5 sigma of its exact without-replacement probability", async function () {
    const c = await loadFixture(distributionFixture);
    const n = 3_000;
    const panels = await drawMany(c, 1_000_000, n, 3, []);
    for (const panel of panels) expect(new Set(panel).size).to.equal(3);
    const firsts = panels.map((panel) => panel[0] ?? "");
    expectFrequencies(tally(c.addresses, firsts), shares, STAKES, n, STAKES.length - 1, "first of three");

    const inclusion = inclusionProbabilities(STAKES, 3);
    expect(inclusion.reduce((a, b) => a + b, 0)).to.be.closeTo(3, 1e-9);
    const counts = tally(c.addresses, panels.flat());
    for (const [i, p] of inclusion.entries()) {
      const observed = (counts[i] ?? 0) / n;
      const tolerance = SIGMAS * Math.sqrt((p * (1 - p)) / n);
      expect(
        Math.abs(observed - p),
        `validator ${i} (stake ${STAKES[i]}) in a panel of three: ${observed.toFixed(4)} vs ${p.toFixed(4)} ± ${tolerance.toFixed(4)}`,
      ).to.be.at.most(tolerance);
    }
  });

  it("excluding the largest validator never draws it and redistributes its share proportionally: each other frequency is within 4.5 sigma of stake / (total - excluded stake)", async function () {
    const c = await loadFixture(distributionFixture);
    const n = 3_000;
    const excludedIndex = STAKES.length - 1;
    const excluded = c.addresses[excludedIndex] ?? "";
    const panels = await drawMany(c, 2_000_000, n, 1, [excluded]);
    const counts = tally(c.addresses, panels.flat());
    expect(counts[excludedIndex]).to.equal(0);
    const remaining = TOTAL - (STAKES[excludedIndex] ?? 0);
    const rest = STAKES.map((s, i) => (i === excludedIndex ? 0 : s / remaining));
    expectFrequencies(
      counts.filter((_, i) => i !== excludedIndex),
      rest.filter((_, i) => i !== excludedIndex),
      STAKES.filter((_, i) => i !== excludedIndex),
      n,
      STAKES.length - 2,
      "excluding the largest",
    );
  });
});
