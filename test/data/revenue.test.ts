import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { CRP } from "../helpers/fixtures";
import {
  CONTRIBUTOR_FLOOR_BPS,
  PRICE,
  PROTOCOL_FEE_BPS,
  ROYALTY_CAP_BPS,
  type DataFixture,
  crpOffer,
  dataFixture,
  expectDataSolvent,
  finishedTask,
  mintData,
  mintParams,
  quoteOf,
} from "../helpers/data";

const BPS = 10_000n;
/** The default contributor share of mintParams. */
const SHARE_BPS = 3_000n;

// One sale at PRICE (1,000 CRP) of a token with 8 units (tasks A–D) and 30% to its contributors:
const FEE = 25n * CRP; // 1,000 × 250 / 10,000
const CONTRIBUTORS = 300n * CRP; // 1,000 × 3,000 / 10,000
const PER_UNIT = (375n * CRP) / 10n; // 300 / 8 = 37.5 CRP, exact
const TO_OWNER = 675n * CRP; // 1,000 − 25 − 300

/** The data fixture with no token minted yet, and the addresses these tests use. */
async function baseFixture() {
  const c = await loadFixture(dataFixture);
  return { ...c, crp: await c.token.getAddress(), treasury: await c.timelock.getAddress() };
}

/** {@link baseFixture} with frank's token over tasks A–D (8 units: bob, carol, dave, erin 2 each). */
async function revenueFixture() {
  const c = await loadFixture(baseFixture);
  const { A, B, C, D } = c.taskIds;
  const tokenId = await mintData(c, c.requester, mintParams([A, B, C, D]));
  return { ...c, tokenId };
}

/** Any fixture of this file: the data fixture and the CRP address. */
type RevenueFixture = DataFixture & { crp: string; treasury: string };

/** `owner` offers `tokenId` at `price` (30 days, the default terms). */
async function offer(c: RevenueFixture, owner: HardhatEthersSigner, tokenId: bigint, price: bigint) {
  await (await c.data.connect(owner).setLicense(tokenId, await crpOffer(c, price))).wait();
}

/** `buyer` approves exactly the current price of `tokenId` and buys it at the quote it reads; returns the purchase. */
async function buy(c: DataFixture, buyer: HardhatEthersSigner, tokenId: bigint): Promise<ContractTransactionResponse> {
  const quote = await quoteOf(c, tokenId);
  await (await c.token.connect(buyer).approve(c.dataAddress, quote.maxPrice)).wait();
  return c.data.connect(buyer).buyLicense(tokenId, buyer.address, quote);
}

/** `owner` offers `tokenId` at `price` and heidi buys it (the transaction is mined). */
async function sell(c: RevenueFixture, owner: HardhatEthersSigner, tokenId: bigint, price: bigint) {
  await offer(c, owner, tokenId, price);
  await (await buy(c, c.heidi, tokenId)).wait();
}

/** What `who` can claim from each of `tokenIds`. */
function claimables(c: RevenueFixture, tokenIds: bigint[], who: HardhatEthersSigner) {
  return Promise.all(tokenIds.map((t) => c.data.claimable(t, c.crp, who.address)));
}

/** Claims as `who` from `tokenId`, checking the event, the payment and that nothing is left to claim. */
async function claimExactly(c: RevenueFixture, who: HardhatEthersSigner, tokenId: bigint, amount: bigint) {
  expect(await c.data.claimable(tokenId, c.crp, who.address), "claimable before").to.equal(amount);
  expect(await c.data.connect(who).claim.staticCall(tokenId, c.crp), "claim's return").to.equal(amount);
  const before = await c.token.balanceOf(who.address);
  await expect(c.data.connect(who).claim(tokenId, c.crp))
    .to.emit(c.data, "Claimed")
    .withArgs(tokenId, c.crp, who.address, amount);
  expect(await c.token.balanceOf(who.address), "paid").to.equal(before + amount);
  expect(await c.data.claimable(tokenId, c.crp, who.address), "claimable after").to.equal(0n);
}

/** `tokenId`'s pool in CRP: [revenue per unit, carry]. */
async function poolOf(c: RevenueFixture, tokenId: bigint): Promise<[bigint, bigint]> {
  return [await c.data.revenuePerUnit(tokenId, c.crp), await c.data.poolCarry(tokenId, c.crp)];
}

describe("CorpusData: revenue", () => {
  describe("splitting a sale", () => {
    it("splits one sale to the wei: 2.5% to the treasury, 30% to the contributors' pool, the rest to the owner", async () => {
      const c = await loadFixture(revenueFixture);
      const [protocolFeeBps, floorBps, capBps] = await c.data.parameters();
      expect([protocolFeeBps, floorBps, capBps]).to.deep.equal([
        PROTOCOL_FEE_BPS,
        CONTRIBUTOR_FLOOR_BPS,
        ROYALTY_CAP_BPS,
      ]);
      expect((PRICE * PROTOCOL_FEE_BPS) / BPS).to.equal(FEE);
      expect((PRICE * SHARE_BPS) / BPS).to.equal(CONTRIBUTORS);
      await offer(c, c.requester, c.tokenId, PRICE);
      const buyerBefore = await c.token.balanceOf(c.heidi.address);
      await expect(buy(c, c.heidi, c.tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.crp, FEE, CONTRIBUTORS, 0n, TO_OWNER);
      expect(await c.token.balanceOf(c.heidi.address)).to.equal(buyerBefore - PRICE);
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(PRICE);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
      expect(await poolOf(c, c.tokenId)).to.deep.equal([PER_UNIT, 0n]);
      // Each contributor has 2 units; carol's rejected submission in B earns nothing.
      for (const contributor of c.contributors) {
        expect(await c.data.claimable(c.tokenId, c.crp, contributor.address)).to.equal(2n * PER_UNIT);
      }
      expect(FEE + 8n * PER_UNIT + TO_OWNER).to.equal(PRICE);
      // The buyer, an outsider, is owed nothing.
      expect(await c.data.revenueOf(c.crp, c.heidi.address)).to.equal(0n);
      expect(await c.data.claimable(c.tokenId, c.crp, c.heidi.address)).to.equal(0n);
      await expectDataSolvent(c, "after one sale");
    });

    it("a price that does not divide by 8 units: the pool grows by whole wei per unit and carries the rest, the owner gets only its share", async () => {
      const c = await loadFixture(revenueFixture);
      // 1,000 CRP + 7 wei: fee floor(7 × 0.025) = 0 extra wei; contributors 300 CRP + floor(7 × 0.3) = + 2 wei,
      // which 8 units cannot share: 37.5 CRP per unit, and the pool carries the 2 wei to its next sale. The
      // owner gets exactly the rest, 675 CRP + 5 wei, and none of the contributors' 2 wei.
      const price = 1_000n * CRP + 7n;
      await sell(c, c.requester, c.tokenId, price);
      expect(await poolOf(c, c.tokenId)).to.deep.equal([PER_UNIT, 2n]);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 5n);
      for (const contributor of c.contributors) {
        expect(await c.data.claimable(c.tokenId, c.crp, contributor.address)).to.equal(2n * PER_UNIT);
      }
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(price);
      expect(FEE + 8n * PER_UNIT + 2n + TO_OWNER + 5n).to.equal(price);
      await expectDataSolvent(c, "after a sale with a carry");
    });

    it("a price that does not divide by 3 units: over two sales, the first sale's carry lifts the second's revenue per unit", async () => {
      const c = await loadFixture(baseFixture);
      // Task A alone: bob, carol and dave, one unit each.
      const tokenId = await mintData(c, c.requester, mintParams([c.taskIds.A]));
      expect((await c.data.getData(tokenId)).totalUnits).to.equal(3n);
      // 1,000 CRP + 7 wei: contributors 300 CRP + 2 wei = 3 × 100 CRP + 2 wei: 100 CRP per unit, 2 wei carried.
      // RevenueSplit reports the whole share (300 CRP + 2 wei) and the owner's 675 CRP + 5 wei.
      await offer(c, c.requester, tokenId, 1_000n * CRP + 7n);
      await expect(buy(c, c.heidi, tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(tokenId, c.crp, FEE, 300n * CRP + 2n, 0n, TO_OWNER + 5n);
      expect(await poolOf(c, tokenId)).to.deep.equal([100n * CRP, 2n]);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 5n);
      await expectDataSolvent(c, "after the first sale");
      // 1,000 CRP + 37 wei: fee floor(37 × 0.025) = 0 extra; contributors 300 CRP + 11 wei. Alone, 11 wei would
      // give 3 wei per unit; with the 2 carried it is 13 = 3 × 4 + 1: 4 wei per unit, 1 wei carried on.
      // The owner gets 675 CRP + 26 wei.
      await offer(c, c.requester, tokenId, 1_000n * CRP + 37n);
      await expect(buy(c, c.heidi, tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(tokenId, c.crp, FEE, 300n * CRP + 11n, 0n, TO_OWNER + 26n);
      expect(FEE + (300n * CRP + 11n) + (TO_OWNER + 26n)).to.equal(1_000n * CRP + 37n);
      expect(await poolOf(c, tokenId)).to.deep.equal([200n * CRP + 4n, 1n]);
      // Both shares, to the wei: 3 units × (200 CRP + 4 wei) + 1 wei carried = 600 CRP + 13 wei.
      expect(3n * (200n * CRP + 4n) + 1n).to.equal(300n * CRP + 2n + 300n * CRP + 11n);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 5n + TO_OWNER + 26n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(2n * FEE);
      for (const contributor of [c.bob, c.carol, c.dave]) {
        expect(await c.data.claimable(tokenId, c.crp, contributor.address)).to.equal(200n * CRP + 4n);
      }
      expect(await c.data.claimable(tokenId, c.crp, c.erin.address)).to.equal(0n);
      await expectDataSolvent(c, "after the second sale");
      await claimExactly(c, c.dave, tokenId, 200n * CRP + 4n);
      await expectDataSolvent(c, "after a claim");
    });

    // ICorpusData: `contributors` is the whole contributor share (distributed per unit, or carried), `owner` what
    // the owner is credited; the four add up to the price.
    it("RevenueSplit reports each part's whole share, the contributors' including what their pool carries: the parts sum to the price", async () => {
      const c = await loadFixture(revenueFixture);
      // 1,000 CRP + 7 wei: the contributors' 30% is 300 CRP + 2 wei (8 units take 300 CRP now, the pool carries
      // 2 wei); the owner's part is 675 CRP + 5 wei.
      const price = 1_000n * CRP + 7n;
      await offer(c, c.requester, c.tokenId, price);
      await expect(buy(c, c.heidi, c.tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.crp, FEE, CONTRIBUTORS + 2n, 0n, TO_OWNER + 5n);
      expect(FEE + (CONTRIBUTORS + 2n) + 0n + (TO_OWNER + 5n)).to.equal(price);
      // Each part is exactly what its holders can take out, or (the carry) what waits for the pool's next sale.
      const [perUnit, carry] = await poolOf(c, c.tokenId);
      expect(8n * perUnit + carry).to.equal(CONTRIBUTORS + 2n);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 5n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      await expectDataSolvent(c, "after a sale with a carry");
    });
  });

  describe("tiny sales and the pool's carry", () => {
    it("the owner cannot starve the contributors with sales below one wei per unit: 5 sales at 26 wei pay them every wei of their 30%", async () => {
      const c = await loadFixture(revenueFixture);
      // 26 wei: fee floor(26 × 0.025) = 0, contributors floor(26 × 0.3) = 7 wei, fewer than the 8 units: were
      // remainders the owner's, the pool would never grow. Each sale adds its 7 wei to the pool instead:
      // 7 → 0 per unit, 7 carried; 14 → 1, 6; 13 → 2, 5; 12 → 3, 4; 11 → 4, 3 (35 = 4 × 8 + 3).
      const price = 26n;
      await offer(c, c.requester, c.tokenId, price);
      const pools: [bigint, bigint][] = [
        [0n, 7n],
        [1n, 6n],
        [2n, 5n],
        [3n, 4n],
        [4n, 3n],
      ];
      const duration = (await c.data.getData(c.tokenId)).license.duration;
      let expiry = 0n;
      for (const [i, pool] of pools.entries()) {
        // The owner gets exactly price − fee − 7 wei: 26 − 0 − 7 = 19 wei.
        await expect(buy(c, c.heidi, c.tokenId))
          .to.emit(c.data, "RevenueSplit")
          .withArgs(c.tokenId, c.crp, 0n, 7n, 0n, price - 0n - 7n);
        // heidi's licence starts at the first purchase; each later one extends it from its expiry.
        expiry = i === 0 ? BigInt(await time.latest()) + duration : expiry + duration;
        expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address), `expiry after sale ${i + 1}`).to.equal(expiry);
        expect(await poolOf(c, c.tokenId), `pool after sale ${i + 1}`).to.deep.equal(pool);
        expect(await c.data.revenueOf(c.crp, c.requester.address), `owner after sale ${i + 1}`).to.equal(
          BigInt(i + 1) * 19n,
        );
        await expectDataSolvent(c, `after tiny sale ${i + 1}`);
      }
      expect(4n * 8n + 3n).to.equal(5n * 7n);
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(5n * price);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(0n);
      // Every contributor takes its 2 units × 4 wei; the owner its 5 × 19 wei; 3 wei wait in the pool.
      for (const contributor of c.contributors) {
        await claimExactly(c, contributor, c.tokenId, 8n);
        await expectDataSolvent(c, `after ${contributor.address} claimed`);
      }
      await expect(c.data.connect(c.requester).withdraw(c.crp))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.crp, c.requester.address, 95n);
      // The fee rounded to 0 on every sale: there is nothing to sweep.
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.treasury);
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(3n);
      expect(await c.data.poolCarry(c.tokenId, c.crp)).to.equal(3n);
      await expectDataSolvent(c, "after everyone was paid");

      // A pool that will not sell again: anyone moves its carry to the treasury, which takes it out; nothing
      // stays in the contract for good.
      await expect(c.data.connect(c.stranger).sweepPoolCarry(c.tokenId, c.crp))
        .to.emit(c.data, "PoolCarrySwept")
        .withArgs(c.tokenId, c.crp, 3n);
      expect(await c.data.poolCarry(c.tokenId, c.crp)).to.equal(0n);
      expect(await c.data.revenuePerUnit(c.tokenId, c.crp)).to.equal(4n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(3n);
      await expectDataSolvent(c, "after the carry was swept");
      await expect(c.data.connect(c.stranger).sweepPoolCarry(c.tokenId, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.treasury);
      await (await c.data.connect(c.stranger).sweepProtocolFees(c.crp)).wait();
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(0n);
    });

    it("a carry that reaches the unit count rolls into the revenue per unit on the next sale; the carry itself is nobody's to claim", async () => {
      const c = await loadFixture(revenueFixture);
      // 20 wei: fee 0, contributors 6 wei (fewer than the 8 units), owner 14 wei. The pool, sale by sale:
      // 6 → 0 per unit, 6 carried; 6 + 6 = 12 → 1, 4; 4 + 6 = 10 → 2, 2; 2 + 6 = 8 → 3, 0 (exactly the units).
      await offer(c, c.requester, c.tokenId, 20n);
      await (await buy(c, c.heidi, c.tokenId)).wait();
      expect(await poolOf(c, c.tokenId)).to.deep.equal([0n, 6n]);
      // The 6 wei carried are no one's yet: a claim finds nothing.
      for (const contributor of c.contributors) {
        expect(await c.data.claimable(c.tokenId, c.crp, contributor.address)).to.equal(0n);
      }
      await expect(c.data.connect(c.bob).claim(c.tokenId, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.bob.address);
      expect(await poolOf(c, c.tokenId)).to.deep.equal([0n, 6n]);
      await expectDataSolvent(c, "after the first sale");

      // The second sale's 6 wei alone would not make one per unit; with the 6 carried they make one, 4 over.
      await expect(buy(c, c.heidi, c.tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.crp, 0n, 6n, 0n, 14n);
      expect(await poolOf(c, c.tokenId)).to.deep.equal([1n, 4n]);
      await claimExactly(c, c.bob, c.tokenId, 2n);
      await expectDataSolvent(c, "after the second sale and bob's claim");

      await (await buy(c, c.heidi, c.tokenId)).wait();
      expect(await poolOf(c, c.tokenId)).to.deep.equal([2n, 2n]);
      await (await buy(c, c.heidi, c.tokenId)).wait();
      // 2 carried + 6 = 8 = one wei for each unit: the carry is spent to 0.
      expect(await poolOf(c, c.tokenId)).to.deep.equal([3n, 0n]);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(4n * 14n);
      await expectDataSolvent(c, "after the fourth sale");
      // bob has 1 per unit already; carol, dave and erin all 3.
      await claimExactly(c, c.bob, c.tokenId, 2n * 2n);
      for (const contributor of [c.carol, c.dave, c.erin]) await claimExactly(c, contributor, c.tokenId, 2n * 3n);
      await (await c.data.connect(c.requester).withdraw(c.crp)).wait();
      // 4 × 6 = 24 = 8 × 3: the contributors got their whole share and nothing is carried.
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(0n);
      await expectDataSolvent(c, "after everyone was paid");
    });
  });

  describe("claiming", () => {
    it("each contributor claims exactly its units × revenue per unit, once", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE);
      await expectDataSolvent(c, "after the sale");
      for (const contributor of c.contributors) {
        expect(await c.data.unitsOf(c.tokenId, contributor.address)).to.equal(2n);
        await claimExactly(c, contributor, c.tokenId, 2n * PER_UNIT);
        await expectDataSolvent(c, `after ${contributor.address} claimed`);
      }
      // Only the owner's revenue and the fees are left.
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(TO_OWNER + FEE);
    });

    it("a second claim with nothing new, or a claim by an outsider, is refused with DataNothingToClaim", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE);
      await claimExactly(c, c.bob, c.tokenId, 2n * PER_UNIT);
      const held = await c.token.balanceOf(c.dataAddress);
      const others = await claimables(c, [c.tokenId], c.carol);
      // The owner is no contributor either: its revenue is withdrawn, not claimed.
      for (const who of [c.bob, c.grace, c.requester]) {
        const before = await c.token.balanceOf(who.address);
        await expect(c.data.connect(who).claim(c.tokenId, c.crp))
          .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
          .withArgs(who.address);
        expect(await c.token.balanceOf(who.address)).to.equal(before);
      }
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(held);
      expect(await claimables(c, [c.tokenId], c.carol)).to.deep.equal(others);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
    });

    it("before any sale there is nothing to claim, and a token that does not exist has no contributors", async () => {
      const c = await loadFixture(revenueFixture);
      await expect(c.data.connect(c.bob).claim(c.tokenId, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.bob.address);
      // ICorpusData: a token that does not exist has no contributors: DataNothingToClaim.
      await sell(c, c.requester, c.tokenId, PRICE);
      await expect(c.data.connect(c.bob).claim(99n, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.bob.address);
      expect(await c.data.claimable(99n, c.crp, c.bob.address)).to.equal(0n);
      expect(await c.data.claimable(c.tokenId, c.crp, c.bob.address)).to.equal(2n * PER_UNIT);
    });

    it("later sales accrue on top of each contributor's checkpoint", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE);
      await claimExactly(c, c.bob, c.tokenId, 2n * PER_UNIT);
      // A second sale at 2,000 CRP: 600 CRP to the pool, 75 CRP per unit.
      await sell(c, c.requester, c.tokenId, 2n * PRICE);
      expect(await c.data.revenuePerUnit(c.tokenId, c.crp)).to.equal(PER_UNIT + 75n * CRP);
      await expectDataSolvent(c, "after the second sale");
      // bob claimed the first sale already: only the second is owed. carol never claimed: both.
      await claimExactly(c, c.bob, c.tokenId, 2n * 75n * CRP);
      await claimExactly(c, c.carol, c.tokenId, 2n * (PER_UNIT + 75n * CRP));
      await expectDataSolvent(c, "after the claims");
      await sell(c, c.requester, c.tokenId, PRICE);
      await claimExactly(c, c.bob, c.tokenId, 2n * PER_UNIT);
      await claimExactly(c, c.carol, c.tokenId, 2n * PER_UNIT);
      await claimExactly(c, c.dave, c.tokenId, 2n * (PER_UNIT + 75n * CRP + PER_UNIT));
      await expectDataSolvent(c, "after the third sale's claims");
    });
  });

  describe("claiming across tokens (claimMany)", () => {
    /**
     * Ten tokens, each over its own task, sold once at 1,000 CRP (30% to contributors) except the last:
     *  1 [A] bob carol dave  · 2 [B] bob erin  · 3 [C] carol  · 4 [D] dave erin  · 5 [E] grace (alice's)
     *  6 [bob] · 7 [bob carol] · 8 [bob dave erin] · 9 [bob] · 10 [bob grace] (unsold).
     * bob is owed 100 + 150 + 300 + 150 + 100 + 300 = 1,100 CRP, from 1, 2, 6, 7, 8 and 9.
     */
    async function claimManyFixture() {
      const c = await loadFixture(baseFixture);
      const { A, B, C, D, E } = c.taskIds;
      const more = [
        await finishedTask(c, c.requester, [c.bob]),
        await finishedTask(c, c.requester, [c.bob, c.carol]),
        await finishedTask(c, c.requester, [c.bob, c.dave, c.erin]),
        await finishedTask(c, c.requester, [c.bob]),
        await finishedTask(c, c.requester, [c.bob, c.grace]),
      ];
      const tokens: bigint[] = [];
      for (const task of [A, B, C, D]) tokens.push(await mintData(c, c.requester, mintParams([task])));
      tokens.push(await mintData(c, c.alice, mintParams([E])));
      for (const task of more) tokens.push(await mintData(c, c.requester, mintParams([task])));
      for (const [i, tokenId] of tokens.entries()) {
        if (i === 9) continue;
        await sell(c, i === 4 ? c.alice : c.requester, tokenId, PRICE);
      }
      return { ...c, tokens };
    }

    it("pays the sum over ten tokens in one transfer and skips the tokens with nothing owed", async () => {
      const c = await loadFixture(claimManyFixture);
      const owed = [100n, 150n, 0n, 0n, 0n, 300n, 150n, 100n, 300n, 0n].map((x) => x * CRP);
      expect(await claimables(c, c.tokens, c.bob)).to.deep.equal(owed);
      const total = 1_100n * CRP;
      expect(await c.data.connect(c.bob).claimMany.staticCall(c.tokens, c.crp)).to.equal(total);
      const before = await c.token.balanceOf(c.bob.address);
      const receipt = await (await c.data.connect(c.bob).claimMany(c.tokens, c.crp)).wait();
      expect(await c.token.balanceOf(c.bob.address)).to.equal(before + total);
      // One Claimed per token that owed something, and a single CRP transfer.
      const claimed: [bigint, bigint][] = [];
      const transfers: [string, string, bigint][] = [];
      for (const log of receipt?.logs ?? []) {
        const data =
          log.address === c.dataAddress ? c.data.interface.parseLog({ topics: [...log.topics], data: log.data }) : null;
        if (data?.name === "Claimed") {
          expect([data.args.token, data.args.contributor]).to.deep.equal([c.crp, c.bob.address]);
          claimed.push([data.args.tokenId as bigint, data.args.amount as bigint]);
        }
        if (log.address === c.crp) {
          const crp = c.token.interface.parseLog({ topics: [...log.topics], data: log.data });
          if (crp?.name === "Transfer") transfers.push([crp.args.from, crp.args.to, crp.args.value]);
        }
      }
      expect(claimed).to.deep.equal(
        c.tokens.flatMap((t, i) => (owed[i] === 0n ? [] : [[t, owed[i]] as [bigint, bigint]])),
      );
      expect(transfers).to.deep.equal([[c.dataAddress, c.bob.address, total]]);
      expect(await claimables(c, c.tokens, c.bob)).to.deep.equal(owed.map(() => 0n));
      await expectDataSolvent(c, "after bob's claimMany");

      // Nothing is left for bob anywhere; carol's share is untouched and claimable the same way.
      await expect(c.data.connect(c.bob).claimMany(c.tokens, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.bob.address);
      const carolBefore = await c.token.balanceOf(c.carol.address);
      await (await c.data.connect(c.carol).claimMany(c.tokens, c.crp)).wait();
      // carol: 100 (A) + 300 (C) + 150 (task 7).
      expect(await c.token.balanceOf(c.carol.address)).to.equal(carolBefore + 550n * CRP);
      await expectDataSolvent(c, "after carol's claimMany");
    });

    it("a token listed twice pays once", async () => {
      const c = await loadFixture(claimManyFixture);
      const first = c.tokens[0] ?? 0n;
      const before = await c.token.balanceOf(c.bob.address);
      // 64, the most one call may take, all the same token.
      await (await c.data.connect(c.bob).claimMany(Array(64).fill(first), c.crp)).wait();
      expect(await c.token.balanceOf(c.bob.address)).to.equal(before + 100n * CRP);
      await expectDataSolvent(c, "after a claimMany with repeats");
    });

    it("more than 64 tokens are refused with DataTooManyTokens, and nothing is paid", async () => {
      const c = await loadFixture(claimManyFixture);
      const before = await claimables(c, c.tokens, c.bob);
      const balance = await c.token.balanceOf(c.bob.address);
      const ids = Array.from({ length: 65 }, (_, i) => c.tokens[i % c.tokens.length] ?? 0n);
      await expect(c.data.connect(c.bob).claimMany(ids, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataTooManyTokens")
        .withArgs(65n, 64n);
      expect(await claimables(c, c.tokens, c.bob)).to.deep.equal(before);
      expect(await c.token.balanceOf(c.bob.address)).to.equal(balance);
    });

    it("a token that does not exist in the list is skipped like any token with nothing owed", async () => {
      const c = await loadFixture(claimManyFixture);
      const before = await c.token.balanceOf(c.bob.address);
      await (await c.data.connect(c.bob).claimMany([99n, ...c.tokens, 0n], c.crp)).wait();
      expect(await c.token.balanceOf(c.bob.address)).to.equal(before + 1_100n * CRP);
      await expectDataSolvent(c, "after a claimMany with unknown tokens");
    });
  });

  describe("owner revenue and protocol fees", () => {
    it("the owner withdraws exactly its revenue, once", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE);
      // The second sale's contributor share is 300 CRP + 2 wei: the pool carries the 2 wei, the owner gets
      // 675 CRP + 5 wei.
      await sell(c, c.requester, c.tokenId, PRICE + 7n);
      const revenue = TO_OWNER + TO_OWNER + 5n;
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(revenue);
      const before = await c.token.balanceOf(c.requester.address);
      await expect(c.data.connect(c.requester).withdraw(c.crp))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.crp, c.requester.address, revenue);
      expect(await c.token.balanceOf(c.requester.address)).to.equal(before + revenue);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(0n);
      await expectDataSolvent(c, "after the withdrawal");
      const held = await c.token.balanceOf(c.dataAddress);
      for (const who of [c.requester, c.bob]) {
        await expect(c.data.connect(who).withdraw(c.crp))
          .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
          .withArgs(who.address);
      }
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(held);
      // The contributors' pool, its carry included, is not the owner's to withdraw.
      expect(await c.data.poolCarry(c.tokenId, c.crp)).to.equal(2n);
      expect(held).to.equal(2n * FEE + 8n * 2n * PER_UNIT + 2n);
    });

    it("after an ERC-721 transfer, sales credit the new owner; the old one keeps what it earned", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE);
      await (await c.data.connect(c.requester).transferFrom(c.requester.address, c.grace.address, c.tokenId)).wait();
      // The offer travels with the token; the new owner sells it on.
      await (await buy(c, c.heidi, c.tokenId)).wait();
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(TO_OWNER);
      // Contributors are the tasks' workers, whoever owns the token.
      expect(await c.data.revenuePerUnit(c.tokenId, c.crp)).to.equal(2n * PER_UNIT);
      await expectDataSolvent(c, "after a sale by the new owner");
      await expect(c.data.connect(c.grace).withdraw(c.crp))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.crp, c.grace.address, TO_OWNER);
      await expect(c.data.connect(c.requester).withdraw(c.crp))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.crp, c.requester.address, TO_OWNER);
      await expectDataSolvent(c, "after both owners withdrew");
    });

    it("anyone sweeps the protocol fees to the treasury, exactly, once", async () => {
      const c = await loadFixture(revenueFixture);
      expect(await c.data.TREASURY()).to.equal(c.treasury);
      await sell(c, c.requester, c.tokenId, PRICE);
      await sell(c, c.requester, c.tokenId, 3n * PRICE);
      const fees = FEE + 3n * FEE;
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(fees);
      const before = await c.token.balanceOf(c.treasury);
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.emit(c.data, "ProtocolFeesSwept")
        .withArgs(c.crp, fees);
      expect(await c.token.balanceOf(c.treasury)).to.equal(before + fees);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(0n);
      await expectDataSolvent(c, "after the sweep");
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.treasury);
      expect(await c.token.balanceOf(c.treasury)).to.equal(before + fees);
    });
  });

  describe("parent routing", () => {
    /**
     * Parents p1 [A] (bob, carol, dave: 3 units) and p2 [B] (bob, erin: 2 units; carol's rejected submission
     * is no unit), frank's; a derived token [C, D] (carol, dave, erin: 3 units) with parents [p1, p2], 30% to
     * its contributors and 10% to its parents, transferred to grace so its owner is not the parents'; and
     * alice's lineage-only token [E] (grace: 1 unit) with the same parents and a parent share of 0.
     */
    async function parentsFixture() {
      const c = await loadFixture(baseFixture);
      const { A, B, C, D, E } = c.taskIds;
      const p1 = await mintData(c, c.requester, mintParams([A]));
      const p2 = await mintData(c, c.requester, mintParams([B]));
      const derived = await mintData(c, c.requester, mintParams([C, D], { parents: [p1, p2], parentShareBps: 1_000n }));
      const lineage = await mintData(c, c.alice, mintParams([E], { parents: [p1, p2], parentShareBps: 0n }));
      await (await c.data.connect(c.requester).transferFrom(c.requester.address, c.grace.address, derived)).wait();
      return { ...c, p1, p2, derived, lineage };
    }

    it("routes the parent share into the parents' pools (the first listed takes the division's wei), each pool whole wei per unit; the owner gets only its share", async () => {
      const c = await loadFixture(parentsFixture);
      const view = await c.data.getData(c.derived);
      expect(view.parents).to.deep.equal([c.p1, c.p2]);
      expect([view.totalUnits, view.contributorShareBps, view.parentShareBps]).to.deep.equal([3n, 3_000n, 1_000n]);
      // 1,000 CRP + 17 wei:
      //  fee          floor(17 × 0.025) → 25 CRP
      //  contributors 300 CRP + floor(17 × 0.3) = 300 CRP + 5 wei → 3 units × (100 CRP + 1 wei), 2 wei carried
      //  parents      100 CRP + floor(17 × 0.1) = 100 CRP + 1 wei → 50 CRP each; p1, listed first, also takes
      //               the division's 1 wei
      //    p1: 50 CRP + 1 wei over 3 units → 16666666666666666667 wei per unit, exact: nothing carried
      //    p2: 50 CRP over 2 units → 25 CRP per unit, exact
      //  owner        575 CRP + 11 wei: its share, no remainder
      // RevenueSplit reports the whole shares: 300 CRP + 5 wei to the contributors, 100 CRP + 1 wei to the parents.
      const price = 1_000n * CRP + 17n;
      const p1PerUnit = 16_666_666_666_666_666_667n;
      await offer(c, c.grace, c.derived, price);
      await expect(buy(c, c.heidi, c.derived))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.derived, c.crp, FEE, 300n * CRP + 5n, 100n * CRP + 1n, 575n * CRP + 11n);
      expect(3n * p1PerUnit).to.equal(50n * CRP + 1n);
      expect(FEE + (300n * CRP + 5n) + (100n * CRP + 1n) + (575n * CRP + 11n)).to.equal(price);
      expect(await poolOf(c, c.derived)).to.deep.equal([100n * CRP + 1n, 2n]);
      expect(await poolOf(c, c.p1)).to.deep.equal([p1PerUnit, 0n]);
      expect(await poolOf(c, c.p2)).to.deep.equal([25n * CRP, 0n]);
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(575n * CRP + 11n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      // The parents' owner earns nothing from a child's sale: the parent share is its contributors'.
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(0n);
      expect(FEE + 3n * (100n * CRP + 1n) + 2n + 3n * p1PerUnit + 2n * 25n * CRP + 575n * CRP + 11n).to.equal(price);
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(price);
      await expectDataSolvent(c, "after the derived sale");

      // Everyone is paid, step by step, and the contract ends with exactly the derived pool's carry.
      await claimExactly(c, c.bob, c.p1, p1PerUnit);
      await expectDataSolvent(c, "after bob claimed p1");
      await claimExactly(c, c.carol, c.p1, p1PerUnit);
      await expectDataSolvent(c, "after carol claimed p1");
      await claimExactly(c, c.dave, c.p1, p1PerUnit);
      await expectDataSolvent(c, "after dave claimed p1");
      // carol's rejected submission in B is no unit of p2.
      await expect(c.data.connect(c.carol).claim(c.p2, c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.carol.address);
      await claimExactly(c, c.bob, c.p2, 25n * CRP);
      await expectDataSolvent(c, "after bob claimed p2");
      await claimExactly(c, c.erin, c.p2, 25n * CRP);
      await expectDataSolvent(c, "after erin claimed p2");
      for (const contributor of [c.carol, c.dave, c.erin]) {
        await claimExactly(c, contributor, c.derived, 100n * CRP + 1n);
        await expectDataSolvent(c, `after ${contributor.address} claimed the derived token`);
      }
      expect(await c.data.claimable(c.derived, c.crp, c.bob.address)).to.equal(0n);
      await expect(c.data.connect(c.grace).withdraw(c.crp))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.crp, c.grace.address, 575n * CRP + 11n);
      await expectDataSolvent(c, "after the derived owner withdrew");
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.emit(c.data, "ProtocolFeesSwept")
        .withArgs(c.crp, FEE);
      await expectDataSolvent(c, "after the sweep");
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(2n);
    });

    it("the first parent listed takes the remainder of the parents' share, and each parent pool carries what its units cannot divide", async () => {
      const c = await loadFixture(parentsFixture);
      // 1,000 CRP + 33 wei: fee 25 CRP; contributors 300 CRP + 9 wei (3 units × (100 CRP + 3 wei), exact); parents
      // 100 CRP + 3 wei, which 2 parents cannot halve: p2 gets 50 CRP + 1 wei, p1 (listed first) 50 CRP + 2 wei.
      //   p1: 50 CRP + 2 wei over 3 units → 16666666666666666667 wei per unit, 1 wei carried
      //   p2: 50 CRP + 1 wei over 2 units → 25 CRP per unit, 1 wei carried
      // The owner gets 575 CRP + 21 wei.
      const price = 1_000n * CRP + 33n;
      await offer(c, c.grace, c.derived, price);
      await expect(buy(c, c.heidi, c.derived))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.derived, c.crp, FEE, 300n * CRP + 9n, 100n * CRP + 3n, 575n * CRP + 21n);
      expect(await poolOf(c, c.derived)).to.deep.equal([100n * CRP + 3n, 0n]);
      expect(await poolOf(c, c.p1)).to.deep.equal([16_666_666_666_666_666_667n, 1n]);
      expect(await poolOf(c, c.p2)).to.deep.equal([25n * CRP, 1n]);
      expect(3n * 16_666_666_666_666_666_667n + 1n).to.equal(50n * CRP + 2n);
      expect(2n * 25n * CRP + 1n).to.equal(50n * CRP + 1n);
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(575n * CRP + 21n);
      await expectDataSolvent(c, "after a sale whose parent share does not halve");

      // A token listing its parents out of mint order, [p2, p1, derived]: the remainder goes to the first
      // listed, p2, not to the oldest. grace's fresh task: 1 unit. At the same price the parents' 100 CRP + 3 wei
      // make 33333333333333333334 wei each, p2 taking 33333333333333333335:
      //   p2:      + 33333333333333333335 over 2 units = 16666666666666666667 per unit, 1 wei over, + its 1 wei
      //            carried = 2 wei: one more wei per unit, nothing carried
      //   p1:      + 33333333333333333334 + 1 carried over 3 units = 11111111111111111111 per unit, 2 carried
      //   derived: + 33333333333333333334 over 3 units = 11111111111111111111 per unit, 1 carried
      // (had the oldest parent, p1, taken the remainder: p2 16666666666666666667 and 1 carried, p1 0 carried).
      const task = await finishedTask(c, c.requester, [c.grace]);
      const grandchild = await mintData(
        c,
        c.requester,
        mintParams([task], { parents: [c.p2, c.p1, c.derived], parentShareBps: 1_000n }),
      );
      expect((await c.data.getData(grandchild)).parents).to.deep.equal([c.p2, c.p1, c.derived]);
      await offer(c, c.requester, grandchild, price);
      await expect(buy(c, c.heidi, grandchild))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(grandchild, c.crp, FEE, 300n * CRP + 9n, 100n * CRP + 3n, 575n * CRP + 21n);
      expect(33_333_333_333_333_333_335n + 2n * 33_333_333_333_333_333_334n).to.equal(100n * CRP + 3n);
      expect(await poolOf(c, grandchild)).to.deep.equal([300n * CRP + 9n, 0n]);
      expect(await poolOf(c, c.p2)).to.deep.equal([25n * CRP + 16_666_666_666_666_666_668n, 0n]);
      expect(await poolOf(c, c.p1)).to.deep.equal([16_666_666_666_666_666_667n + 11_111_111_111_111_111_111n, 2n]);
      expect(await poolOf(c, c.derived)).to.deep.equal([100n * CRP + 3n + 11_111_111_111_111_111_111n, 1n]);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(575n * CRP + 21n);
      await expectDataSolvent(c, "after the grandchild's sale");

      // Every contributor and owner is paid and the fees are swept: exactly the carries are left (p1 2, derived 1).
      const payouts: [HardhatEthersSigner, bigint, bigint][] = [
        [c.bob, c.p1, 16_666_666_666_666_666_667n + 11_111_111_111_111_111_111n],
        [c.carol, c.p1, 16_666_666_666_666_666_667n + 11_111_111_111_111_111_111n],
        [c.dave, c.p1, 16_666_666_666_666_666_667n + 11_111_111_111_111_111_111n],
        [c.bob, c.p2, 25n * CRP + 16_666_666_666_666_666_668n],
        [c.erin, c.p2, 25n * CRP + 16_666_666_666_666_666_668n],
        [c.carol, c.derived, 100n * CRP + 3n + 11_111_111_111_111_111_111n],
        [c.dave, c.derived, 100n * CRP + 3n + 11_111_111_111_111_111_111n],
        [c.erin, c.derived, 100n * CRP + 3n + 11_111_111_111_111_111_111n],
        [c.grace, grandchild, 300n * CRP + 9n],
      ];
      for (const [who, tokenId, amount] of payouts) {
        await claimExactly(c, who, tokenId, amount);
        await expectDataSolvent(c, `after ${who.address} claimed token ${tokenId}`);
      }
      await (await c.data.connect(c.grace).withdraw(c.crp)).wait();
      await (await c.data.connect(c.requester).withdraw(c.crp)).wait();
      await (await c.data.connect(c.stranger).sweepProtocolFees(c.crp)).wait();
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(3n);
      await expectDataSolvent(c, "after everyone was paid");
    });

    it("a parent's own sales and its children's add up in its pool, carry included, claimed in one go", async () => {
      const c = await loadFixture(parentsFixture);
      // p1 sold at 1,000 CRP: 300 CRP over 3 units = 100 CRP per unit; then the derived sale at 1,000 CRP:
      // 50 CRP more to p1's pool = 16666666666666666666 wei per unit, 2 wei carried in p1's pool.
      await sell(c, c.requester, c.p1, PRICE);
      await offer(c, c.grace, c.derived, PRICE);
      await expect(buy(c, c.heidi, c.derived))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.derived, c.crp, FEE, 300n * CRP, 100n * CRP, 575n * CRP);
      expect(await poolOf(c, c.p1)).to.deep.equal([100n * CRP + 16_666_666_666_666_666_666n, 2n]);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
      // Derived: 300 CRP = 3 × 100 CRP exact; parents 100 CRP = 2 × 50 CRP; grace gets its 575 CRP, no more.
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(575n * CRP);
      await expectDataSolvent(c, "after the derived sale");
      // A second derived sale: p1's 50 CRP and its 2 wei carried make 3 × 16666666666666666667 + 1.
      await (await buy(c, c.heidi, c.derived)).wait();
      expect(await poolOf(c, c.p1)).to.deep.equal([100n * CRP + 33_333_333_333_333_333_333n, 1n]);
      expect(3n * (16_666_666_666_666_666_666n + 16_666_666_666_666_666_667n) + 1n).to.equal(100n * CRP);
      await claimExactly(c, c.bob, c.p1, 100n * CRP + 33_333_333_333_333_333_333n);
      await expectDataSolvent(c, "after bob claimed p1");
    });

    it("parents with a parent share of 0 are lineage only: a sale routes nothing to them", async () => {
      const c = await loadFixture(parentsFixture);
      const view = await c.data.getData(c.lineage);
      expect(view.parents).to.deep.equal([c.p1, c.p2]);
      expect(view.parentShareBps).to.equal(0n);
      await offer(c, c.alice, c.lineage, PRICE);
      await expect(buy(c, c.heidi, c.lineage))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.lineage, c.crp, FEE, CONTRIBUTORS, 0n, TO_OWNER);
      expect(await poolOf(c, c.p1)).to.deep.equal([0n, 0n]);
      expect(await poolOf(c, c.p2)).to.deep.equal([0n, 0n]);
      // grace's single unit takes the whole 300 CRP.
      expect(await c.data.revenuePerUnit(c.lineage, c.crp)).to.equal(CONTRIBUTORS);
      expect(await c.data.revenueOf(c.crp, c.alice.address)).to.equal(TO_OWNER);
      for (const contributor of [c.bob, c.carol, c.dave]) {
        expect(await c.data.claimable(c.p1, c.crp, contributor.address)).to.equal(0n);
      }
      await claimExactly(c, c.grace, c.lineage, CONTRIBUTORS);
      await expectDataSolvent(c, "after the lineage sale and claim");
    });
  });

  describe("transfers to the Data NFT itself", () => {
    /** What a transfer could change: the token's owner, the balances of the NFT, and the sale's revenue. */
    async function transferState(c: RevenueFixture, tokenId: bigint) {
      return {
        owner: await c.data.ownerOf(tokenId),
        approved: await c.data.getApproved(tokenId),
        frankTokens: await c.data.balanceOf(c.requester.address),
        graceTokens: await c.data.balanceOf(c.grace.address),
        contractTokens: await c.data.balanceOf(c.dataAddress),
        frankRevenue: await c.data.revenueOf(c.crp, c.requester.address),
        contractRevenue: await c.data.revenueOf(c.crp, c.dataAddress),
        pool: await poolOf(c, tokenId),
        crpHeld: await c.token.balanceOf(c.dataAddress),
      };
    }

    it("transferFrom and both safeTransferFrom to the CorpusData address revert DataInvalidRecipient, and nothing changes", async () => {
      const c = await loadFixture(revenueFixture);
      await sell(c, c.requester, c.tokenId, PRICE + 7n);
      // grace is approved for the token: an operator cannot send it there either.
      await (await c.data.connect(c.requester).approve(c.grace.address, c.tokenId)).wait();
      const before = await transferState(c, c.tokenId);
      expect(before.owner).to.equal(c.requester.address);
      const from = c.requester.address;
      const to = c.dataAddress;
      for (const sender of [c.requester, c.grace]) {
        const data = c.data.connect(sender);
        await expect(data.transferFrom(from, to, c.tokenId))
          .to.be.revertedWithCustomError(c.data, "DataInvalidRecipient")
          .withArgs(to);
        await expect(data["safeTransferFrom(address,address,uint256)"](from, to, c.tokenId))
          .to.be.revertedWithCustomError(c.data, "DataInvalidRecipient")
          .withArgs(to);
        await expect(data["safeTransferFrom(address,address,uint256,bytes)"](from, to, c.tokenId, "0x1234"))
          .to.be.revertedWithCustomError(c.data, "DataInvalidRecipient")
          .withArgs(to);
      }
      expect(await transferState(c, c.tokenId)).to.deep.equal(before);
      // The owner still earns from the next sale.
      await (await buy(c, c.heidi, c.tokenId)).wait();
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(before.frankRevenue + TO_OWNER + 5n);
      expect(await c.data.revenueOf(c.crp, c.dataAddress)).to.equal(0n);
      await expectDataSolvent(c, "after the refused transfers and a sale");
    });

    it("transfers elsewhere still work, and the new owner cannot send the token to the contract either", async () => {
      const c = await loadFixture(revenueFixture);
      await expect(c.data.connect(c.requester).transferFrom(c.requester.address, c.grace.address, c.tokenId))
        .to.emit(c.data, "Transfer")
        .withArgs(c.requester.address, c.grace.address, c.tokenId);
      expect(await c.data.ownerOf(c.tokenId)).to.equal(c.grace.address);
      const before = await transferState(c, c.tokenId);
      await expect(
        c.data.connect(c.grace)["safeTransferFrom(address,address,uint256)"](c.grace.address, c.dataAddress, c.tokenId),
      )
        .to.be.revertedWithCustomError(c.data, "DataInvalidRecipient")
        .withArgs(c.dataAddress);
      expect(await transferState(c, c.tokenId)).to.deep.equal(before);
      await expect(
        c.data
          .connect(c.grace)
          ["safeTransferFrom(address,address,uint256,bytes)"](c.grace.address, c.alice.address, c.tokenId, "0x"),
      )
        .to.emit(c.data, "Transfer")
        .withArgs(c.grace.address, c.alice.address, c.tokenId);
      expect(await c.data.ownerOf(c.tokenId)).to.equal(c.alice.address);
      expect(await c.data.balanceOf(c.grace.address)).to.equal(0n);
      expect(await c.data.balanceOf(c.alice.address)).to.equal(1n);
      expect(await c.data.balanceOf(c.dataAddress)).to.equal(0n);
      // Sales now credit alice.
      await sell(c, c.alice, c.tokenId, PRICE);
      expect(await c.data.revenueOf(c.crp, c.alice.address)).to.equal(TO_OWNER);
      await expectDataSolvent(c, "after the transfers and a sale");
    });
  });
});
