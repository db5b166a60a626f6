import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture } from "../helpers/fixtures";

describe("CorpusDisputes: its longest dispute fits the task registry's ruling timeout", () => {
  it("four rounds of the longest phases, each drawn at its deadline, end before RULING_TIMEOUT", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const maxPeriod = await c.disputes.MAX_PERIOD();
    const rounds = (await c.disputes.MAX_APPEALS()) + 1n;
    // A round: evidence, then a draw as late as allowed (one commit period after the evidence), then the
    // commit, reveal and appeal periods: five of the longest periods.
    const longestDispute = rounds * 5n * maxPeriod;
    expect(longestDispute).to.equal(140n * 86_400n);
    expect(longestDispute).to.be.lessThan(await c.tasks.RULING_TIMEOUT());
  });

  it("the largest jury (the first jury at its maximum after three appeals) fits one staking draw", async () => {
    const c = await loadFixture(deployCorpusFixture);
    let jury = await c.disputes.MAX_JURY_SIZE();
    for (let appeal = 0n; appeal < (await c.disputes.MAX_APPEALS()); appeal++) jury = 2n * jury + 1n;
    expect(jury).to.equal(63n);
    expect(jury).to.be.at.most(await c.staking.MAX_DRAW_SIZE());
    expect(await c.disputes.MAX_EXCLUDED()).to.equal(await c.staking.MAX_EXCLUSIONS());
  });
});
