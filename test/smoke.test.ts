import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture } from "./helpers/fixtures";
describe("smoke", () => {
  it("deploys", async () => {
    const { token, timelock, governor, alice } = await loadFixture(deployCorpusFixture);
    console.log(
      await token.getAddress(),
      await timelock.getAddress(),
      await governor.getAddress(),
      await token.balanceOf(alice),
      await governor.proposalThreshold(),
    );
    expect(await token.totalSupply()).to.be.gt(0n);
  });
});
