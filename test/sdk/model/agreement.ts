import { expect } from "chai";
import { SUBMISSION_STATUS } from "../../../sdk/src";
import type { ProtocolModel } from "./protocol-model";
import { type Real, nameOf } from "./system";

/**
 * After every command: what the model says every account is owed, and every task, submission, stake, round
 * and data pool it keeps, equals what the SDK reads from the chain, to the wei; and each contract's CRP
 * balance equals the sum of what it owes, computed both from the model and from the chain's own views.
 */
export async function expectAgrees(m: ProtocolModel, r: Real, label: string) {
  const { reader, cast, crp } = r;
  const c = reader.contracts;
  const accounts = [cast.requester, ...cast.workers, cast.licensee, ...cast.validators, cast.treasury];
  const tokenIds = m.data.tokens.map((t) => t.id);
  const [registryBalances, disputeBalances, revenue, stakes, tasks, subs, held] = await Promise.all([
    Promise.all(accounts.map((a) => reader.tasks.balanceOf(a))),
    Promise.all(accounts.map((a) => reader.disputes.balanceOf(a))),
    Promise.all(accounts.map((a) => reader.data.revenueOf(a))),
    Promise.all(cast.validators.map((v) => reader.staking.status(v))),
    reader.tasks.getMany(m.registry.tasks.map((t) => t.id)),
    reader.tasks.getSubmissions(m.registry.submissions.map((s) => s.id)),
    Promise.all(
      [r.addresses.registry, r.addresses.disputes, r.addresses.data, r.addresses.staking].map((a) =>
        reader.token.balanceOf(a),
      ),
    ),
  ]);
  const at = <T>(list: readonly T[], i: number): T => {
    const item = list[i];
    if (item === undefined) throw new Error(`${label}: nothing read at ${i}`);
    return item;
  };
  const who = (a: string) => nameOf(r, a);

  for (const [i, a] of accounts.entries()) {
    expect(at(registryBalances, i), `${label}: registry balance of ${who(a)}`).to.equal(
      m.registry.balances.get(a) ?? 0n,
    );
    expect(at(disputeBalances, i), `${label}: dispute balance of ${who(a)}`).to.equal(m.disputes.balances.get(a) ?? 0n);
    expect(at(revenue, i), `${label}: data revenue of ${who(a)}`).to.equal(m.data.revenue.get(a) ?? 0n);
  }
  for (const [i, v] of cast.validators.entries()) {
    const s = at(stakes, i);
    const want = m.staking.of(v);
    expect(
      { staked: s.staked, locked: s.locked, thawing: s.thawing, thawEnd: s.thawEnd, free: s.free, active: s.active },
      `${label}: stake of ${who(v)}`,
    ).to.deep.equal({
      staked: want.staked,
      locked: want.locked,
      thawing: want.thawing,
      thawEnd: want.thawing === 0n ? 0n : want.thawEnd,
      free: want.staked - want.locked,
      active: m.staking.active(v),
    });
  }
  let registryOwes = 0n;
  for (const [i, task] of m.registry.tasks.entries()) {
    const v = at(tasks, i);
    expect(
      {
        funds: v.funds,
        pending: v.pending,
        accepted: v.accepted,
        cancelled: v.cancelled,
        validatorFee: v.validatorFee,
        protocolFee: v.protocolFee,
        unswept: v.unsweptProtocolFees,
      },
      `${label}: task ${task.id}`,
    ).to.deep.equal({
      funds: task.funds,
      pending: task.pending,
      accepted: task.accepted,
      cancelled: task.cancelled,
      validatorFee: task.validatorFee,
      protocolFee: task.protocolFee,
      unswept: task.accepted * task.protocolFee,
    });
    registryOwes += v.funds + v.unsweptProtocolFees + v.pending * (v.reward + v.validatorFee + v.protocolFee);
    registryOwes += v.pending * v.workerBond;
  }
  for (const [i, sub] of m.registry.submissions.entries()) {
    const v = at(subs, i);
    expect(
      {
        status: SUBMISSION_STATUS[Number(v.status)],
        verdict: v.verdict,
        ruling: v.ruling,
        voted: Number(v.voted),
        accepts: Number(v.accepts),
        reviewDeadline: v.reviewDeadline,
        disputeDeadline: v.disputeDeadline,
        panel: [...v.panel],
      },
      `${label}: submission ${sub.id}`,
    ).to.deep.equal({
      status: sub.status,
      verdict: sub.verdict,
      ruling: sub.ruling,
      voted: sub.voted,
      accepts: sub.accepts,
      reviewDeadline: sub.reviewDeadline,
      disputeDeadline: sub.disputeDeadline,
      panel: sub.panel,
    });
  }
  for (const balance of registryBalances) registryOwes += balance;

  let disputesOwe = 0n;
  for (const d of m.disputes.disputes) {
    const view = await reader.disputes.get(d.id);
    expect({ round: view.round, executed: view.phaseName === "Executed" }, `${label}: dispute ${d.id}`).to.deep.equal({
      round: BigInt(d.rounds.length - 1),
      executed: d.executed,
    });
    for (const round of d.rounds) {
      const v = await reader.disputes.round(d.id, BigInt(round.index));
      expect(
        { drawn: v.drawn, settled: v.settled, fee: v.fee, payer: v.payer, jurors: [...v.jurors], votes: [...v.votes] },
        `${label}: dispute ${d.id} round ${round.index}`,
      ).to.deep.equal({
        drawn: round.drawn,
        settled: round.settled,
        fee: round.fee,
        payer: round.payer,
        jurors: round.jurors,
        votes: m.disputes.tally(round),
      });
      if (!v.settled) disputesOwe += v.fee;
    }
  }
  for (const balance of disputeBalances) disputesOwe += balance;

  let dataOwes = 0n;
  for (const contributor of cast.workers) {
    const claimable = await reader.data.claimable(tokenIds, contributor);
    for (const [i, token] of m.data.tokens.entries()) {
      expect(at(claimable, i), `${label}: claimable by ${who(contributor)} from data token ${token.id}`).to.equal(
        m.data.claimable(token, contributor),
      );
      dataOwes += at(claimable, i);
    }
  }
  for (const token of m.data.tokens) {
    const [perUnit, carry] = await Promise.all([
      c.CorpusData.revenuePerUnit(token.id, crp),
      c.CorpusData.poolCarry(token.id, crp),
    ]);
    expect({ perUnit, carry }, `${label}: pool of data token ${token.id}`).to.deep.equal({
      perUnit: token.perUnit,
      carry: token.carry,
    });
    dataOwes += carry;
  }
  for (const balance of revenue) dataOwes += balance;

  const [registryHeld, disputesHeld, dataHeld, stakingHeld] = held;
  expect(registryHeld, `${label}: the registry's CRP = what it owes (chain)`).to.equal(registryOwes);
  expect(registryHeld, `${label}: the registry's CRP = what it owes (model)`).to.equal(m.registry.holds());
  expect(disputesHeld, `${label}: the dispute contract's CRP = what it owes (chain)`).to.equal(disputesOwe);
  expect(disputesHeld, `${label}: the dispute contract's CRP = what it owes (model)`).to.equal(m.disputes.holds());
  expect(dataHeld, `${label}: the Data NFT's CRP = what it owes (chain)`).to.equal(dataOwes);
  expect(dataHeld, `${label}: the Data NFT's CRP = what it owes (model)`).to.equal(m.data.holds());
  expect(stakingHeld, `${label}: staking's CRP = staked + thawing`).to.equal(m.staking.holds());
}
