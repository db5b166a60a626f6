import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
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
      expect(await c.data.revenuePerUnit(c.tokenId, c.crp)).to.equal(PER_UNIT);
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

    it("a price that does not divide by 8 units: the pool grows by whole wei per unit, the remainder goes to the owner", async () => {
      const c = await loadFixture(revenueFixture);
      // 1,000 CRP + 7 wei: fee floor(7 × 0.025) = 0 extra wei; contributors 300 CRP + floor(7 × 0.3) = + 2 wei,
      // which 8 units cannot share: 37.5 CRP per unit, and the 2 wei join the owner's 675 CRP + 5 wei.
      const price = 1_000n * CRP + 7n;
      await sell(c, c.requester, c.tokenId, price);
      expect(await c.data.revenuePerUnit(c.tokenId, c.crp)).to.equal(PER_UNIT);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 7n);
      for (const contributor of c.contributors) {
        expect(await c.data.claimable(c.tokenId, c.crp, contributor.address)).to.equal(2n * PER_UNIT);
      }
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(price);
      await expectDataSolvent(c, "after a sale with a remainder");
    });

    it("a price that does not divide by 3 units: the same rule, over two sales", async () => {
      const c = await loadFixture(baseFixture);
      // Task A alone: bob, carol and dave, one unit each.
      const tokenId = await mintData(c, c.requester, mintParams([c.taskIds.A]));
      expect((await c.data.getData(tokenId)).totalUnits).to.equal(3n);
      // 1,000 CRP + 7 wei: contributors 300 CRP + 2 wei = 3 × 100 CRP + 2 wei: 100 CRP per unit, 2 wei to the owner.
      // RevenueSplit reports what the pool took (300 CRP) and the owner's 675 CRP + 5 wei + 2 wei.
      await offer(c, c.requester, tokenId, 1_000n * CRP + 7n);
      await expect(buy(c, c.heidi, tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(tokenId, c.crp, FEE, 300n * CRP, 0n, TO_OWNER + 7n);
      expect(await c.data.revenuePerUnit(tokenId, c.crp)).to.equal(100n * CRP);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 7n);
      await expectDataSolvent(c, "after the first sale");
      // 1,000 CRP + 37 wei: fee floor(37 × 0.025) = 0 extra; contributors 300 CRP + 11 wei = 3 × (100 CRP + 3 wei)
      // + 2 wei: the pool takes the 3 whole wei per unit, the owner 675 CRP + 26 wei + 2 wei.
      await offer(c, c.requester, tokenId, 1_000n * CRP + 37n);
      await expect(buy(c, c.heidi, tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(tokenId, c.crp, FEE, 300n * CRP + 9n, 0n, TO_OWNER + 28n);
      expect(FEE + (300n * CRP + 9n) + (TO_OWNER + 28n)).to.equal(1_000n * CRP + 37n);
      expect(await c.data.revenuePerUnit(tokenId, c.crp)).to.equal(200n * CRP + 3n);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 7n + TO_OWNER + 28n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(2n * FEE);
      for (const contributor of [c.bob, c.carol, c.dave]) {
        expect(await c.data.claimable(tokenId, c.crp, contributor.address)).to.equal(200n * CRP + 3n);
      }
      expect(await c.data.claimable(tokenId, c.crp, c.erin.address)).to.equal(0n);
      await expectDataSolvent(c, "after the second sale");
      await claimExactly(c, c.dave, tokenId, 200n * CRP + 3n);
      await expectDataSolvent(c, "after a claim");
    });

    // ICorpusData: `contributors` is what the pool took (a whole number of wei per unit), `owner` its share and
    // every rounding remainder; the four add up to the price, so no remainder is reported twice.
    it("RevenueSplit reports what each part received, the remainder only in the owner's: the parts sum to the price", async () => {
      const c = await loadFixture(revenueFixture);
      // 1,000 CRP + 7 wei: the contributors' 30% is 300 CRP + 2 wei, of which 8 units take 300 CRP; the 2 wei join
      // the owner's 675 CRP + 5 wei.
      const price = 1_000n * CRP + 7n;
      await offer(c, c.requester, c.tokenId, price);
      await expect(buy(c, c.heidi, c.tokenId))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.crp, FEE, CONTRIBUTORS, 0n, TO_OWNER + 7n);
      expect(FEE + CONTRIBUTORS + 0n + (TO_OWNER + 7n)).to.equal(price);
      // Each part is exactly what its holder can take out.
      expect(8n * (await c.data.revenuePerUnit(c.tokenId, c.crp))).to.equal(CONTRIBUTORS);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER + 7n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      await expectDataSolvent(c, "after a sale with a remainder");
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
      await sell(c, c.requester, c.tokenId, PRICE + 7n);
      const revenue = TO_OWNER + TO_OWNER + 7n;
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
      // The contributors' pool is not the owner's to withdraw.
      expect(held).to.equal(2n * FEE + 8n * 2n * PER_UNIT);
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

    it("routes the parent share equally into the parents' pools, per-unit floors, every remainder to the derived owner", async () => {
      const c = await loadFixture(parentsFixture);
      const view = await c.data.getData(c.derived);
      expect(view.parents).to.deep.equal([c.p1, c.p2]);
      expect([view.totalUnits, view.contributorShareBps, view.parentShareBps]).to.deep.equal([3n, 3_000n, 1_000n]);
      // 1,000 CRP + 17 wei:
      //  fee          floor(17 × 0.025) → 25 CRP
      //  contributors 300 CRP + floor(17 × 0.3) = 300 CRP + 5 wei → 3 units × (100 CRP + 1 wei), 2 wei over
      //  parents      100 CRP + floor(17 × 0.1) = 100 CRP + 1 wei → 50 CRP each, 1 wei over
      //    p1: 50 CRP over 3 units → 16.666… CRP per unit (16666666666666666666 wei), 2 wei over
      //    p2: 50 CRP over 2 units → 25 CRP per unit, exact
      //  owner        575 CRP + 11 wei, plus 2 + 1 + 2 wei of remainders = 575 CRP + 16 wei
      // RevenueSplit reports what the pools took: 3 × (100 CRP + 1 wei) to the contributors, 3 × p1's per-unit
      // amount + 2 × 25 CRP = 100 CRP − 2 wei to the parents; the owner's part holds every remainder.
      const price = 1_000n * CRP + 17n;
      const p1PerUnit = 16_666_666_666_666_666_666n;
      await offer(c, c.grace, c.derived, price);
      await expect(buy(c, c.heidi, c.derived))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.derived, c.crp, FEE, 300n * CRP + 3n, 3n * p1PerUnit + 50n * CRP, 575n * CRP + 16n);
      expect(3n * p1PerUnit + 50n * CRP).to.equal(100n * CRP - 2n);
      expect(FEE + (300n * CRP + 3n) + (100n * CRP - 2n) + (575n * CRP + 16n)).to.equal(price);
      expect(await c.data.revenuePerUnit(c.derived, c.crp)).to.equal(100n * CRP + 1n);
      expect(await c.data.revenuePerUnit(c.p1, c.crp)).to.equal(p1PerUnit);
      expect(await c.data.revenuePerUnit(c.p2, c.crp)).to.equal(25n * CRP);
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(575n * CRP + 16n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);
      // The parents' owner earns nothing from a child's sale: the parent share is its contributors'.
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(0n);
      expect(FEE + 3n * (100n * CRP + 1n) + 3n * p1PerUnit + 2n * 25n * CRP + 575n * CRP + 16n).to.equal(price);
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(price);
      await expectDataSolvent(c, "after the derived sale");

      // Everyone is paid, step by step, and the contract ends empty.
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
        .withArgs(c.crp, c.grace.address, 575n * CRP + 16n);
      await expectDataSolvent(c, "after the derived owner withdrew");
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.emit(c.data, "ProtocolFeesSwept")
        .withArgs(c.crp, FEE);
      await expectDataSolvent(c, "after the sweep");
      expect(await c.token.balanceOf(c.dataAddress)).to.equal(0n);
    });

    it("a parent's own sales and its children's add up in its pool, claimed in one go", async () => {
      const c = await loadFixture(parentsFixture);
      // p1 sold at 1,000 CRP: 300 CRP over 3 units = 100 CRP per unit; then the derived sale at 1,000 CRP:
      // 50 CRP more to p1's pool = 16666666666666666666 wei per unit, 2 wei to the derived owner.
      await sell(c, c.requester, c.p1, PRICE);
      await offer(c, c.grace, c.derived, PRICE);
      await expect(buy(c, c.heidi, c.derived))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.derived, c.crp, FEE, 300n * CRP, 100n * CRP - 2n, 575n * CRP + 2n);
      expect(await c.data.revenuePerUnit(c.p1, c.crp)).to.equal(100n * CRP + 16_666_666_666_666_666_666n);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
      // Derived: 300 CRP = 3 × 100 CRP exact; parents 100 CRP = 2 × 50 CRP; p1's 2 wei to grace.
      expect(await c.data.revenueOf(c.crp, c.grace.address)).to.equal(575n * CRP + 2n);
      await claimExactly(c, c.bob, c.p1, 100n * CRP + 16_666_666_666_666_666_666n);
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
      expect(await c.data.revenuePerUnit(c.p1, c.crp)).to.equal(0n);
      expect(await c.data.revenuePerUnit(c.p2, c.crp)).to.equal(0n);
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
});
