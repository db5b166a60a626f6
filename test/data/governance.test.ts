import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress, ZeroHash, encodeBytes32String, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { signPermit } from "../../scripts/lib/permit";
import { BlockingToken__factory, IERC20__factory } from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";
import {
  CONTRIBUTOR_FLOOR_BPS,
  PRICE,
  PROTOCOL_FEE_BPS,
  ROYALTY_CAP_BPS,
  buyLicense,
  crpOffer,
  dataFixture,
  expectDataSolvent,
  mintData,
  mintParams,
  quoteOf,
} from "../helpers/data";

const PROTOCOL_FEE = encodeBytes32String("protocolFeeBps");
const CONTRIBUTOR_FLOOR = encodeBytes32String("contributorShareFloorBps");
const ROYALTY_CAP = encodeBytes32String("royaltyCapBps");

/** The data fixture with the treasury's address and CRP's. */
async function governanceFixture() {
  const c = await loadFixture(dataFixture);
  const treasury = await c.timelock.getAddress();
  return { ...c, treasury, crp: await c.token.getAddress() };
}

type Fixture = Awaited<ReturnType<typeof governanceFixture>>;

/**
 * Frank's token 1 (tasks A and B: bob 2 units, carol, dave and erin 1 each) and token 2 (tasks C and D: carol,
 * dave, erin 1 each), both offered at 1,000 CRP, and heidi bought one licence of each. At 30% to the
 * contributors: token 1's pool holds 60 CRP per unit, token 2's 100 CRP per unit; frank has 2 × 675 CRP of
 * owner revenue and the treasury 2 × 25 CRP of fees.
 */
async function salesFixture() {
  const c = await loadFixture(governanceFixture);
  const { A, B, C, D } = c.taskIds;
  await mintData(c, c.frank, mintParams([A, B]));
  await mintData(c, c.frank, mintParams([C, D]));
  for (const tokenId of [1n, 2n]) {
    await (await c.data.connect(c.frank).setLicense(tokenId, await crpOffer(c, PRICE))).wait();
    await (await buyLicense(c, c.heidi, tokenId)).wait();
  }
  return c;
}

/** The parameters as a plain triple. */
async function parametersOf(c: Fixture) {
  const [protocolFeeBps, contributorShareFloorBps, royaltyCapBps] = await c.data.parameters();
  return [protocolFeeBps, contributorShareFloorBps, royaltyCapBps];
}

/** `account`'s balance of `token` (outside the Data NFT). */
function balanceOf(c: Fixture, token: string, account: string) {
  return IERC20__factory.connect(token, c.deployer).balanceOf(account);
}

/** Runs `action` as governance (the timelock). */
function asTimelock<T>(c: Fixture, action: (timelock: HardhatEthersSigner) => Promise<T>) {
  return asGovernance(c.timelock, action);
}

describe("CorpusData: governance and the pause", () => {
  describe("parameters", () => {
    it("starts from the local parameters, and the treasury is the timelock", async () => {
      const c = await loadFixture(governanceFixture);
      expect(await parametersOf(c)).to.deep.equal([PROTOCOL_FEE_BPS, CONTRIBUTOR_FLOOR_BPS, ROYALTY_CAP_BPS]);
      expect(await c.data.TREASURY()).to.equal(c.treasury);
      expect(await c.data.hasRole(await c.data.DEFAULT_ADMIN_ROLE(), c.treasury)).to.equal(true);
      expect(await c.data.hasRole(await c.data.GUARDIAN_ROLE(), c.guardian.address)).to.equal(true);
    });

    const bounds: { name: string; key: string; index: number; initial: bigint; max: bigint }[] = [
      { name: "protocolFeeBps", key: PROTOCOL_FEE, index: 0, initial: PROTOCOL_FEE_BPS, max: 1_000n },
      {
        name: "contributorShareFloorBps",
        key: CONTRIBUTOR_FLOOR,
        index: 1,
        initial: CONTRIBUTOR_FLOOR_BPS,
        max: 5_000n,
      },
      { name: "royaltyCapBps", key: ROYALTY_CAP, index: 2, initial: ROYALTY_CAP_BPS, max: 1_000n },
    ];
    const maxOf = (c: Fixture, name: string) =>
      name === "protocolFeeBps"
        ? c.data.MAX_PROTOCOL_FEE_BPS()
        : name === "contributorShareFloorBps"
          ? c.data.MAX_CONTRIBUTOR_FLOOR_BPS()
          : c.data.MAX_ROYALTY_CAP_BPS();

    for (const { name, key, index, initial, max } of bounds) {
      it(`lets governance set ${name} anywhere from 0 to ${max}`, async () => {
        const c = await loadFixture(governanceFixture);
        expect(await maxOf(c, name)).to.equal(max);
        const expected = await parametersOf(c);
        await asTimelock(c, async (timelock) => {
          await expect(c.data.connect(timelock).setParameter(key, max))
            .to.emit(c.data, "ParameterSet")
            .withArgs(key, initial, max);
          expected[index] = max;
          expect(await parametersOf(c)).to.deep.equal(expected);
          await expect(c.data.connect(timelock).setParameter(key, 0n))
            .to.emit(c.data, "ParameterSet")
            .withArgs(key, max, 0n);
          expected[index] = 0n;
          expect(await parametersOf(c)).to.deep.equal(expected);
          await expect(c.data.connect(timelock).setParameter(key, 7n))
            .to.emit(c.data, "ParameterSet")
            .withArgs(key, 0n, 7n);
          expected[index] = 7n;
          expect(await parametersOf(c)).to.deep.equal(expected);
        });
      });

      it(`refuses ${name} above ${max} with DataParameterOutOfBounds, changing nothing`, async () => {
        const c = await loadFixture(governanceFixture);
        const before = await parametersOf(c);
        await asTimelock(c, async (timelock) => {
          for (const value of [max + 1n, 10_000n, MaxUint256]) {
            await expect(c.data.connect(timelock).setParameter(key, value))
              .to.be.revertedWithCustomError(c.data, "DataParameterOutOfBounds")
              .withArgs(key, value, 0n, max);
          }
        });
        expect(await parametersOf(c)).to.deep.equal(before);
      });
    }

    it("refuses an unknown parameter with DataParameterOutOfBounds(name, value, 0, 0)", async () => {
      const c = await loadFixture(governanceFixture);
      const before = await parametersOf(c);
      const unknown = [
        encodeBytes32String("protocolFee"),
        encodeBytes32String("ProtocolFeeBps"),
        encodeBytes32String("royaltyCapBps "),
        ZeroHash,
        id("protocolFeeBps"),
      ];
      await asTimelock(c, async (timelock) => {
        for (const key of unknown) {
          await expect(c.data.connect(timelock).setParameter(key, 5n), key)
            .to.be.revertedWithCustomError(c.data, "DataParameterOutOfBounds")
            .withArgs(key, 5n, 0n, 0n);
        }
        await expect(c.data.connect(timelock).setParameter(unknown[0]!, 0n))
          .to.be.revertedWithCustomError(c.data, "DataParameterOutOfBounds")
          .withArgs(unknown[0]!, 0n, 0n, 0n);
      });
      expect(await parametersOf(c)).to.deep.equal(before);
    });

    it("refuses anyone but governance, the guardian included, with AccessControlUnauthorizedAccount", async () => {
      const c = await loadFixture(governanceFixture);
      const admin = await c.data.DEFAULT_ADMIN_ROLE();
      const token = await new BlockingToken__factory(c.deployer).deploy(1_000n * CRP);
      const before = await parametersOf(c);
      for (const caller of [c.stranger, c.guardian, c.deployer, c.frank]) {
        await expect(c.data.connect(caller).setParameter(PROTOCOL_FEE, 0n))
          .to.be.revertedWithCustomError(c.data, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, admin);
        await expect(c.data.connect(caller).setTokenAllowed(await token.getAddress(), true))
          .to.be.revertedWithCustomError(c.data, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, admin);
      }
      expect(await parametersOf(c)).to.deep.equal(before);
      expect(await c.data.isTokenAllowed(await token.getAddress())).to.equal(false);
    });
  });

  describe("payment tokens", () => {
    it("lets governance allow a token for new offers, and disallow it again", async () => {
      const c = await loadFixture(salesFixture);
      const token = await new BlockingToken__factory(c.deployer).deploy(1_000_000n * CRP);
      const blk = await token.getAddress();
      const offer = { ...(await crpOffer(c, 500n * CRP)), token: blk };
      expect(await c.data.isTokenAllowed(blk)).to.equal(false);
      await expect(c.data.connect(c.frank).setLicense(1n, offer))
        .to.be.revertedWithCustomError(c.data, "DataTokenNotAllowed")
        .withArgs(blk);

      await asTimelock(c, async (timelock) => {
        await expect(c.data.connect(timelock).setTokenAllowed(blk, true))
          .to.emit(c.data, "TokenAllowed")
          .withArgs(blk, true);
      });
      expect(await c.data.isTokenAllowed(blk)).to.equal(true);
      await expect(c.data.connect(c.frank).setLicense(1n, offer))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(1n, blk, 500n * CRP, offer.duration, offer.termsHash, offer.termsUri);

      await asTimelock(c, async (timelock) => {
        await expect(c.data.connect(timelock).setTokenAllowed(blk, false))
          .to.emit(c.data, "TokenAllowed")
          .withArgs(blk, false);
      });
      expect(await c.data.isTokenAllowed(blk)).to.equal(false);
      await expect(c.data.connect(c.frank).setLicense(2n, offer))
        .to.be.revertedWithCustomError(c.data, "DataTokenNotAllowed")
        .withArgs(blk);
      expect((await c.data.getData(2n)).license.token).to.equal(c.crp);
      // Disallowing governs new offers only: the offer already made in it still sells.
      await (await token.transfer(c.grace.address, 500n * CRP)).wait();
      await (await token.connect(c.grace).approve(c.dataAddress, 500n * CRP)).wait();
      await expect(c.data.connect(c.grace).buyLicense(1n, c.grace.address, await quoteOf(c, 1n)))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(1n, blk, 12_500_000_000_000_000_000n, 150n * CRP, 0n, 337_500_000_000_000_000_000n);
      expect(await balanceOf(c, blk, c.dataAddress)).to.equal(500n * CRP);
    });

    it("refuses to change CRP (always allowed) and the zero address", async () => {
      const c = await loadFixture(governanceFixture);
      await asTimelock(c, async (timelock) => {
        for (const allowed of [false, true]) {
          await expect(c.data.connect(timelock).setTokenAllowed(c.crp, allowed))
            .to.be.revertedWithCustomError(c.data, "DataTokenNotAllowed")
            .withArgs(c.crp);
          await expect(c.data.connect(timelock).setTokenAllowed(ZeroAddress, allowed)).to.be.revertedWithCustomError(
            c.data,
            "DataZeroAddress",
          );
        }
      });
      expect(await c.data.isTokenAllowed(c.crp)).to.equal(true);
      expect(await c.data.isTokenAllowed(ZeroAddress)).to.equal(false);
    });
  });

  describe("parameters apply to what comes next", () => {
    it("charges a new protocol fee from the next sale on, credited to the treasury (the timelock)", async () => {
      const c = await loadFixture(governanceFixture);
      const { A, B, C, D } = c.taskIds;
      const tokenId = await mintData(c, c.frank, mintParams([A, B, C, D]));
      await (await c.data.connect(c.frank).setLicense(tokenId, await crpOffer(c, PRICE))).wait();

      // [fee bps, fee, owner's share] per sale: the contributors' 300 CRP never moves.
      const sales: [bigint, bigint, bigint][] = [
        [PROTOCOL_FEE_BPS, 25n * CRP, 675n * CRP],
        [1_000n, 100n * CRP, 600n * CRP],
        [0n, 0n, 700n * CRP],
      ];
      let treasury = 0n;
      let owner = 0n;
      for (const [bps, fee, toOwner] of sales) {
        if (bps !== (await c.data.parameters())[0]) {
          await asTimelock(c, async (timelock) =>
            (await c.data.connect(timelock).setParameter(PROTOCOL_FEE, bps)).wait(),
          );
        }
        await expect(buyLicense(c, c.heidi, tokenId))
          .to.emit(c.data, "RevenueSplit")
          .withArgs(tokenId, c.crp, fee, 300n * CRP, 0n, toOwner);
        treasury += fee;
        owner += toOwner;
        expect(await c.data.revenueOf(c.crp, c.treasury), `treasury at ${bps} bps`).to.equal(treasury);
        expect(await c.data.revenueOf(c.crp, c.frank.address), `owner at ${bps} bps`).to.equal(owner);
      }
      expect(treasury).to.equal(125n * CRP);
      expect(await c.data.revenuePerUnit(tokenId, c.crp)).to.equal(3n * 37_500_000_000_000_000_000n);
      await expectDataSolvent(c, "after three sales at three fees");

      const held = await balanceOf(c, c.crp, c.treasury);
      await expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
        .to.emit(c.data, "ProtocolFeesSwept")
        .withArgs(c.crp, 125n * CRP);
      expect(await balanceOf(c, c.crp, c.treasury)).to.equal(held + 125n * CRP);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(0n);
    });

    it("at the highest fee and the highest shares, leaves the owner nothing: the wei the parent's units cannot divide stay in its pool's carry", async () => {
      const c = await loadFixture(governanceFixture);
      const { A, B, C, D } = c.taskIds;
      await mintData(c, c.frank, mintParams([A])); // 3 units
      const child = await mintData(
        c,
        c.frank,
        mintParams([B, C, D], { parents: [1n], contributorShareBps: 8_000n, parentShareBps: 1_000n }),
      ); // 5 units
      await (await c.data.connect(c.frank).setLicense(child, await crpOffer(c, PRICE))).wait();
      await asTimelock(c, async (timelock) =>
        (await c.data.connect(timelock).setParameter(PROTOCOL_FEE, 1_000n)).wait(),
      );
      // 100 CRP fee, 800 CRP to the child's 5 units, 100 CRP to the parent's 3 units (33333333333333333333 wei
      // per unit, 1 wei carried): the four parts add up to the price and the owner's is 0.
      await expect(buyLicense(c, c.heidi, child))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(child, c.crp, 100n * CRP, 800n * CRP, 100n * CRP, 0n);
      expect(100n * CRP + 800n * CRP + 100n * CRP + 0n).to.equal(PRICE);
      expect(await c.data.revenueOf(c.crp, c.frank.address)).to.equal(0n);
      expect(await c.data.revenueOf(c.crp, c.treasury)).to.equal(100n * CRP);
      expect(await c.data.revenuePerUnit(child, c.crp)).to.equal(160n * CRP);
      expect(await c.data.poolCarry(child, c.crp)).to.equal(0n);
      expect(await c.data.revenuePerUnit(1n, c.crp)).to.equal(33_333_333_333_333_333_333n);
      expect(await c.data.poolCarry(1n, c.crp)).to.equal(1n);
      expect(3n * 33_333_333_333_333_333_333n + 1n).to.equal(100n * CRP);
      // The owner has nothing to withdraw.
      await expect(c.data.connect(c.frank).withdraw(c.crp))
        .to.be.revertedWithCustomError(c.data, "DataNothingToClaim")
        .withArgs(c.frank.address);
      await expectDataSolvent(c, "after a sale at the highest fee");
    });

    it("requires a raised contributor floor from the next mint on, leaving minted tokens as they are", async () => {
      const c = await loadFixture(governanceFixture);
      const { A, B, C } = c.taskIds;
      await mintData(c, c.frank, mintParams([A], { contributorShareBps: CONTRIBUTOR_FLOOR_BPS }));
      await asTimelock(c, async (timelock) =>
        (await c.data.connect(timelock).setParameter(CONTRIBUTOR_FLOOR, 4_000n)).wait(),
      );
      await expect(c.data.connect(c.frank).mint(mintParams([B], { contributorShareBps: 3_999n })))
        .to.be.revertedWithCustomError(c.data, "DataInvalidShares")
        .withArgs(3_999n, 0n);
      expect(await c.data.tokenCount()).to.equal(1n);
      expect(await c.data.tokenOfTask(B)).to.equal(0n);
      expect((await c.data.getData(1n)).contributorShareBps).to.equal(CONTRIBUTOR_FLOOR_BPS);
      await expect(c.data.connect(c.frank).mint(mintParams([B, C], { contributorShareBps: 4_000n })))
        .to.emit(c.data, "DataMinted")
        .withArgs(
          2n,
          c.frank.address,
          [B, C],
          [],
          mintParams([B, C]).contentHash,
          mintParams([B, C]).metadataUri,
          3n,
          4_000n,
          0n,
        );
    });
  });

  describe("the pause", () => {
    it("may be set by the guardian only", async () => {
      const c = await loadFixture(salesFixture);
      const guardianRole = await c.data.GUARDIAN_ROLE();
      for (const caller of [c.stranger, c.frank]) {
        await expect(c.data.connect(caller).pause())
          .to.be.revertedWithCustomError(c.data, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, guardianRole);
      }
      expect(await c.data.paused()).to.equal(false);
      await expect(c.data.connect(c.guardian).pause()).to.emit(c.data, "Paused").withArgs(c.guardian.address);
      expect(await c.data.paused()).to.equal(true);
    });

    it("stops mints and sales, with or without a permit, changing nothing", async () => {
      const c = await loadFixture(salesFixture);
      await (await c.data.connect(c.guardian).pause()).wait();
      const { E } = c.taskIds;
      const quote = await quoteOf(c, 1n);
      const expiry = await c.data.licenseExpiry(1n, c.heidi.address);
      const heidis = await balanceOf(c, c.crp, c.heidi.address);
      const held = await balanceOf(c, c.crp, c.dataAddress);

      await expect(c.data.connect(c.alice).mint(mintParams([E]))).to.be.revertedWithCustomError(
        c.data,
        "EnforcedPause",
      );
      await (await c.token.connect(c.heidi).approve(c.dataAddress, PRICE)).wait();
      await expect(c.data.connect(c.heidi).buyLicense(1n, c.heidi.address, quote)).to.be.revertedWithCustomError(
        c.data,
        "EnforcedPause",
      );
      await (await c.token.connect(c.heidi).approve(c.dataAddress, 0n)).wait();
      const deadline = BigInt(await time.latest()) + 3_600n;
      const permit = await signPermit(c.token, c.heidi, c.dataAddress, PRICE, deadline);
      const nonce = await c.token.nonces(c.heidi.address);
      await expect(
        c.data
          .connect(c.heidi)
          .buyLicenseWithPermit(1n, c.heidi.address, quote, deadline, permit.v, permit.r, permit.s),
      ).to.be.revertedWithCustomError(c.data, "EnforcedPause");

      expect(await c.data.tokenCount()).to.equal(2n);
      expect(await c.data.tokenOfTask(E)).to.equal(0n);
      expect(await c.data.balanceOf(c.alice.address)).to.equal(0n);
      expect(await c.data.licenseExpiry(1n, c.heidi.address)).to.equal(expiry);
      expect(await balanceOf(c, c.crp, c.heidi.address)).to.equal(heidis);
      expect(await balanceOf(c, c.crp, c.dataAddress)).to.equal(held);
      expect(await c.data.revenueOf(c.crp, c.frank.address)).to.equal(1_350n * CRP);
      expect(await c.data.revenuePerUnit(1n, c.crp)).to.equal(60n * CRP);
      // The permit was never submitted: the nonce is unused and no allowance was granted.
      expect(await c.token.nonces(c.heidi.address)).to.equal(nonce);
      expect(await c.token.allowance(c.heidi.address, c.dataAddress)).to.equal(0n);
    });

    it("keeps claims, withdrawals, the fee sweep, offers, versions and royalties working", async () => {
      const c = await loadFixture(salesFixture);
      await (await c.data.connect(c.guardian).pause()).wait();
      const paid = async (account: string, action: () => Promise<unknown>) => {
        const before = await balanceOf(c, c.crp, account);
        await action();
        return (await balanceOf(c, c.crp, account)) - before;
      };

      // bob: 2 units of token 1 at 60 CRP.
      expect(
        await paid(c.bob.address, () =>
          expect(c.data.connect(c.bob).claim(1n, c.crp))
            .to.emit(c.data, "Claimed")
            .withArgs(1n, c.crp, c.bob.address, 120n * CRP),
        ),
      ).to.equal(120n * CRP);
      // carol: 1 unit of token 1 (60 CRP) and 1 of token 2 (100 CRP), in one transfer.
      expect(
        await paid(c.carol.address, async () => {
          const tx = c.data.connect(c.carol).claimMany([1n, 2n], c.crp);
          await expect(tx)
            .to.emit(c.data, "Claimed")
            .withArgs(1n, c.crp, c.carol.address, 60n * CRP);
          await expect(tx)
            .to.emit(c.data, "Claimed")
            .withArgs(2n, c.crp, c.carol.address, 100n * CRP);
        }),
      ).to.equal(160n * CRP);
      expect(
        await paid(c.frank.address, () =>
          expect(c.data.connect(c.frank).withdraw(c.crp))
            .to.emit(c.data, "Withdrawn")
            .withArgs(c.crp, c.frank.address, 1_350n * CRP),
        ),
      ).to.equal(1_350n * CRP);
      expect(
        await paid(c.treasury, () =>
          expect(c.data.connect(c.stranger).sweepProtocolFees(c.crp))
            .to.emit(c.data, "ProtocolFeesSwept")
            .withArgs(c.crp, 50n * CRP),
        ),
      ).to.equal(50n * CRP);

      const offer = await crpOffer(c, 2n * PRICE, 60);
      await expect(c.data.connect(c.frank).setLicense(1n, offer))
        .to.emit(c.data, "LicenseOffered")
        .withArgs(1n, c.crp, 2n * PRICE, offer.duration, offer.termsHash, offer.termsUri);
      expect((await c.data.getData(1n)).license.price).to.equal(2n * PRICE);
      await expect(c.data.connect(c.frank).publishVersion(1n, id("v1"), "ipfs://v1.json"))
        .to.emit(c.data, "VersionPublished")
        .withArgs(1n, 1n, id("v1"), "ipfs://v1.json");
      await expect(c.data.connect(c.frank).setRoyalty(1n, c.frank.address, 100n))
        .to.emit(c.data, "RoyaltySet")
        .withArgs(1n, c.frank.address, 100n);
      expect(await c.data.paused()).to.equal(true);
      await expectDataSolvent(c, "after claims and withdrawals while paused");
    });

    it("is lifted by governance only, and sales and mints resume", async () => {
      const c = await loadFixture(salesFixture);
      await (await c.data.connect(c.guardian).pause()).wait();
      const admin = await c.data.DEFAULT_ADMIN_ROLE();
      for (const caller of [c.guardian, c.stranger, c.frank]) {
        await expect(c.data.connect(caller).unpause())
          .to.be.revertedWithCustomError(c.data, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, admin);
      }
      expect(await c.data.paused()).to.equal(true);
      await asTimelock(c, async (timelock) => {
        await expect(c.data.connect(timelock).unpause()).to.emit(c.data, "Unpaused").withArgs(c.treasury);
      });
      expect(await c.data.paused()).to.equal(false);

      await expect(buyLicense(c, c.grace, 1n))
        .to.emit(c.data, "RevenueSplit")
        .withArgs(1n, c.crp, 25n * CRP, 300n * CRP, 0n, 675n * CRP);
      await expect(c.data.connect(c.alice).mint(mintParams([c.taskIds.E])))
        .to.emit(c.data, "Transfer")
        .withArgs(ZeroAddress, c.alice.address, 3n);
      await expectDataSolvent(c, "after the pause was lifted");
    });
  });
});
