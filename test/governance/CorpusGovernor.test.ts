import { expect } from "chai";
import hre from "hardhat";
import { type Interface, id, toBeHex } from "ethers";
import {
  impersonateAccount,
  loadFixture,
  mine,
  setBalance,
  stopImpersonatingAccount,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { CRP, DAY, deployCorpusFixture, localParameters } from "../helpers/fixtures";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

const HOUR = 60 * 60;

/** `IGovernor.ProposalState`, as the governor returns it. */
const State = {
  Pending: 0n,
  Active: 1n,
  Canceled: 2n,
  Defeated: 3n,
  Succeeded: 4n,
  Queued: 5n,
  Expired: 6n,
  Executed: 7n,
} as const;

/** The `allowedStates` bitmap OpenZeppelin's `GovernorUnexpectedProposalState` reports. */
const stateBitmap = (...states: bigint[]) =>
  toBeHex(
    states.reduce((bits, s) => bits | (1n << s), 0n),
    32,
  );

const VOTE = { against: 0, for: 1, abstain: 2 } as const;

/** The protocol with every allocated holder (alice..heidi, 10M CRP each) delegated to themselves. */
async function governanceFixture(): Promise<Corpus> {
  const corpus = await loadFixture(deployCorpusFixture);
  for (const holder of holders(corpus)) await corpus.token.connect(holder).delegate(holder);
  return corpus;
}

function holders(c: Corpus): HardhatEthersSigner[] {
  return [c.alice, c.bob, c.carol, c.dave, c.erin, c.frank, c.grace, c.heidi];
}

interface Call {
  target: string;
  data: string;
  value?: bigint;
}

interface Proposal {
  id: bigint;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
}

async function proposal(c: Corpus, description: string, calls: Call[]): Promise<Proposal> {
  const targets = calls.map((call) => call.target);
  const values = calls.map((call) => call.value ?? 0n);
  const calldatas = calls.map((call) => call.data);
  const descriptionHash = id(description);
  const proposalId = await c.governor.hashProposal(targets, values, calldatas, descriptionHash);
  return { id: proposalId, targets, values, calldatas, description, descriptionHash };
}

async function governorCall(c: Corpus, fn: string, args: unknown[]): Promise<Call> {
  return {
    target: await c.governor.getAddress(),
    data: (c.governor.interface as Interface).encodeFunctionData(fn, args),
  };
}

function propose(c: Corpus, p: Proposal, proposer: HardhatEthersSigner = c.alice) {
  return c.governor.connect(proposer).propose(p.targets, p.values, p.calldatas, p.description);
}

function queue(c: Corpus, p: Proposal) {
  return c.governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash);
}

function execute(c: Corpus, p: Proposal) {
  return c.governor.execute(p.targets, p.values, p.calldatas, p.descriptionHash);
}

/** Moves the chain to the first second a vote is open. */
async function toVoteStart(c: Corpus, p: Proposal) {
  await time.increaseTo((await c.governor.proposalSnapshot(p.id)) + 1n);
}

/** Moves the chain to the first second after the vote closed. */
async function toVoteEnd(c: Corpus, p: Proposal) {
  await time.increaseTo((await c.governor.proposalDeadline(p.id)) + 1n);
}

/**
 * Proposes each proposal (by alice), has alice, bob and carol (30M CRP, above the 23.2M quorum) vote for
 * each, queues each and waits out the timelock delay: every proposal is then ready to execute.
 */
async function passAndQueue(c: Corpus, ...proposals: Proposal[]): Promise<void> {
  for (const p of proposals) await propose(c, p);
  const last = proposals[proposals.length - 1];
  if (last === undefined) throw new Error("passAndQueue needs a proposal");
  await toVoteStart(c, last);
  for (const p of proposals) {
    for (const voter of [c.alice, c.bob, c.carol]) await c.governor.connect(voter).castVote(p.id, VOTE.for);
  }
  await toVoteEnd(c, last);
  for (const p of proposals) await queue(c, p);
  await time.increaseTo(await c.governor.proposalEta(last.id));
  for (const p of proposals) expect(await c.governor.state(p.id)).to.equal(State.Queued);
}

/** The governor's own settings: the setter, its getter, its bounds, its error and its event. */
const SETTINGS = [
  {
    setter: "setVotingDelay",
    read: (c: Corpus) => c.governor.votingDelay(),
    min: BigInt(HOUR),
    max: BigInt(30 * DAY),
    error: "CorpusGovernorVotingDelayOutOfBounds",
    event: "VotingDelaySet",
  },
  {
    setter: "setVotingPeriod",
    read: (c: Corpus) => c.governor.votingPeriod(),
    min: BigInt(DAY),
    max: BigInt(30 * DAY),
    error: "CorpusGovernorVotingPeriodOutOfBounds",
    event: "VotingPeriodSet",
  },
  {
    setter: "setProposalThresholdBps",
    read: (c: Corpus) => c.governor.proposalThresholdBps(),
    min: 1n,
    max: 1_000n,
    error: "CorpusGovernorProposalThresholdOutOfBounds",
    event: "ProposalThresholdBpsSet",
  },
  {
    setter: "updateQuorumNumerator",
    read: (c: Corpus) => c.governor["quorumNumerator()"](),
    min: 1n,
    max: 50n,
    error: "CorpusGovernorQuorumOutOfBounds",
    event: "QuorumNumeratorUpdated",
  },
] as const;

describe("CorpusGovernor", () => {
  describe("deployment", () => {
    it("starts with the settings of the local parameters file", async () => {
      const { governor } = await loadFixture(deployCorpusFixture);
      const { governance } = localParameters();
      expect(await governor.votingDelay()).to.equal(governance.votingDelay);
      expect(await governor.votingPeriod()).to.equal(governance.votingPeriod);
      expect(await governor.proposalThresholdBps()).to.equal(governance.proposalThresholdBps);
      expect(await governor["quorumNumerator()"]()).to.equal(governance.quorumPercent);
      expect(await governor.quorumDenominator()).to.equal(100n);
      expect(await governor.name()).to.equal("CorpusGovernor");
    });

    it("governs through the deployed token and timelock", async () => {
      const { governor, token, timelock } = await loadFixture(deployCorpusFixture);
      expect(await governor.token()).to.equal(await token.getAddress());
      expect(await governor.timelock()).to.equal(await timelock.getAddress());
    });

    it("counts time in seconds: the clock is the block timestamp and its mode says timestamp", async () => {
      const { governor } = await loadFixture(deployCorpusFixture);
      expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await governor.clock()).to.equal(await time.latest());
    });

    it("declares the documented bounds of every setting", async () => {
      const { governor } = await loadFixture(deployCorpusFixture);
      expect(await governor.MIN_VOTING_DELAY()).to.equal(HOUR);
      expect(await governor.MAX_VOTING_DELAY()).to.equal(30 * DAY);
      expect(await governor.MIN_VOTING_PERIOD()).to.equal(DAY);
      expect(await governor.MAX_VOTING_PERIOD()).to.equal(30 * DAY);
      expect(await governor.MIN_PROPOSAL_THRESHOLD_BPS()).to.equal(1n);
      expect(await governor.MAX_PROPOSAL_THRESHOLD_BPS()).to.equal(1_000n);
      expect(await governor.MIN_QUORUM_PERCENT()).to.equal(1n);
      expect(await governor.MAX_QUORUM_PERCENT()).to.equal(50n);
    });

    it("needs 4% of supply (23,200,000 CRP of 580,000,000) for quorum", async () => {
      const { governor, token } = await loadFixture(deployCorpusFixture);
      const now = await time.latest();
      expect(await token.totalSupply()).to.equal(580_000_000n * CRP);
      expect(await governor.quorum(now - 1)).to.equal(23_200_000n * CRP);
    });
  });

  describe("proposal threshold", () => {
    it("is 0.1% (10 bps) of the past total supply: 580,000 CRP at deployment", async () => {
      const { governor, token } = await loadFixture(deployCorpusFixture);
      const supply = await token.getPastTotalSupply((await time.latest()) - 1);
      expect(await governor.proposalThreshold()).to.equal((supply * 10n) / 10_000n);
      expect(await governor.proposalThreshold()).to.equal(580_000n * CRP);
    });

    it("rises when governance mints: 20M CRP more supply makes it 600,000 CRP", async () => {
      const c = await loadFixture(governanceFixture);
      const mint = await proposal(c, "Mint 20M CRP to dave", [
        {
          target: await c.token.getAddress(),
          data: c.token.interface.encodeFunctionData("mint", [c.dave.address, 20_000_000n * CRP]),
        },
      ]);
      await passAndQueue(c, mint);
      expect(await c.governor.proposalThreshold()).to.equal(580_000n * CRP);
      await execute(c, mint);
      await mine(); // the threshold reads the supply of the previous second
      expect(await c.token.totalSupply()).to.equal(600_000_000n * CRP);
      expect(await c.governor.proposalThreshold()).to.equal(600_000n * CRP);
    });

    it("falls when supply is burned: 10M CRP burned makes it 570,000 CRP", async () => {
      const { governor, token, alice } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).burn(10_000_000n * CRP);
      await mine();
      expect(await governor.proposalThreshold()).to.equal(570_000n * CRP);
    });

    it("rejects a proposer without votes with GovernorInsufficientProposerVotes", async () => {
      const c = await loadFixture(governanceFixture);
      const p = await proposal(c, "Stranger proposes", [await governorCall(c, "setVotingDelay", [2 * DAY])]);
      await expect(propose(c, p, c.stranger))
        .to.be.revertedWithCustomError(c.governor, "GovernorInsufficientProposerVotes")
        .withArgs(c.stranger.address, 0n, 580_000n * CRP);
    });

    it("rejects a holder whose tokens are not delegated, however many they hold", async () => {
      const c = await loadFixture(deployCorpusFixture);
      const p = await proposal(c, "Undelegated alice proposes", [await governorCall(c, "setVotingDelay", [2 * DAY])]);
      await expect(propose(c, p, c.alice))
        .to.be.revertedWithCustomError(c.governor, "GovernorInsufficientProposerVotes")
        .withArgs(c.alice.address, 0n, 580_000n * CRP);
    });

    it("rejects a proposer one wei below the threshold and accepts one exactly at it", async () => {
      const c = await loadFixture(governanceFixture);
      const threshold = 580_000n * CRP;
      await c.token.connect(c.alice).transfer(c.stranger, threshold - 1n);
      await c.token.connect(c.stranger).delegate(c.stranger);
      await mine();
      const p = await proposal(c, "Stranger at the threshold", [await governorCall(c, "setVotingDelay", [2 * DAY])]);
      await expect(propose(c, p, c.stranger))
        .to.be.revertedWithCustomError(c.governor, "GovernorInsufficientProposerVotes")
        .withArgs(c.stranger.address, threshold - 1n, threshold);

      await c.token.connect(c.alice).transfer(c.stranger, 1n);
      await mine();
      await expect(propose(c, p, c.stranger)).to.emit(c.governor, "ProposalCreated");
      expect(await c.governor.state(p.id)).to.equal(State.Pending);
    });
  });

  describe("lifecycle through the governor", () => {
    it("takes a proposal from Pending to Executed, changing the voting delay and paying from the treasury", async () => {
      const c = await loadFixture(governanceFixture);
      const { governor, token, timelock } = c;
      const grant = 1_000_000n * CRP;
      const p = await proposal(c, "Voting delay to 2 days; grant 1M CRP to dave", [
        await governorCall(c, "setVotingDelay", [2 * DAY]),
        {
          target: await token.getAddress(),
          data: token.interface.encodeFunctionData("transfer", [c.dave.address, grant]),
        },
      ]);
      const treasuryBefore = await token.balanceOf(timelock);
      const daveBefore = await token.balanceOf(c.dave);

      await expect(propose(c, p)).to.emit(governor, "ProposalCreated");
      const proposedAt = BigInt(await time.latest());
      expect(await governor.state(p.id)).to.equal(State.Pending);
      expect(await governor.proposalSnapshot(p.id)).to.equal(proposedAt + BigInt(DAY));
      expect(await governor.proposalDeadline(p.id)).to.equal(proposedAt + BigInt(DAY) + BigInt(5 * DAY));

      // Votes are refused until the delay is over.
      await expect(governor.connect(c.alice).castVote(p.id, VOTE.for))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Pending, stateBitmap(State.Active));

      await toVoteStart(c, p);
      expect(await governor.state(p.id)).to.equal(State.Active);
      for (const voter of [c.alice, c.bob, c.carol]) {
        await expect(governor.connect(voter).castVote(p.id, VOTE.for))
          .to.emit(governor, "VoteCast")
          .withArgs(voter.address, p.id, VOTE.for, 10_000_000n * CRP, "");
      }
      await governor.connect(c.dave).castVote(p.id, VOTE.against);
      await governor.connect(c.erin).castVote(p.id, VOTE.abstain);
      const [against, forVotes, abstain] = await governor.proposalVotes(p.id);
      expect([against, forVotes, abstain]).to.deep.equal([10_000_000n * CRP, 30_000_000n * CRP, 10_000_000n * CRP]);

      // Still Active until the deadline has passed.
      expect(await governor.state(p.id)).to.equal(State.Active);
      await toVoteEnd(c, p);
      expect(await governor.state(p.id)).to.equal(State.Succeeded);

      await expect(queue(c, p)).to.emit(governor, "ProposalQueued");
      const eta = await governor.proposalEta(p.id);
      expect(eta).to.equal(BigInt(await time.latest()) + BigInt(2 * DAY));
      expect(await governor.state(p.id)).to.equal(State.Queued);

      // One second before the timelock delay is over, the timelock refuses.
      await time.setNextBlockTimestamp(eta - 1n);
      await expect(execute(c, p)).to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState");
      expect(await governor.votingDelay()).to.equal(DAY);

      await time.setNextBlockTimestamp(eta);
      await expect(execute(c, p))
        .to.emit(governor, "ProposalExecuted")
        .withArgs(p.id)
        .and.to.emit(governor, "VotingDelaySet")
        .withArgs(DAY, 2 * DAY);
      expect(await governor.state(p.id)).to.equal(State.Executed);
      expect(await governor.votingDelay()).to.equal(2 * DAY);
      expect(await token.balanceOf(timelock)).to.equal(treasuryBefore - grant);
      expect(await token.balanceOf(c.dave)).to.equal(daveBefore + grant);

      // Executed once, never again.
      await expect(execute(c, p))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Executed, stateBitmap(State.Queued));
    });

    it("applies a new voting delay to proposals made after it, not before", async () => {
      const c = await loadFixture(governanceFixture);
      const change = await proposal(c, "Voting delay to 3 days", [await governorCall(c, "setVotingDelay", [3 * DAY])]);
      await passAndQueue(c, change);
      await execute(c, change);
      const next = await proposal(c, "Anything after", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, next);
      expect(await c.governor.proposalSnapshot(next.id)).to.equal(BigInt(await time.latest()) + BigInt(3 * DAY));
    });
  });

  describe("settings are only changed through governance", () => {
    for (const setting of SETTINGS) {
      it(`${setting.setter} called directly by a holder reverts with GovernorOnlyExecutor`, async () => {
        const c = await loadFixture(governanceFixture);
        await expect(c.governor.connect(c.alice).getFunction(setting.setter)(setting.min))
          .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
          .withArgs(c.alice.address);
      });

      it(`${setting.setter} called directly by the deployer reverts with GovernorOnlyExecutor`, async () => {
        const c = await loadFixture(governanceFixture);
        await expect(c.governor.connect(c.deployer).getFunction(setting.setter)(setting.min))
          .to.be.revertedWithCustomError(c.governor, "GovernorOnlyExecutor")
          .withArgs(c.deployer.address);
      });

      it(`${setting.setter} called by the timelock outside an executing proposal reverts`, async () => {
        const c = await loadFixture(governanceFixture);
        const timelockAddress = await c.timelock.getAddress();
        await impersonateAccount(timelockAddress);
        await setBalance(timelockAddress, 10n ** 18n);
        const asTimelock = await hre.ethers.getSigner(timelockAddress);
        const before = await setting.read(c);
        // The governor only accepts calls it registered while executing a proposal: an empty queue panics.
        await expect(c.governor.connect(asTimelock).getFunction(setting.setter)(setting.max)).to.be.revertedWithPanic(
          0x31,
        );
        await stopImpersonatingAccount(timelockAddress);
        expect(await setting.read(c)).to.equal(before);
      });

      it(`${setting.setter} through a proposal accepts its lower bound ${setting.min} and upper bound ${setting.max}`, async () => {
        const c = await loadFixture(governanceFixture);
        const before = await setting.read(c);
        const toMin = await proposal(c, `${setting.setter} to its minimum`, [
          await governorCall(c, setting.setter, [setting.min]),
        ]);
        const toMax = await proposal(c, `${setting.setter} to its maximum`, [
          await governorCall(c, setting.setter, [setting.max]),
        ]);
        await passAndQueue(c, toMin, toMax);

        await expect(execute(c, toMin)).to.emit(c.governor, setting.event).withArgs(before, setting.min);
        expect(await setting.read(c)).to.equal(setting.min);
        await expect(execute(c, toMax)).to.emit(c.governor, setting.event).withArgs(setting.min, setting.max);
        expect(await setting.read(c)).to.equal(setting.max);
      });

      it(`${setting.setter} through a proposal rejects ${setting.min - 1n} and ${setting.max + 1n} with ${setting.error}`, async () => {
        const c = await loadFixture(governanceFixture);
        const before = await setting.read(c);
        const belowMin = await proposal(c, `${setting.setter} below its minimum`, [
          await governorCall(c, setting.setter, [setting.min - 1n]),
        ]);
        const aboveMax = await proposal(c, `${setting.setter} above its maximum`, [
          await governorCall(c, setting.setter, [setting.max + 1n]),
        ]);
        await passAndQueue(c, belowMin, aboveMax);

        await expect(execute(c, belowMin))
          .to.be.revertedWithCustomError(c.governor, setting.error)
          .withArgs(setting.min - 1n, setting.min, setting.max);
        await expect(execute(c, aboveMax))
          .to.be.revertedWithCustomError(c.governor, setting.error)
          .withArgs(setting.max + 1n, setting.min, setting.max);
        expect(await setting.read(c)).to.equal(before);
        expect(await c.governor.state(belowMin.id)).to.equal(State.Queued);
        expect(await c.governor.state(aboveMax.id)).to.equal(State.Queued);
      });
    }

    it("a new quorum counts from its execution on; quorum at earlier timepoints stays 4%", async () => {
      const c = await loadFixture(governanceFixture);
      const raise = await proposal(c, "Quorum to 10%", [await governorCall(c, "updateQuorumNumerator", [10])]);
      await passAndQueue(c, raise);
      const before = BigInt(await time.latest());
      await execute(c, raise);
      await mine();
      expect(await c.governor.quorum(before)).to.equal(23_200_000n * CRP);
      expect(await c.governor.quorum((await time.latest()) - 1)).to.equal(58_000_000n * CRP);
    });
  });

  describe("defeat", () => {
    async function defeated(voters: (c: Corpus) => { for: HardhatEthersSigner[]; against: HardhatEthersSigner[] }) {
      const c = await loadFixture(governanceFixture);
      const p = await proposal(c, "Voting period to 7 days", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, p);
      await toVoteStart(c, p);
      const { for: yes, against: no } = voters(c);
      for (const voter of yes) await c.governor.connect(voter).castVote(p.id, VOTE.for);
      for (const voter of no) await c.governor.connect(voter).castVote(p.id, VOTE.against);
      await toVoteEnd(c, p);
      return { c, p };
    }

    it("a proposal with only 20M CRP for (below the 23.2M quorum) is Defeated and can be neither queued nor executed", async () => {
      const { c, p } = await defeated((c) => ({ for: [c.alice, c.bob], against: [] }));
      expect(await c.governor.state(p.id)).to.equal(State.Defeated);
      await expect(queue(c, p))
        .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Defeated, stateBitmap(State.Succeeded));
      await expect(execute(c, p))
        .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Defeated, stateBitmap(State.Queued));
      expect(await c.governor.votingPeriod()).to.equal(5 * DAY);
    });

    it("a proposal that reaches quorum but has more against than for is Defeated and can be neither queued nor executed", async () => {
      const { c, p } = await defeated((c) => ({
        for: [c.alice, c.bob, c.carol],
        against: [c.dave, c.erin, c.frank, c.grace],
      }));
      expect(await c.governor.state(p.id)).to.equal(State.Defeated);
      await expect(queue(c, p))
        .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Defeated, stateBitmap(State.Succeeded));
      await expect(execute(c, p))
        .to.be.revertedWithCustomError(c.governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Defeated, stateBitmap(State.Queued));
      expect(await c.governor.votingPeriod()).to.equal(5 * DAY);
    });

    it("a tie (30M for, 30M against) is Defeated", async () => {
      const { c, p } = await defeated((c) => ({ for: [c.alice, c.bob, c.carol], against: [c.dave, c.erin, c.frank] }));
      expect(await c.governor.state(p.id)).to.equal(State.Defeated);
    });

    it("for plus abstain exactly at quorum succeeds", async () => {
      const c = await loadFixture(governanceFixture);
      // erin keeps exactly 3.2M CRP: 20M for + 3.2M abstain = 23.2M = quorum.
      await c.token.connect(c.erin).transfer(c.stranger, 6_800_000n * CRP);
      const p = await proposal(c, "At quorum", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, p);
      await toVoteStart(c, p);
      await c.governor.connect(c.alice).castVote(p.id, VOTE.for);
      await c.governor.connect(c.bob).castVote(p.id, VOTE.for);
      await c.governor.connect(c.erin).castVote(p.id, VOTE.abstain);
      await toVoteEnd(c, p);
      expect(await c.governor.state(p.id)).to.equal(State.Succeeded);
    });

    it("for plus abstain one wei below quorum is Defeated", async () => {
      const c = await loadFixture(governanceFixture);
      await c.token.connect(c.erin).transfer(c.stranger, 6_800_000n * CRP + 1n);
      const p = await proposal(c, "Below quorum", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, p);
      await toVoteStart(c, p);
      await c.governor.connect(c.alice).castVote(p.id, VOTE.for);
      await c.governor.connect(c.bob).castVote(p.id, VOTE.for);
      await c.governor.connect(c.erin).castVote(p.id, VOTE.abstain);
      await toVoteEnd(c, p);
      expect(await c.governor.state(p.id)).to.equal(State.Defeated);
    });
  });

  describe("flash-vote resistance", () => {
    it("tokens bought after the snapshot carry no votes on that proposal; the seller still votes with the snapshot balance", async () => {
      const c = await loadFixture(governanceFixture);
      const p = await proposal(c, "Voting period to 7 days", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, p);
      await toVoteStart(c, p);

      // After the snapshot, the stranger buys all of heidi's tokens and delegates them to themself.
      await c.token.connect(c.heidi).transfer(c.stranger, 10_000_000n * CRP);
      await c.token.connect(c.stranger).delegate(c.stranger);
      expect(await c.token.getVotes(c.stranger)).to.equal(10_000_000n * CRP);

      await expect(c.governor.connect(c.stranger).castVote(p.id, VOTE.against))
        .to.emit(c.governor, "VoteCast")
        .withArgs(c.stranger.address, p.id, VOTE.against, 0n, "");
      await expect(c.governor.connect(c.heidi).castVote(p.id, VOTE.for))
        .to.emit(c.governor, "VoteCast")
        .withArgs(c.heidi.address, p.id, VOTE.for, 10_000_000n * CRP, "");
      const [against, forVotes] = await c.governor.proposalVotes(p.id);
      expect(against).to.equal(0n);
      expect(forVotes).to.equal(10_000_000n * CRP);
    });

    it("tokens bought and delegated after the snapshot cannot carry a proposal to quorum", async () => {
      const c = await loadFixture(governanceFixture);
      const p = await proposal(c, "Voting period to 7 days", [await governorCall(c, "setVotingPeriod", [7 * DAY])]);
      await propose(c, p);
      await toVoteStart(c, p);
      // alice alone (10M) is short of quorum; she buys 20M more after the snapshot.
      await c.token.connect(c.bob).transfer(c.alice, 10_000_000n * CRP);
      await c.token.connect(c.carol).transfer(c.alice, 10_000_000n * CRP);
      expect(await c.token.getVotes(c.alice)).to.equal(30_000_000n * CRP);
      await c.governor.connect(c.alice).castVote(p.id, VOTE.for);
      await toVoteEnd(c, p);
      const [, forVotes] = await c.governor.proposalVotes(p.id);
      expect(forVotes).to.equal(10_000_000n * CRP);
      expect(await c.governor.state(p.id)).to.equal(State.Defeated);
    });
  });
});
