import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { asGovernance } from "../../scripts/lib/impersonate";
import { CorpusData__factory, ReentrantToken__factory } from "../../sdk/src/typechain";
import { CRP } from "../helpers/fixtures";
import { dataFixture, mintData, mintParams, quoteOf } from "../helpers/data";

const GUARD = id("ReentrancyGuardReentrantCall()").slice(0, 10);
const PRICE = 100n * CRP;

/**
 * The data fixture with a hooked ERC-20 (calls back into a target on every balance change) allowlisted by
 * governance, and frank's token 1 (tasks A and B) offering a licence in it; heidi holds and approved it.
 */
async function reentrantFixture() {
  const c = await loadFixture(dataFixture);
  const token = await new ReentrantToken__factory(c.deployer).deploy(1_000_000n * CRP);
  const tokenAddress = await token.getAddress();
  await asGovernance(c.timelock, async (t) => (await c.data.connect(t).setTokenAllowed(tokenAddress, true)).wait());
  const license = {
    token: tokenAddress,
    price: PRICE,
    duration: 86_400n,
    termsHash: id("terms"),
    termsUri: "ipfs://t",
  };
  const tokenId = await mintData(c, c.frank, mintParams([c.taskIds.A, c.taskIds.B], { license }));
  await token.transfer(c.heidi.address, 10_000n * CRP);
  await token.connect(c.heidi).approve(c.dataAddress, 10_000n * CRP);
  return { ...c, hooked: token, hookedAddress: tokenAddress, tokenId };
}

type Fixture = Awaited<ReturnType<typeof reentrantFixture>>;

describe("CorpusData: reentrancy through a hooked payment token", () => {
  const reentries: [string, (c: Fixture) => Promise<string>][] = [
    ["mint", async (c) => c.data.interface.encodeFunctionData("mint", [mintParams([c.taskIds.C])])],
    [
      "buyLicense",
      async (c) =>
        c.data.interface.encodeFunctionData("buyLicense", [c.tokenId, c.heidi.address, await quoteOf(c, c.tokenId)]),
    ],
    [
      "buyLicenseWithPermit",
      async (c) =>
        c.data.interface.encodeFunctionData("buyLicenseWithPermit", [
          c.tokenId,
          c.heidi.address,
          await quoteOf(c, c.tokenId),
          0n,
          0,
          ZeroHash,
          ZeroHash,
        ]),
    ],
    ["claim", async (c) => c.data.interface.encodeFunctionData("claim", [c.tokenId, c.hookedAddress])],
    ["claimMany", async (c) => c.data.interface.encodeFunctionData("claimMany", [[c.tokenId], c.hookedAddress])],
    ["withdraw", async (c) => c.data.interface.encodeFunctionData("withdraw", [c.hookedAddress])],
    ["sweepProtocolFees", async (c) => c.data.interface.encodeFunctionData("sweepProtocolFees", [c.hookedAddress])],
  ];

  for (const [name, payload] of reentries) {
    it(`${name} reentered while a licence payment is pulled is refused with ReentrancyGuardReentrantCall`, async () => {
      const c = await loadFixture(reentrantFixture);
      await c.hooked.arm(c.dataAddress, await payload(c));
      const quote = await quoteOf(c, c.tokenId);
      await (await c.data.connect(c.heidi).buyLicense(c.tokenId, c.heidi.address, quote)).wait();
      expect(await c.hooked.lastReentryReverted()).to.equal(true);
      expect((await c.hooked.lastReentryRevertData()).slice(0, 10)).to.equal(GUARD);
      // The outer purchase went through on its own: one licence, one price held.
      expect(await c.hooked.balanceOf(c.dataAddress)).to.equal(PRICE);
      expect(await c.data.hasLicense(c.tokenId, c.heidi.address)).to.equal(true);
    });
  }

  it("refuses a zero registry or a zero governance at deployment", async () => {
    const c = await loadFixture(dataFixture);
    const factory = new CorpusData__factory(c.deployer);
    const registry = await c.tasks.getAddress();
    const timelock = await c.timelock.getAddress();
    for (const [r, g] of [
      [ZeroAddress, timelock],
      [registry, ZeroAddress],
    ] as const) {
      await expect(factory.deploy(r, g, ZeroAddress, [250n, 2_000n, 500n], [])).to.be.revertedWithCustomError(
        factory,
        "DataZeroAddress",
      );
    }
  });
});
