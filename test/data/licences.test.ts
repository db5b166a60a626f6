import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress, ZeroHash, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { signPermit } from "../../scripts/lib/permit";
import {
  BlockingToken__factory,
  FeeOnTransferToken__factory,
  type ICorpusData,
  IERC20__factory,
} from "../../sdk/src/typechain";
import { CRP, DAY } from "../helpers/fixtures";
import {
  PRICE,
  type DataFixture,
  crpOffer,
  dataFixture,
  dataOwes,
  expectDataSolvent,
  mintData,
  mintParams,
  quoteOf,
} from "../helpers/data";

/** Supply of each test token (minted to the deployer), and what the buyers are given of it. */
const SUPPLY = 100_000_000n * CRP;
const FUNDING = 1_000_000n * CRP;
/** The default offer's duration (crpOffer: 30 days). */
const DURATION = BigInt(30 * DAY);
/** An id no token has. */
const UNKNOWN = 99n;

// One sale at PRICE (1,000 CRP) of the fixture's token (30% to 8 contributor units, 2.5% protocol fee):
const FEE = 25n * CRP; // 2.5% to the treasury
const CONTRIBUTORS = 300n * CRP; // 30%, 37.5 CRP per unit
const PER_UNIT = (375n * CRP) / 10n;
const TO_OWNER = 675n * CRP; // the rest

/**
 * The data fixture with frank's token over tasks A–D (8 units, 30% to contributors, no offer yet), and two
 * test tokens governance has not allowlisted: a token with a blocklist (a plain ERC-20 here) and a
 * fee-on-transfer token. heidi and grace hold both.
 */
async function licencesFixture() {
  const c = await loadFixture(dataFixture);
  const { A, B, C, D } = c.taskIds;
  const tokenId = await mintData(c, c.requester, mintParams([A, B, C, D]));
  const blocking = await new BlockingToken__factory(c.deployer).deploy(SUPPLY);
  const feeOnTransfer = await new FeeOnTransferToken__factory(c.deployer).deploy(SUPPLY);
  for (const account of [c.heidi, c.grace]) {
    await (await blocking.transfer(account.address, FUNDING)).wait();
    await (await feeOnTransfer.transfer(account.address, FUNDING)).wait();
  }
  return {
    ...c,
    tokenId,
    blocking,
    feeOnTransfer,
    crp: await c.token.getAddress(),
    blk: await blocking.getAddress(),
    fot: await feeOnTransfer.getAddress(),
    treasury: await c.timelock.getAddress(),
  };
}

type LicencesFixture = Awaited<ReturnType<typeof licencesFixture>>;

/** {@link licencesFixture} with frank's default offer on his token: 1,000 CRP for 30 days. */
async function offeredFixture() {
  const c = await loadFixture(licencesFixture);
  const offer = await crpOffer(c, PRICE);
  await (await c.data.connect(c.requester).setLicense(c.tokenId, offer)).wait();
  return { ...c, offer };
}

/** The offer as getData returns it, as plain values. */
async function offerOf(c: DataFixture, tokenId: bigint) {
  const { license } = await c.data.getData(tokenId);
  return {
    token: license.token,
    price: license.price,
    duration: license.duration,
    termsHash: license.termsHash,
    termsUri: license.termsUri,
  };
}

/** Balance of `token` held by `account`. */
function balanceOf(c: DataFixture, token: string, account: string) {
  return IERC20__factory.connect(token, c.deployer).balanceOf(account);
}

/**
 * What a purchase could change, for `accounts` in `token`: their balances and licence expiries, the owner's
 * and the treasury's revenue, the pool, and the Data NFT's own balance.
 */
async function saleState(c: LicencesFixture, token: string, accounts: string[]) {
  return {
    balances: await Promise.all(accounts.map((a) => balanceOf(c, token, a))),
    expiries: await Promise.all(accounts.map((a) => c.data.licenseExpiry(c.tokenId, a))),
    ownerRevenue: await c.data.revenueOf(token, c.requester.address),
    fees: await c.data.revenueOf(token, c.treasury),
    perUnit: await c.data.revenuePerUnit(c.tokenId, token),
    held: await balanceOf(c, token, c.dataAddress),
  };
}

/** Approves `amount` of CRP to the Data NFT for `buyer`. */
async function approveCrp(c: DataFixture, buyer: HardhatEthersSigner, amount: bigint) {
  await (await c.token.connect(buyer).approve(c.dataAddress, amount)).wait();
}

/** Buys the fixture token's offer as it reads now as `buyer` (approved beforehand) at the exact second `at`. */
async function buyAt(c: LicencesFixture, buyer: HardhatEthersSigner, at: bigint, licensee = buyer.address) {
  const quote = await quoteOf(c, c.tokenId);
  await time.setNextBlockTimestamp(at);
  return c.data.connect(buyer).buyLicense(c.tokenId, licensee, quote);
}

/**
 * The quote of a buyer who read the fixture's default offer (CRP, 1,000 CRP, 30 days, the research terms), with
 * `changes`: what it sends whatever the offer has become since.
 */
function readQuote(c: { offer: ICorpusData.LicenseStruct }, changes: Partial<ICorpusData.QuoteStruct> = {}) {
  const { token, price, duration, termsHash } = c.offer;
  return { token, maxPrice: price, duration, termsHash, ...changes };
}

/** A timestamp `seconds` after the latest block. */
async function later(seconds: number | bigint) {
  return BigInt(await time.latest()) + BigInt(seconds);
}

describe("CorpusData: licences", () => {
  describe("offering a licence (setLicense)", () => {
    it("the owner offers a licence, and a buyer reads its token, price, duration and terms before paying", async () => {
      const c = await loadFixture(licencesFixture);
      // Before any offer the view reads as no offer at all (duration 0).
      expect(await offerOf(c, c.tokenId)).to.deep.equal({
        token: ZeroAddress,
        price: 0n,
        duration: 0n,
        termsHash: ZeroHash,
        termsUri: "",
      });
      const offer = await crpOffer(c, PRICE);
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, offer))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(
          c.tokenId,
          c.crp,
          PRICE,
          DURATION,
          id("Corpus research licence v1"),
          "ipfs://licences/research-v1.md",
        );
      expect(await offerOf(c, c.tokenId)).to.deep.equal({
        token: c.crp,
        price: PRICE,
        duration: DURATION,
        termsHash: id("Corpus research licence v1"),
        termsUri: "ipfs://licences/research-v1.md",
      });
    });

    it("an operator the owner approved (for the token, or for all) may set the offer", async () => {
      const c = await loadFixture(licencesFixture);
      await (await c.data.connect(c.requester).approve(c.grace.address, c.tokenId)).wait();
      await expect(c.data.connect(c.grace).setLicense(c.tokenId, await crpOffer(c, 5n * CRP, 7)))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(
          c.tokenId,
          c.crp,
          5n * CRP,
          BigInt(7 * DAY),
          id("Corpus research licence v1"),
          "ipfs://licences/research-v1.md",
        );
      await (await c.data.connect(c.requester).setApprovalForAll(c.heidi.address, true)).wait();
      await expect(c.data.connect(c.heidi).setLicense(c.tokenId, await crpOffer(c, 6n * CRP, 8)))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(
          c.tokenId,
          c.crp,
          6n * CRP,
          BigInt(8 * DAY),
          id("Corpus research licence v1"),
          "ipfs://licences/research-v1.md",
        );
      expect((await offerOf(c, c.tokenId)).price).to.equal(6n * CRP);
      expect((await offerOf(c, c.tokenId)).duration).to.equal(BigInt(8 * DAY));
    });

    it("anyone else is refused with DataNotOwner, and the offer stays as it was", async () => {
      const c = await loadFixture(offeredFixture);
      const before = await offerOf(c, c.tokenId);
      // A contributor of the token is no owner either.
      for (const caller of [c.heidi, c.bob]) {
        await expect(c.data.connect(caller).setLicense(c.tokenId, await crpOffer(c, 1n, 3_650)))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, caller.address);
        // Withdrawing the offer (duration 0) is the owner's too.
        await expect(c.data.connect(caller).setLicense(c.tokenId, { ...c.offer, duration: 0n }))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, caller.address);
      }
      expect(await offerOf(c, c.tokenId)).to.deep.equal(before);
    });

    it("a payment token governance has not allowlisted is refused with DataTokenNotAllowed", async () => {
      const c = await loadFixture(offeredFixture);
      const before = await offerOf(c, c.tokenId);
      expect(await c.data.isTokenAllowed(c.blk)).to.equal(false);
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, token: c.blk }))
        .to.be.revertedWithCustomError(c.data, "DataTokenNotAllowed")
        .withArgs(c.blk);
      expect(await offerOf(c, c.tokenId)).to.deep.equal(before);
    });

    it("a duration above MAX_LICENSE_DURATION (ten years) is refused with DataInvalidDuration; ten years is accepted", async () => {
      const c = await loadFixture(offeredFixture);
      const max = await c.data.MAX_LICENSE_DURATION();
      expect(max).to.equal(BigInt(3_650 * DAY));
      const before = await offerOf(c, c.tokenId);
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, duration: max + 1n }))
        .to.be.revertedWithCustomError(c.data, "DataInvalidDuration")
        .withArgs(max + 1n, max);
      expect(await offerOf(c, c.tokenId)).to.deep.equal(before);
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, duration: max }))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(c.tokenId, c.crp, PRICE, max, c.offer.termsHash, c.offer.termsUri);
      expect((await offerOf(c, c.tokenId)).duration).to.equal(max);
    });

    it("a price of 2^96 wei or more is refused with DataPriceTooHigh; 2^96 − 1 is accepted", async () => {
      const c = await loadFixture(offeredFixture);
      const before = await offerOf(c, c.tokenId);
      const max = 2n ** 96n - 1n;
      for (const tooHigh of [max + 1n, 2n ** 255n, MaxUint256]) {
        await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, price: tooHigh }))
          .to.be.revertedWithCustomError(c.data, "DataPriceTooHigh")
          .withArgs(tooHigh, max);
      }
      expect(await offerOf(c, c.tokenId)).to.deep.equal(before);
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, price: max }))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(c.tokenId, c.crp, max, DURATION, c.offer.termsHash, c.offer.termsUri);
      expect((await offerOf(c, c.tokenId)).price).to.equal(max);
    });

    it("an unknown token is refused with ERC721NonexistentToken", async () => {
      const c = await loadFixture(offeredFixture);
      await expect(c.data.connect(c.requester).setLicense(UNKNOWN, c.offer))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(UNKNOWN);
      await expect(c.data.getData(UNKNOWN))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(UNKNOWN);
    });
  });

  describe("buying a licence: expiry", () => {
    it("a purchase runs for the offer's duration from its block's timestamp, and LicenseBought says so", async () => {
      const c = await loadFixture(offeredFixture);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(0n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
      await approveCrp(c, c.heidi, PRICE);
      const at = await later(1_000);
      const before = await balanceOf(c, c.crp, c.heidi.address);
      await expect(buyAt(c, c.heidi, at))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, at + DURATION);
      expect(await time.latest()).to.equal(Number(at));
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(at + DURATION);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before - PRICE);
      expect(await balanceOf(c, c.crp, c.dataAddress)).to.equal(PRICE);
      await expectDataSolvent(c, "after a sale");
    });

    it("the licence holds until its expiry second inclusive, and lapses one second later", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const at = await later(10);
      await (await buyAt(c, c.heidi, at)).wait();
      const expiry = at + DURATION;
      await time.increaseTo(expiry - 1n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
      await time.increaseTo(expiry);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
      await time.increaseTo(expiry + 1n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
      // Lapsing changes nothing stored: the expiry still reads the same.
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(expiry);
    });

    it("buying again while the licence is live extends it from its old expiry, not from now", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, 2n * PRICE);
      const first = await later(10);
      await (await buyAt(c, c.heidi, first)).wait();
      // Ten days into the thirty, a second purchase adds thirty days to the first expiry (a fresh term from now
      // would lose the ten days left).
      const second = first + BigInt(20 * DAY);
      expect(
        await c.data.connect(c.heidi).buyLicense.staticCall(c.tokenId, c.heidi.address, await quoteOf(c, c.tokenId)),
      ).to.equal(first + 2n * DURATION);
      await expect(buyAt(c, c.heidi, second))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, first + 2n * DURATION);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(first + 2n * DURATION);
      await time.increaseTo(first + 2n * DURATION);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
      await time.increaseTo(first + 2n * DURATION + 1n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
    });

    it("buying at its expiry second still extends from the expiry; buying after it lapsed starts from now", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, 3n * PRICE);
      const first = await later(10);
      await (await buyAt(c, c.heidi, first)).wait();
      // At the expiry second itself the licence is still live (hasLicense is inclusive): expiry + duration.
      const expiry = first + DURATION;
      await (await buyAt(c, c.heidi, expiry)).wait();
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(expiry + DURATION);
      // A week after that lapsed, a new term starts at the purchase.
      const again = expiry + DURATION + BigInt(7 * DAY);
      await expect(buyAt(c, c.heidi, again))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, again + DURATION);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(again + DURATION);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
    });

    it("a payer may buy for someone else: the payer pays, the licensee holds the licence", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const heidiBefore = await balanceOf(c, c.crp, c.heidi.address);
      const graceBefore = await balanceOf(c, c.crp, c.grace.address);
      const at = await later(10);
      await expect(buyAt(c, c.heidi, at, c.grace.address))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.grace.address, c.crp, PRICE, at + DURATION);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(heidiBefore - PRICE);
      expect(await balanceOf(c, c.crp, c.grace.address)).to.equal(graceBefore);
      expect(await c.data.hasLicense(c.tokenId, c.grace.address)).to.equal(true);
      expect(await c.data.licenseExpiry(c.tokenId, c.grace.address)).to.equal(at + DURATION);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(0n);
    });

    it("the owner has access without buying, and the access moves with the token", async () => {
      const c = await loadFixture(offeredFixture);
      expect(await c.data.hasLicense(c.tokenId, c.requester.address)).to.equal(true);
      expect(await c.data.licenseExpiry(c.tokenId, c.requester.address)).to.equal(0n);
      expect(await c.data.hasLicense(c.tokenId, c.grace.address)).to.equal(false);
      await (await c.data.connect(c.requester).transferFrom(c.requester.address, c.grace.address, c.tokenId)).wait();
      expect(await c.data.hasLicense(c.tokenId, c.grace.address)).to.equal(true);
      expect(await c.data.hasLicense(c.tokenId, c.requester.address)).to.equal(false);
    });

    // ICorpusData: hasLicense is false for a token that does not exist (whose _ownerOf is the zero address).
    it("nobody has a licence to a token that does not exist, not even the zero address", async () => {
      const c = await loadFixture(offeredFixture);
      expect(await c.data.hasLicense(c.tokenId, ZeroAddress)).to.equal(false);
      for (const missing of [UNKNOWN, 0n, c.tokenId + 1n]) {
        for (const account of [ZeroAddress, c.heidi.address, c.requester.address]) {
          expect(await c.data.hasLicense(missing, account), `token ${missing}, ${account}`).to.equal(false);
        }
      }
      // The token that exists still reads as its owner's.
      expect(await c.data.hasLicense(c.tokenId, c.requester.address)).to.equal(true);
    });
  });

  describe("buying a licence: offers that are missing, withdrawn or changed", () => {
    it("a token without an offer is refused with DataNoLicenseOffered, and nothing is charged", async () => {
      const c = await loadFixture(licencesFixture);
      await approveCrp(c, c.heidi, PRICE);
      const before = await saleState(c, c.crp, [c.heidi.address]);
      // Neither the offer as the view reads it (all zero) nor a quote of the default offer buys anything.
      const read = await quoteOf(c, c.tokenId);
      expect(read).to.deep.equal({ token: ZeroAddress, maxPrice: 0n, duration: 0n, termsHash: ZeroHash });
      const wanted = readQuote({ offer: await crpOffer(c, PRICE) });
      for (const quote of [read, wanted]) {
        await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, quote))
          .to.be.revertedWithCustomError(c.data, "DataNoLicenseOffered")
          .withArgs(c.tokenId);
      }
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
    });

    it("a withdrawn offer (duration 0) stops sales, while licences already bought stay valid to their expiry", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, 2n * PRICE);
      const at = await later(10);
      await (await buyAt(c, c.heidi, at)).wait();
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, duration: 0n }))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(c.tokenId, c.crp, PRICE, 0n, c.offer.termsHash, c.offer.termsUri);
      expect((await offerOf(c, c.tokenId)).duration).to.equal(0n);
      const before = await saleState(c, c.crp, [c.heidi.address]);
      // Whether the buyer quotes the offer it read before, or the withdrawn one as it reads now (duration 0).
      for (const quote of [readQuote(c), await quoteOf(c, c.tokenId)]) {
        await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, quote))
          .to.be.revertedWithCustomError(c.data, "DataNoLicenseOffered")
          .withArgs(c.tokenId);
      }
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(at + DURATION);
      await time.increaseTo(at + DURATION);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
      await time.increaseTo(at + DURATION + 1n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
    });

    it("a price raised above the buyer's maxPrice is refused with DataLicenseTermsChanged, and nothing is charged", async () => {
      const c = await loadFixture(offeredFixture);
      // heidi read 1,000 CRP and approved generously; the owner then raises the price by one wei.
      await approveCrp(c, c.heidi, 10n * PRICE);
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, price: PRICE + 1n })).wait();
      const before = await saleState(c, c.crp, [c.heidi.address]);
      // The error carries the offer as it stands.
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c)))
        .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
        .withArgs(c.tokenId, c.crp, PRICE + 1n, DURATION, c.offer.termsHash);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(10n * PRICE);
    });

    it("other terms (another termsHash) at the same price are refused with DataLicenseTermsChanged, nothing charged", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const commercial = id("Corpus commercial licence v1");
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, termsHash: commercial })).wait();
      const before = await saleState(c, c.crp, [c.heidi.address]);
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c)))
        .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
        .withArgs(c.tokenId, c.crp, PRICE, DURATION, commercial);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
      // With the terms it now reads, the same buyer gets the licence.
      await expect(
        c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c, { termsHash: commercial })),
      ).to.emit(c.data, "LicenseBought");
    });

    it("a price lowered below the buyer's maxPrice charges only the price", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const lower = 400n * CRP;
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, price: lower })).wait();
      const before = await balanceOf(c, c.crp, c.heidi.address);
      const at = await later(10);
      await time.setNextBlockTimestamp(at);
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c)))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, lower, at + DURATION);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before - lower);
      expect(await balanceOf(c, c.crp, c.dataAddress)).to.equal(lower);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(PRICE - lower);
      await expectDataSolvent(c, "after a sale below maxPrice");
    });

    // The buyer pays for what it read: the same token and duration too, not only the price and the terms.
    it("a duration shortened since the buyer read the offer is refused with DataLicenseTermsChanged, nothing charged", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      // Same price, same terms, 1 second instead of 30 days.
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, duration: 1n })).wait();
      const before = await saleState(c, c.crp, [c.heidi.address]);
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c)))
        .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
        .withArgs(c.tokenId, c.crp, PRICE, 1n, c.offer.termsHash);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
      // Having read the new duration, a buyer gets exactly that second.
      const at = await later(10);
      await time.setNextBlockTimestamp(at);
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c, { duration: 1n })))
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, at + 1n);
    });

    it("a payment token switched since the buyer read the offer is refused with DataLicenseTermsChanged, nothing charged in either token", async () => {
      const c = await loadFixture(offeredFixture);
      await asGovernance(c.timelock, async (timelock) =>
        (await c.data.connect(timelock).setTokenAllowed(c.blk, true)).wait(),
      );
      // heidi read a price in CRP and approved both tokens; the owner switches to the other token, same price.
      await approveCrp(c, c.heidi, PRICE);
      await (await c.blocking.connect(c.heidi).approve(c.dataAddress, PRICE)).wait();
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, token: c.blk })).wait();
      const crpBefore = await saleState(c, c.crp, [c.heidi.address]);
      const blkBefore = await saleState(c, c.blk, [c.heidi.address]);
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c)))
        .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
        .withArgs(c.tokenId, c.blk, PRICE, DURATION, c.offer.termsHash);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(crpBefore);
      expect(await saleState(c, c.blk, [c.heidi.address])).to.deep.equal(blkBefore);
      expect(await c.blocking.allowance(c.heidi.address, c.dataAddress)).to.equal(PRICE);
      // Quoting the token it now reads, the buyer pays in it.
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c, { token: c.blk })))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.blk, FEE, CONTRIBUTORS, 0n, TO_OWNER);
      expect(await balanceOf(c, c.blk, c.heidi.address)).to.equal(blkBefore.balances[0]! - PRICE);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(crpBefore.balances[0]!);
    });

    it("a quote naming another duration or another token than the offer is refused with DataLicenseTermsChanged, nothing charged", async () => {
      const c = await loadFixture(offeredFixture);
      await asGovernance(c.timelock, async (timelock) =>
        (await c.data.connect(timelock).setTokenAllowed(c.blk, true)).wait(),
      );
      await approveCrp(c, c.heidi, PRICE);
      await (await c.blocking.connect(c.heidi).approve(c.dataAddress, PRICE)).wait();
      const crpBefore = await saleState(c, c.crp, [c.heidi.address]);
      const blkBefore = await saleState(c, c.blk, [c.heidi.address]);
      // The offer has not changed: 1,000 CRP for 30 days. Even a quote asking for more time, or willing to pay
      // in an allowlisted token it holds, is not the offer.
      const quotes: [string, ICorpusData.QuoteStruct][] = [
        ["one second more", readQuote(c, { duration: DURATION + 1n })],
        ["one second less", readQuote(c, { duration: DURATION - 1n })],
        ["twice the time at twice the price", readQuote(c, { duration: 2n * DURATION, maxPrice: 2n * PRICE })],
        ["no time", readQuote(c, { duration: 0n })],
        ["the other token", readQuote(c, { token: c.blk })],
        ["no token", readQuote(c, { token: ZeroAddress })],
      ];
      for (const [name, quote] of quotes) {
        await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, quote), name)
          .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
          .withArgs(c.tokenId, c.crp, PRICE, DURATION, c.offer.termsHash);
      }
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(crpBefore);
      expect(await saleState(c, c.blk, [c.heidi.address])).to.deep.equal(blkBefore);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
      // The exact quote buys.
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c))).to.emit(
        c.data,
        "LicenseBought",
      );
    });

    it("a zero licensee is refused with DataZeroAddress", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const before = await saleState(c, c.crp, [c.heidi.address, ZeroAddress]);
      await expect(
        c.data.connect(c.heidi).buyLicense(c.tokenId, ZeroAddress, readQuote(c)),
      ).to.be.revertedWithCustomError(c.data, "DataZeroAddress");
      expect(await saleState(c, c.crp, [c.heidi.address, ZeroAddress])).to.deep.equal(before);
    });

    it("an unknown token is refused with ERC721NonexistentToken", async () => {
      const c = await loadFixture(offeredFixture);
      await approveCrp(c, c.heidi, PRICE);
      const before = await balanceOf(c, c.crp, c.heidi.address);
      await expect(c.data.connect(c.heidi).buyLicense(UNKNOWN, c.heidi.address, readQuote(c)))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(UNKNOWN);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before);
      expect(await c.data.licenseExpiry(UNKNOWN, c.heidi.address)).to.equal(0n);
    });
  });

  describe("buying with a permit (buyLicenseWithPermit)", () => {
    it("a fresh permit pays for the licence without a prior approval", async () => {
      const c = await loadFixture(offeredFixture);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(0n);
      const deadline = await later(DAY);
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE, deadline);
      const nonce = await c.token.nonces(c.heidi.address);
      const before = await balanceOf(c, c.crp, c.heidi.address);
      const at = await later(10);
      await time.setNextBlockTimestamp(at);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(c.tokenId, c.heidi.address, readQuote(c), deadline, permit.v, permit.r, permit.s),
      )
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, at + DURATION);
      expect(await c.token.nonces(c.heidi.address)).to.equal(nonce + 1n);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(0n);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before - PRICE);
      expect(await c.data.licenseExpiry(c.tokenId, c.heidi.address)).to.equal(at + DURATION);
      await expectDataSolvent(c, "after a sale with a permit");
    });

    it("a permit someone front-ran still buys: the allowance it granted is used", async () => {
      const c = await loadFixture(offeredFixture);
      const deadline = await later(DAY);
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE, deadline);
      // grace sees the signature in the mempool and submits it to the token first.
      await (
        await c.token
          .connect(c.grace)
          .permit(c.heidi.address, c.dataAddress, PRICE, deadline, permit.v, permit.r, permit.s)
      ).wait();
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(PRICE);
      const before = await balanceOf(c, c.crp, c.heidi.address);
      const at = await later(10);
      await time.setNextBlockTimestamp(at);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(c.tokenId, c.heidi.address, readQuote(c), deadline, permit.v, permit.r, permit.s),
      )
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.heidi.address, c.heidi.address, c.crp, PRICE, at + DURATION);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before - PRICE);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(0n);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
    });

    it("a permit that does not match (signed for less) leaves no allowance: the token's own error, nothing charged", async () => {
      const c = await loadFixture(offeredFixture);
      const deadline = await later(DAY);
      // Signed for one wei less than the maxPrice passed: the permit's signature does not verify.
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE - 1n, deadline);
      const before = await saleState(c, c.crp, [c.heidi.address]);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(c.tokenId, c.heidi.address, readQuote(c), deadline, permit.v, permit.r, permit.s),
      )
        .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
        .withArgs(c.dataAddress, 0n, PRICE);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
    });

    it("the permit's value is the quote's maxPrice: a permit for more than the price buys at the price, the rest stays approved", async () => {
      const c = await loadFixture(offeredFixture);
      // heidi accepts up to 1,500 CRP and signs for that; the offer is 1,000 CRP.
      const maxPrice = PRICE + PRICE / 2n;
      const deadline = await later(DAY);
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, maxPrice, deadline);
      const nonce = await c.token.nonces(c.heidi.address);
      const before = await balanceOf(c, c.crp, c.heidi.address);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(
            c.tokenId,
            c.heidi.address,
            readQuote(c, { maxPrice }),
            deadline,
            permit.v,
            permit.r,
            permit.s,
          ),
      )
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.crp, FEE, CONTRIBUTORS, 0n, TO_OWNER);
      expect(await c.token.nonces(c.heidi.address)).to.equal(nonce + 1n);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(before - PRICE);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(maxPrice - PRICE);
    });

    it("a permit purchase from a stale read (the owner switched the token) is refused with DataLicenseTermsChanged; the permit is not used", async () => {
      const c = await loadFixture(offeredFixture);
      await asGovernance(c.timelock, async (timelock) =>
        (await c.data.connect(timelock).setTokenAllowed(c.blk, true)).wait(),
      );
      // heidi signs a CRP permit for the offer she read; the owner then asks the same price in the other token,
      // which she had approved too.
      const deadline = await later(DAY);
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE, deadline);
      await (await c.blocking.connect(c.heidi).approve(c.dataAddress, PRICE)).wait();
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, token: c.blk })).wait();
      const nonce = await c.token.nonces(c.heidi.address);
      const crpBefore = await saleState(c, c.crp, [c.heidi.address]);
      const blkBefore = await saleState(c, c.blk, [c.heidi.address]);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(c.tokenId, c.heidi.address, readQuote(c), deadline, permit.v, permit.r, permit.s),
      )
        .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
        .withArgs(c.tokenId, c.blk, PRICE, DURATION, c.offer.termsHash);
      // The permit ran inside the reverted call: its nonce is unused and no CRP allowance is left behind.
      expect(await c.token.nonces(c.heidi.address)).to.equal(nonce);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(0n);
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(crpBefore);
      expect(await saleState(c, c.blk, [c.heidi.address])).to.deep.equal(blkBefore);
    });

    // Only the offer's own token is asked for a permit: a quote naming any other address (even one without
    // code) fails the quote check with its named error.
    it("a permit purchase quoting a token without code is refused with DataLicenseTermsChanged", async () => {
      const c = await loadFixture(offeredFixture);
      const deadline = await later(DAY);
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE, deadline);
      const before = await saleState(c, c.crp, [c.heidi.address]);
      for (const token of [ZeroAddress, c.heidi.address]) {
        await expect(
          c.data
            .connect(c.heidi)
            .buyLicenseWithPermit(
              c.tokenId,
              c.heidi.address,
              readQuote(c, { token }),
              deadline,
              permit.v,
              permit.r,
              permit.s,
            ),
        )
          .to.be.revertedWithCustomError(c.data, "DataLicenseTermsChanged")
          .withArgs(c.tokenId, c.crp, PRICE, DURATION, c.offer.termsHash);
      }
      expect(await saleState(c, c.crp, [c.heidi.address])).to.deep.equal(before);
    });
  });

  describe("prices and payment tokens", () => {
    it("a free licence (price 0) is granted without moving any token or crediting any revenue", async () => {
      const c = await loadFixture(offeredFixture);
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, price: 0n })).wait();
      // The stranger holds no CRP and approved nothing.
      expect(await balanceOf(c, c.crp, c.stranger.address)).to.equal(0n);
      const before = await saleState(c, c.crp, [c.stranger.address]);
      const at = await later(10);
      await time.setNextBlockTimestamp(at);
      const tx = c.data.connect(c.stranger).buyLicense(c.tokenId, c.stranger.address, readQuote(c, { maxPrice: 0n }));
      await expect(tx)
        .to.emit(c.data, "LicenseBought")
        .withArgs(c.tokenId, c.stranger.address, c.stranger.address, c.crp, 0n, at + DURATION);
      await expect(tx).not.to.emit(c.data, "RevenueSplit");
      await expect(tx).not.to.emit(c.token, "Transfer");
      expect(await c.data.hasLicense(c.tokenId, c.stranger.address)).to.equal(true);
      const after = await saleState(c, c.crp, [c.stranger.address]);
      expect(after).to.deep.equal({ ...before, expiries: [at + DURATION] });
    });

    it("a fee-on-transfer token, even allowlisted by governance, is refused at purchase with DataTokenDeliveredLess", async () => {
      const c = await loadFixture(offeredFixture);
      await asGovernance(c.timelock, async (timelock) =>
        (await c.data.connect(timelock).setTokenAllowed(c.fot, true)).wait(),
      );
      await (await c.data.connect(c.requester).setLicense(c.tokenId, { ...c.offer, token: c.fot })).wait();
      await (await c.feeOnTransfer.connect(c.heidi).approve(c.dataAddress, PRICE)).wait();
      const before = await saleState(c, c.fot, [c.heidi.address]);
      // The token burns 1% of every transfer: 990 of the 1,000 arrive.
      await expect(c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, readQuote(c, { token: c.fot })))
        .to.be.revertedWithCustomError(c.data, "DataTokenDeliveredLess")
        .withArgs(c.fot, PRICE, PRICE - PRICE / 100n);
      expect(await saleState(c, c.fot, [c.heidi.address])).to.deep.equal(before);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(false);
    });

    it("a second allowlisted token keeps its own pools, revenue and balances apart from CRP", async () => {
      const c = await loadFixture(offeredFixture);
      await expect(asGovernance(c.timelock, async (timelock) => c.data.connect(timelock).setTokenAllowed(c.blk, true)))
        .to.emit(c.data, "TokenAllowed")
        .withArgs(c.blk, true);
      // One sale in CRP, then the owner switches the offer to the second token and sells once in it.
      await approveCrp(c, c.heidi, PRICE);
      await (await buyAt(c, c.heidi, await later(10))).wait();
      const blkOffer = { ...c.offer, token: c.blk };
      await expect(c.data.connect(c.requester).setLicense(c.tokenId, blkOffer))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(c.tokenId, c.blk, PRICE, DURATION, c.offer.termsHash, c.offer.termsUri);
      await (await c.blocking.connect(c.grace).approve(c.dataAddress, PRICE)).wait();
      const graceBlk = await balanceOf(c, c.blk, c.grace.address);
      const graceCrp = await balanceOf(c, c.crp, c.grace.address);
      await expect(c.data.connect(c.grace).buyLicense(c.tokenId, c.grace.address, await quoteOf(c, c.tokenId)))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(c.tokenId, c.blk, FEE, CONTRIBUTORS, 0n, TO_OWNER);
      expect(await balanceOf(c, c.blk, c.grace.address)).to.equal(graceBlk - PRICE);
      expect(await balanceOf(c, c.crp, c.grace.address)).to.equal(graceCrp);

      // Each token's books hold exactly one sale.
      for (const token of [c.crp, c.blk]) {
        expect(await balanceOf(c, token, c.dataAddress), token).to.equal(PRICE);
        expect(await c.data.revenuePerUnit(c.tokenId, token), token).to.equal(PER_UNIT);
        expect(await c.data.revenueOf(token, c.requester.address), token).to.equal(TO_OWNER);
        expect(await c.data.revenueOf(token, c.treasury), token).to.equal(FEE);
        expect(await c.data.claimable(c.tokenId, token, c.bob.address), token).to.equal(2n * PER_UNIT);
      }

      // Claiming, withdrawing and sweeping in the second token touch only it.
      const bobBlk = await balanceOf(c, c.blk, c.bob.address);
      const bobCrp = await balanceOf(c, c.crp, c.bob.address);
      await expect(c.data.connect(c.bob).claim(c.tokenId, c.blk))
        .to.emit(c.data, "Claimed")
        .withArgs(c.tokenId, c.blk, c.bob.address, 2n * PER_UNIT);
      expect(await balanceOf(c, c.blk, c.bob.address)).to.equal(bobBlk + 2n * PER_UNIT);
      expect(await balanceOf(c, c.crp, c.bob.address)).to.equal(bobCrp);
      expect(await c.data.claimable(c.tokenId, c.blk, c.bob.address)).to.equal(0n);
      expect(await c.data.claimable(c.tokenId, c.crp, c.bob.address)).to.equal(2n * PER_UNIT);
      await expect(c.data.connect(c.requester).withdraw(c.blk))
        .to.emit(c.data, "Withdrawn")
        .withArgs(c.blk, c.requester.address, TO_OWNER);
      expect(await c.data.revenueOf(c.crp, c.requester.address)).to.equal(TO_OWNER);
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.blk))
        .to.emit(c.data, "ProtocolFeesSwept")
        .withArgs(c.blk, FEE);
      expect(await balanceOf(c, c.blk, c.treasury)).to.equal(FEE);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(FEE);

      // What is left of each token is exactly what is still owed in it.
      const everyone = [c.requester, c.bob, c.carol, c.dave, c.erin, c.grace, c.heidi].map((s) => s.address);
      const blkHeld = await balanceOf(c, c.blk, c.dataAddress);
      expect(blkHeld).to.equal(PRICE - 2n * PER_UNIT - TO_OWNER - FEE);
      expect(blkHeld).to.equal(await dataOwes(c, c.blk, [...everyone, c.treasury], everyone));
      expect(await balanceOf(c, c.crp, c.dataAddress)).to.equal(PRICE);
      await expectDataSolvent(c, "after the second token's claims");
    });
  });
});
