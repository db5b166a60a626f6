import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { disputedSubmission, disputesFixture, drawJuryWhenReady, newSalt } from "../helpers/disputes";

describe("probe", () => {
  it("views and reverts at exact times", async () => {
    const c = await loadFixture(disputesFixture);
    const { disputeId } = await disputedSubmission(c, "reject");
    const jurors = await drawJuryWhenReady(c, disputeId);
    const r = await c.disputes.getRound(disputeId, 0);
    await time.increaseTo(r.evidenceEnd);
    console.log("latest", await time.latest(), "evEnd", r.evidenceEnd, "phase", (await c.disputes.getDispute(disputeId)).phase);
    await time.setNextBlockTimestamp(r.evidenceEnd + 1n);
    console.log("phase after setNext", (await c.disputes.getDispute(disputeId)).phase);
    try {
      await c.disputes.connect(c.worker).submitEvidence(disputeId, "x", newSalt());
      console.log("evidence ok");
    } catch (e) { console.log("evidence err", (e as Error).message.slice(0, 200)); }
    console.log("latest", await time.latest());
  });
});
