import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { STATUS } from "../../scripts/lib/tasks-setup";
import {
  ACCEPT,
  REJECT,
  closeDispute,
  disputedSubmission,
  disputesFixture,
  expectDisputesSolvent,
  runRound,
} from "../helpers/disputes";

describe("CorpusDisputes: a dispute through the task registry", () => {
  it("a worker wrongly rejected wins before a jury: the ruling accepts and the worker is paid", async () => {
    const c = await loadFixture(disputesFixture);
    const { submissionId, disputeId } = await disputedSubmission(c, "reject");
    await runRound(c, disputeId, [ACCEPT, ACCEPT, ACCEPT, REJECT, null]);
    expect(await closeDispute(c, disputeId)).to.equal(ACCEPT);
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Ruled);
    await (await c.tasks.finalize(submissionId)).wait();
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
    await expectDisputesSolvent(c, "after settling");
  });
});
