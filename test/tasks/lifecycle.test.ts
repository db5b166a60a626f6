import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP, DAY } from "../helpers/fixtures";
import { STATUS, attestVotes, postDefaultTask, submitAndDraw, tasksFixture, expectSolvent } from "../helpers/tasks";

describe("CorpusTasks: whole lifecycles", function () {
  it("accept: the worker is paid reward and bond, the coherent panel shares the validator fee, the treasury's fee is swept", async function () {
    const c = await tasksFixture();
    const taskId = await postDefaultTask(c);
    await expectSolvent(c);
    const { submissionId, panel } = await submitAndDraw(c, taskId);
    expect(panel).to.have.length(3);
    await expectSolvent(c);
    await attestVotes(c, submissionId, [true, true, false]);
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Provisional);
    await time.increase(3 * DAY);
    await c.tasks.finalize(submissionId);
    expect((await c.tasks.getSubmission(submissionId)).status).to.equal(STATUS.Accepted);
    const token = await c.token.getAddress();
    expect(await c.tasks.balanceOf(token, c.worker)).to.equal(110n * CRP);
    expect(await c.tasks.balanceOf(token, panel[0]!)).to.equal((25n * CRP) / 10n);
    expect(await c.tasks.balanceOf(token, panel[2]!)).to.equal(0n);
    expect(await c.tasks.acceptedCount(taskId, c.worker)).to.equal(1n);
    await expectSolvent(c);
    await c.tasks.sweepProtocolFees(taskId);
    await expectSolvent(c);
    await c.tasks.connect(c.worker).withdraw(token);
    await expectSolvent(c);
  });
});
