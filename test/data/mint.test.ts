import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PRICE, buyLicense, crpOffer, dataFixture, expectDataSolvent, mintData, mintParams } from "../helpers/data";

describe("CorpusData: minting from finished tasks (smoke)", () => {
  it("mints from four tasks with shares derived from the registry, sells a licence, and contributors claim", async () => {
    const c = await loadFixture(dataFixture);
    const { A, B, C, D } = c.tasks;
    const tokenId = await mintData(c, c.requester, mintParams([A, B, C, D]));
    expect((await c.data.getData(tokenId)).totalUnits).to.equal(8n);
    for (const contributor of c.contributors) expect(await c.data.unitsOf(tokenId, contributor)).to.equal(2n);
    await (await c.data.connect(c.requester).setLicense(tokenId, await crpOffer(c, PRICE))).wait();
    await (await buyLicense(c, c.heidi, tokenId)).wait();
    expect(await c.data.hasLicense(tokenId, c.heidi.address)).to.equal(true);
    await expectDataSolvent(c, "after a sale");
    const crp = await c.token.getAddress();
    // 30% of 1,000 CRP over 8 units: 37.5 CRP per unit, 75 CRP per contributor.
    expect(await c.data.claimable(tokenId, crp, c.bob.address)).to.equal(75n * 10n ** 18n);
    await (await c.data.connect(c.bob).claim(tokenId, crp)).wait();
    await expectDataSolvent(c, "after a claim");
  });
});
