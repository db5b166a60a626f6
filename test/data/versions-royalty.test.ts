import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, encodeBytes32String, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { CRP } from "../helpers/fixtures";
import { PRICE, ROYALTY_CAP_BPS, dataFixture, mintData, mintParams } from "../helpers/data";

const V0_HASH = id("dataset v0");
const V0_URI = "ipfs://datasets/v0.json";
const ROYALTY_CAP = encodeBytes32String("royaltyCapBps");

/** The data fixture with frank's token 1 minted from tasks A–D (version 0: V0_HASH at V0_URI). */
async function versionsFixture() {
  const c = await loadFixture(dataFixture);
  const { A, B, C, D } = c.taskIds;
  const tokenId = await mintData(c, c.frank, mintParams([A, B, C, D], { contentHash: V0_HASH, metadataUri: V0_URI }));
  return { ...c, tokenId };
}

type Fixture = Awaited<ReturnType<typeof versionsFixture>>;

/** Every version of the token, as versionOf reads them, with the count and the token URI. */
async function versionsOf(c: Fixture, tokenId: bigint) {
  const count = (await c.data.getData(tokenId)).versionCount;
  const versions: [string, string][] = [];
  for (let v = 0n; v < count; v++) {
    const [contentHash, uri] = await c.data.versionOf(tokenId, v);
    versions.push([contentHash, uri]);
  }
  return { count, versions, tokenURI: await c.data.tokenURI(tokenId) };
}

/** The royalty on a sale of `price`, as ERC-2981 reports it. */
async function royaltyOf(c: Fixture, tokenId: bigint, price: bigint) {
  const [receiver, amount] = await c.data.royaltyInfo(tokenId, price);
  return [receiver, amount];
}

describe("CorpusData: versions and royalties", () => {
  describe("versions", () => {
    it("lets the owner publish versions numbered from 1, each readable, the token URI following the latest", async () => {
      const c = await loadFixture(versionsFixture);
      const data = c.data.connect(c.frank);
      expect(await data.publishVersion.staticCall(c.tokenId, id("v1"), "ipfs://v1.json")).to.equal(1n);
      const first = data.publishVersion(c.tokenId, id("v1"), "ipfs://v1.json");
      await expect(first).to.emit(c.data, "VersionPublished").withArgs(c.tokenId, 1n, id("v1"), "ipfs://v1.json");
      await expect(first).to.emit(c.data, "MetadataUpdate").withArgs(c.tokenId);
      expect(await c.data.tokenURI(c.tokenId)).to.equal("ipfs://v1.json");

      const second = data.publishVersion(c.tokenId, id("v2"), "ipfs://v2.json");
      await expect(second).to.emit(c.data, "VersionPublished").withArgs(c.tokenId, 2n, id("v2"), "ipfs://v2.json");
      await expect(second).to.emit(c.data, "MetadataUpdate").withArgs(c.tokenId);

      expect(await versionsOf(c, c.tokenId)).to.deep.equal({
        count: 3n,
        versions: [
          [V0_HASH, V0_URI],
          [id("v1"), "ipfs://v1.json"],
          [id("v2"), "ipfs://v2.json"],
        ],
        tokenURI: "ipfs://v2.json",
      });
      // A version changes the content, not the provenance: the tasks and units stay.
      const view = await c.data.getData(c.tokenId);
      expect(view.taskIds).to.deep.equal([c.taskIds.A, c.taskIds.B, c.taskIds.C, c.taskIds.D]);
      expect(view.totalUnits).to.equal(8n);
    });

    it("lets an operator approved for the token, or for all the owner's tokens, publish", async () => {
      const c = await loadFixture(versionsFixture);
      await (await c.data.connect(c.frank).approve(c.grace.address, c.tokenId)).wait();
      await expect(c.data.connect(c.grace).publishVersion(c.tokenId, id("v1"), "ipfs://v1.json"))
        .to.emit(c.data, "VersionPublished")
        .withArgs(c.tokenId, 1n, id("v1"), "ipfs://v1.json");
      await (await c.data.connect(c.frank).setApprovalForAll(c.heidi.address, true)).wait();
      await expect(c.data.connect(c.heidi).publishVersion(c.tokenId, id("v2"), "ipfs://v2.json"))
        .to.emit(c.data, "VersionPublished")
        .withArgs(c.tokenId, 2n, id("v2"), "ipfs://v2.json");

      // Approvals withdrawn: both are strangers again.
      await (await c.data.connect(c.frank).approve(ZeroAddress, c.tokenId)).wait();
      await (await c.data.connect(c.frank).setApprovalForAll(c.heidi.address, false)).wait();
      const before = await versionsOf(c, c.tokenId);
      for (const former of [c.grace, c.heidi]) {
        await expect(c.data.connect(former).publishVersion(c.tokenId, id("v3"), "ipfs://v3.json"))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, former.address);
      }
      expect(await versionsOf(c, c.tokenId)).to.deep.equal(before);
      expect(before.count).to.equal(3n);
    });

    it("refuses a stranger, a contributor, another requester and governance with DataNotOwner", async () => {
      const c = await loadFixture(versionsFixture);
      const before = await versionsOf(c, c.tokenId);
      for (const caller of [c.stranger, c.bob, c.alice]) {
        await expect(c.data.connect(caller).publishVersion(c.tokenId, id("forged"), "ipfs://forged.json"))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, caller.address);
      }
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.data.connect(timelock).publishVersion(c.tokenId, id("forged"), "ipfs://forged.json"))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, timelock.address);
      });
      expect(await versionsOf(c, c.tokenId)).to.deep.equal(before);
      expect(before).to.deep.equal({ count: 1n, versions: [[V0_HASH, V0_URI]], tokenURI: V0_URI });
    });

    it("refuses an unknown token with ERC721NonexistentToken, and a version past the last with DataUnknownVersion", async () => {
      const c = await loadFixture(versionsFixture);
      const unknown = c.tokenId + 1n;
      await expect(c.data.connect(c.frank).publishVersion(unknown, id("v"), "ipfs://v.json"))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(unknown);
      await expect(c.data.versionOf(unknown, 0n))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(unknown);
      await expect(c.data.versionOf(0n, 0n))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(0n);
      await expect(c.data.tokenURI(unknown))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(unknown);
      expect(await c.data.tokenCount()).to.equal(1n);

      await expect(c.data.versionOf(c.tokenId, 1n))
        .to.be.revertedWithCustomError(c.data, "DataUnknownVersion")
        .withArgs(c.tokenId, 1n);
      await (await c.data.connect(c.frank).publishVersion(c.tokenId, id("v1"), "ipfs://v1.json")).wait();
      expect(await c.data.versionOf(c.tokenId, 1n)).to.deep.equal([id("v1"), "ipfs://v1.json"]);
      await expect(c.data.versionOf(c.tokenId, 2n))
        .to.be.revertedWithCustomError(c.data, "DataUnknownVersion")
        .withArgs(c.tokenId, 2n);
    });

    it("follows an ERC-721 transfer: the new owner publishes, the old owner and its operator no longer can", async () => {
      const c = await loadFixture(versionsFixture);
      await (await c.data.connect(c.frank).approve(c.grace.address, c.tokenId)).wait();
      await (await c.data.connect(c.frank).transferFrom(c.frank.address, c.alice.address, c.tokenId)).wait();
      expect((await c.data.getData(c.tokenId)).owner).to.equal(c.alice.address);

      const before = await versionsOf(c, c.tokenId);
      for (const former of [c.frank, c.grace]) {
        await expect(c.data.connect(former).publishVersion(c.tokenId, id("old"), "ipfs://old.json"))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, former.address);
        await expect(c.data.connect(former).setRoyalty(c.tokenId, former.address, 100n))
          .to.be.revertedWithCustomError(c.data, "DataNotOwner")
          .withArgs(c.tokenId, former.address);
      }
      expect(await versionsOf(c, c.tokenId)).to.deep.equal(before);

      await expect(c.data.connect(c.alice).publishVersion(c.tokenId, id("v1"), "ipfs://v1.json"))
        .to.emit(c.data, "VersionPublished")
        .withArgs(c.tokenId, 1n, id("v1"), "ipfs://v1.json");
      expect(await c.data.tokenURI(c.tokenId)).to.equal("ipfs://v1.json");
    });
  });

  describe("ERC-2981 royalties", () => {
    it("reports no royalty until the owner sets one", async () => {
      const c = await loadFixture(versionsFixture);
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal([ZeroAddress, 0n]);
    });

    it("lets the owner set a royalty up to the cap, and reports it to the wei, rounded down", async () => {
      const c = await loadFixture(versionsFixture);
      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, ROYALTY_CAP_BPS))
        .to.emit(c.data, "RoyaltySet")
        .withArgs(c.tokenId, c.frank.address, ROYALTY_CAP_BPS);
      // 5% of a sale.
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal([c.frank.address, 50n * CRP]);
      expect(await royaltyOf(c, c.tokenId, 10_000n)).to.deep.equal([c.frank.address, 500n]);
      expect(await royaltyOf(c, c.tokenId, 19_999n)).to.deep.equal([c.frank.address, 999n]); // 999.95
      expect(await royaltyOf(c, c.tokenId, 19n)).to.deep.equal([c.frank.address, 0n]); // 0.95
      expect(await royaltyOf(c, c.tokenId, 0n)).to.deep.equal([c.frank.address, 0n]);

      // Another receiver, another rate; an approved operator may set it.
      await (await c.data.connect(c.frank).approve(c.grace.address, c.tokenId)).wait();
      await expect(c.data.connect(c.grace).setRoyalty(c.tokenId, c.carol.address, 123n))
        .to.emit(c.data, "RoyaltySet")
        .withArgs(c.tokenId, c.carol.address, 123n);
      expect(await royaltyOf(c, c.tokenId, 1n * CRP)).to.deep.equal([c.carol.address, 123n * 10n ** 14n]);
      expect(await royaltyOf(c, c.tokenId, 81n)).to.deep.equal([c.carol.address, 0n]); // 0.9963
      expect(await royaltyOf(c, c.tokenId, 82n)).to.deep.equal([c.carol.address, 1n]); // 1.0086
    });

    it("refuses a royalty above the cap, a zero receiver, a stranger and an unknown token, changing nothing", async () => {
      const c = await loadFixture(versionsFixture);
      await (await c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, 300n)).wait();
      const before = await royaltyOf(c, c.tokenId, PRICE);
      expect(before).to.deep.equal([c.frank.address, 30n * CRP]);

      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, ROYALTY_CAP_BPS + 1n))
        .to.be.revertedWithCustomError(c.data, "DataRoyaltyTooHigh")
        .withArgs(ROYALTY_CAP_BPS + 1n, ROYALTY_CAP_BPS);
      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, 10_001n))
        .to.be.revertedWithCustomError(c.data, "DataRoyaltyTooHigh")
        .withArgs(10_001n, ROYALTY_CAP_BPS);
      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId, ZeroAddress, 100n)).to.be.revertedWithCustomError(
        c.data,
        "DataZeroAddress",
      );
      await expect(c.data.connect(c.stranger).setRoyalty(c.tokenId, c.stranger.address, 100n))
        .to.be.revertedWithCustomError(c.data, "DataNotOwner")
        .withArgs(c.tokenId, c.stranger.address);
      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId + 1n, c.frank.address, 100n))
        .to.be.revertedWithCustomError(c.data, "ERC721NonexistentToken")
        .withArgs(c.tokenId + 1n);
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal(before);
      expect(await royaltyOf(c, c.tokenId + 1n, PRICE)).to.deep.equal([ZeroAddress, 0n]);
    });

    it("clamps a royalty set before governance lowered the cap to the new cap", async () => {
      const c = await loadFixture(versionsFixture);
      await (await c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, 500n)).wait();
      await asGovernance(c.timelock, async (timelock) => {
        await expect(c.data.connect(timelock).setParameter(ROYALTY_CAP, 200n))
          .to.emit(c.data, "ParameterSet")
          .withArgs(ROYALTY_CAP, ROYALTY_CAP_BPS, 200n);
      });
      // 2%, not the 5% the owner set.
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal([c.frank.address, 20n * CRP]);
      expect(await royaltyOf(c, c.tokenId, 10_000n)).to.deep.equal([c.frank.address, 200n]);
      await expect(c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, 201n))
        .to.be.revertedWithCustomError(c.data, "DataRoyaltyTooHigh")
        .withArgs(201n, 200n);
      // A royalty under the new cap is not clamped.
      await (await c.data.connect(c.frank).setRoyalty(c.tokenId, c.frank.address, 150n)).wait();
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal([c.frank.address, 15n * CRP]);
      // Cap at 0: no royalty at all.
      await asGovernance(c.timelock, async (timelock) => {
        await (await c.data.connect(timelock).setParameter(ROYALTY_CAP, 0n)).wait();
      });
      expect(await royaltyOf(c, c.tokenId, PRICE)).to.deep.equal([c.frank.address, 0n]);
    });
  });

  describe("ERC-165", () => {
    it("supports ERC-721, ERC-721 metadata, ERC-2981, ERC-4906, ERC-165 and AccessControl, and not 0xffffffff", async () => {
      const c = await loadFixture(versionsFixture);
      const supported: Record<string, string> = {
        "ERC-721": "0x80ac58cd",
        "ERC-721 metadata": "0x5b5e139f",
        "ERC-2981": "0x2a55205a",
        "ERC-4906": "0x49064906",
        "ERC-165": "0x01ffc9a7",
        AccessControl: "0x7965db0b",
      };
      for (const [name, interfaceId] of Object.entries(supported)) {
        expect(await c.data.supportsInterface(interfaceId), name).to.equal(true);
      }
      for (const interfaceId of ["0xffffffff", "0x00000000", "0x780e9d63" /* ERC-721 enumerable */]) {
        expect(await c.data.supportsInterface(interfaceId), interfaceId).to.equal(false);
      }
    });
  });
});
