import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import {
  impersonateAccount,
  loadFixture,
  setBalance,
  stopImpersonatingAccount,
  time,
} from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import hre from "hardhat";
import { AbiCoder, type BaseContract, Interface, Wallet, ZeroHash, encodeBytes32String, id, toBeHex } from "ethers";
import { CRP, DAY, deployCorpusFixture } from "../helpers/fixtures";
import { MIN_STAKE, stakeAs } from "../helpers/staking";
import { OPENING_FEE, disputeIdFrom } from "../helpers/disputes";
import { defaultTaskParams, drawPanelWhenReady, postTask, submitWork } from "../helpers/tasks";

// Every privileged function of every Corpus contract, called by everyone who does not hold the privilege:
// the deployer, the guardian (where it is not the holder), a staked validator, a requester, a stranger, and
// each other Corpus contract (impersonated). Each call must fail with the exact access error naming the caller
// (and the role), and change nothing. The table below is checked against the ABIs and the sources: a new
// state-changing function that is neither in the table nor on the reviewed public list fails this suite.

const CORPUS = [
  "CorpusToken",
  "CorpusTimelock",
  "CorpusGovernor",
  "PrevrandaoRandomness",
  "CorpusStaking",
  "CorpusDisputes",
  "CorpusTasks",
  "CorpusTasksLens",
  "CorpusData",
] as const;
type CorpusName = (typeof CORPUS)[number];
type CallerName = CorpusName | "deployer" | "guardian" | "validator" | "requester" | "stranger" | "proposer";
/** Who is refused, unless the row names them as holders. `proposer` only holds; it is not a caller. */
const CALLERS: CallerName[] = ["deployer", "guardian", "validator", "requester", "stranger", ...CORPUS];

const ROLES = [
  "DEFAULT_ADMIN_ROLE",
  "MINTER_ROLE",
  "GUARDIAN_ROLE",
  "LOCKER_ROLE",
  "SLASHER_ROLE",
  "PROPOSER_ROLE",
  "CANCELLER_ROLE",
  "EXECUTOR_ROLE",
] as const;
type RoleName = (typeof ROLES)[number];
const roleId = (role: RoleName) => (role === "DEFAULT_ADMIN_ROLE" ? ZeroHash : id(role));

/**
 * The deployment with alice to erin staked (carol is "the validator" caller), a dispute open at CorpusDisputes
 * (frank's task, grace's work accepted by its panel, disputed by frank), a pending proposal of alice's, and a
 * signer for every caller: the Corpus contracts impersonated.
 */
async function accessFixture() {
  const c = await loadFixture(deployCorpusFixture);
  const validators = [c.alice, c.bob, c.carol, c.dave, c.erin];
  for (const v of validators) await (await stakeAs(c, v, 5n * MIN_STAKE)).wait();

  const taskId = await postTask(c, c.frank, await defaultTaskParams(c));
  const submissionId = await submitWork(c, c.grace, taskId);
  const panel = await drawPanelWhenReady(c, submissionId);
  for (const [seat, member] of panel.entries()) {
    const signer = validators.find((v) => v.address === member);
    if (signer === undefined) throw new Error(`${member} is not a fixture validator`);
    await (await c.tasks.connect(signer).attest(submissionId, seat, true, id("ok"))).wait();
  }
  await (await c.token.connect(c.frank).approve(c.tasks, OPENING_FEE)).wait();
  const disputeId = disputeIdFrom(c, await (await c.tasks.connect(c.frank).dispute(submissionId)).wait());

  await (await c.token.connect(c.alice).delegate(c.alice)).wait();
  await time.increase(1);
  const proposal = {
    targets: [await c.governor.getAddress()],
    values: [0n],
    calldatas: [c.governor.interface.encodeFunctionData("setVotingPeriod", [7 * DAY])],
    descriptionHash: id("Voting period to 7 days"),
  };
  await (
    await c.governor
      .connect(c.alice)
      .propose(proposal.targets, proposal.values, proposal.calldatas, "Voting period to 7 days")
  ).wait();
  const proposalId = await c.governor.hashProposal(
    proposal.targets,
    proposal.values,
    proposal.calldatas,
    proposal.descriptionHash,
  );

  const contracts: Record<CorpusName, BaseContract> = {
    CorpusToken: c.token,
    CorpusTimelock: c.timelock,
    CorpusGovernor: c.governor,
    PrevrandaoRandomness: c.randomness,
    CorpusStaking: c.staking,
    CorpusDisputes: c.disputes,
    CorpusTasks: c.tasks,
    CorpusTasksLens: c.tasksLens,
    CorpusData: c.data,
  };
  const signers = {
    deployer: c.deployer,
    guardian: c.guardian,
    validator: c.carol,
    requester: c.frank,
    stranger: c.stranger,
    proposer: c.alice,
  } as Record<CallerName, HardhatEthersSigner>;
  for (const name of CORPUS) {
    const address = c.addressBook.contracts[name];
    await impersonateAccount(address);
    await setBalance(address, 10n ** 20n);
    signers[name] = await hre.ethers.getSigner(address);
  }
  return { ...c, contracts, signers, disputeId, proposal, proposalId, taskId, submissionId };
}

type Fixture = Awaited<ReturnType<typeof accessFixture>>;

/** A role (AccessControlUnauthorizedAccount(caller, role)) or another error, with its arguments for a caller. */
type Guard = { role: RoleName } | { error: string; args: (c: Fixture, caller: string) => unknown[] };

interface Row {
  contract: CorpusName;
  /** The function's ABI signature. */
  fn: string;
  /** Arguments a holder could pass (valid-looking, so only the guard stands in the way). */
  args: (c: Fixture) => unknown[] | Promise<unknown[]>;
  guard: Guard;
  /** Who passes the guard: refused are all of {@link CALLERS} but these. */
  holders: CallerName[];
}

const admin = (contract: CorpusName, fn: string, args: Row["args"]): Row => ({
  contract,
  fn,
  args,
  guard: { role: "DEFAULT_ADMIN_ROLE" },
  holders: ["CorpusTimelock"],
});
/** pause, unpause, grantRole and revokeRole of a GuardedPausable contract (every role administered by the admin). */
const guardedPausable = (contract: CorpusName): Row[] => [
  { contract, fn: "pause()", args: () => [], guard: { role: "GUARDIAN_ROLE" }, holders: ["guardian"] },
  admin(contract, "unpause()", () => []),
  admin(contract, "grantRole(bytes32,address)", (c) => [roleId("GUARDIAN_ROLE"), c.stranger.address]),
  admin(contract, "revokeRole(bytes32,address)", (c) => [roleId("GUARDIAN_ROLE"), c.guardian.address]),
];
const governance = (fn: string, args: Row["args"]): Row => ({
  contract: "CorpusGovernor",
  fn,
  args,
  guard: { error: "GovernorOnlyExecutor", args: (_c, caller) => [caller] },
  holders: ["CorpusTimelock"],
});
const staking = (fn: string, role: RoleName, args: Row["args"]): Row => ({
  contract: "CorpusStaking",
  fn,
  args,
  guard: { role },
  holders: role === "DEFAULT_ADMIN_ROLE" ? ["CorpusTimelock"] : ["CorpusDisputes", "CorpusTasks"],
});
const param = (name: string) => encodeBytes32String(name);
const someToken = () => Wallet.createRandom().address;

/** Every privileged function of every Corpus contract: [contract, function, arguments, guard, holders]. */
const TABLE: Row[] = [
  // CorpusToken: minting and role administration.
  {
    contract: "CorpusToken",
    fn: "mint(address,uint256)",
    args: (c) => [c.stranger.address, 1_000n * CRP],
    guard: { role: "MINTER_ROLE" },
    holders: ["CorpusTimelock"],
  },
  admin("CorpusToken", "grantRole(bytes32,address)", (c) => [roleId("MINTER_ROLE"), c.stranger.address]),
  admin("CorpusToken", "revokeRole(bytes32,address)", (c) => [
    roleId("MINTER_ROLE"),
    c.addressBook.contracts.CorpusTimelock,
  ]),

  // CorpusTimelock: queueing and cancelling are the governor's; the delay and the roles the timelock's own.
  {
    contract: "CorpusTimelock",
    fn: "schedule(address,uint256,bytes,bytes32,bytes32,uint256)",
    args: async (c) => [
      c.addressBook.contracts.CorpusToken,
      0n,
      c.token.interface.encodeFunctionData("mint", [c.stranger.address, 1_000n * CRP]),
      ZeroHash,
      id("salt"),
      await c.timelock.getMinDelay(),
    ],
    guard: { role: "PROPOSER_ROLE" },
    holders: ["CorpusGovernor"],
  },
  {
    contract: "CorpusTimelock",
    fn: "scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)",
    args: async (c) => [
      [c.addressBook.contracts.CorpusToken],
      [0n],
      [c.token.interface.encodeFunctionData("mint", [c.stranger.address, 1_000n * CRP])],
      ZeroHash,
      id("salt"),
      await c.timelock.getMinDelay(),
    ],
    guard: { role: "PROPOSER_ROLE" },
    holders: ["CorpusGovernor"],
  },
  {
    contract: "CorpusTimelock",
    fn: "cancel(bytes32)",
    args: () => [id("an operation")],
    guard: { role: "CANCELLER_ROLE" },
    holders: ["CorpusGovernor"],
  },
  {
    contract: "CorpusTimelock",
    fn: "updateDelay(uint256)",
    args: () => [3n * BigInt(DAY)],
    guard: { error: "TimelockUnauthorizedCaller", args: (_c, caller) => [caller] },
    holders: ["CorpusTimelock"],
  },
  admin("CorpusTimelock", "grantRole(bytes32,address)", (c) => [roleId("PROPOSER_ROLE"), c.stranger.address]),
  admin("CorpusTimelock", "revokeRole(bytes32,address)", (c) => [
    roleId("PROPOSER_ROLE"),
    c.addressBook.contracts.CorpusGovernor,
  ]),

  // CorpusGovernor: its settings only through a passed proposal (the timelock executing it); cancelling a
  // pending proposal only by its proposer.
  governance("setVotingDelay(uint48)", () => [2n * BigInt(DAY)]),
  governance("setVotingPeriod(uint32)", () => [7n * BigInt(DAY)]),
  governance("setProposalThresholdBps(uint16)", () => [20n]),
  governance("updateQuorumNumerator(uint256)", () => [5n]),
  governance("updateTimelock(address)", (c) => [c.addressBook.contracts.CorpusTimelock]),
  governance("relay(address,uint256,bytes)", (c) => [
    c.addressBook.contracts.CorpusToken,
    0n,
    c.token.interface.encodeFunctionData("transfer", [c.stranger.address, 1n]),
  ]),
  {
    contract: "CorpusGovernor",
    fn: "cancel(address[],uint256[],bytes[],bytes32)",
    args: (c) => [c.proposal.targets, c.proposal.values, c.proposal.calldatas, c.proposal.descriptionHash],
    guard: { error: "GovernorUnableToCancel", args: (c, caller) => [c.proposalId, caller] },
    holders: ["proposer"],
  },

  // CorpusStaking: draws and locks for the protocol contracts, slashing, parameters, pause.
  staking("requestDraw(bytes32)", "LOCKER_ROLE", () => [id("a request")]),
  staking("drawAndLock(bytes32,uint256,address[],uint256)", "LOCKER_ROLE", () => [id("a request"), 1n, [], 0n]),
  staking("lock(address,uint256)", "LOCKER_ROLE", (c) => [c.carol.address, CRP]),
  staking("unlock(address,uint256)", "LOCKER_ROLE", (c) => [c.carol.address, CRP]),
  staking("unlockLeaves(uint256[],uint256[])", "LOCKER_ROLE", () => [[1n], [0n]]),
  staking("slash(address,uint256,address)", "SLASHER_ROLE", (c) => [c.carol.address, CRP, c.stranger.address]),
  staking("setMinimumStake(uint256)", "DEFAULT_ADMIN_ROLE", () => [20_000n * CRP]),
  staking("setUnbondingPeriod(uint256)", "DEFAULT_ADMIN_ROLE", () => [14n * BigInt(DAY)]),
  staking("setSlashRewardShare(uint256)", "DEFAULT_ADMIN_ROLE", () => [1_000n]),
  staking("setRandomnessSource(address)", "DEFAULT_ADMIN_ROLE", (c) => [c.addressBook.contracts.PrevrandaoRandomness]),
  ...guardedPausable("CorpusStaking"),

  // CorpusDisputes: parameters, the unfunded allowlist, pause; unfunded disputes only for the allowlisted.
  admin("CorpusDisputes", "setParameter(bytes32,uint256)", () => [param("feePerJuror"), 30n * CRP]),
  admin("CorpusDisputes", "setUnfundedAllowed(address,bool)", (c) => [c.stranger.address, true]),
  {
    contract: "CorpusDisputes",
    fn: "createUnfundedDispute(uint256,bytes,address)",
    args: (c) => [
      2n,
      AbiCoder.defaultAbiCoder().encode(["address[]"], [[c.grace.address, c.frank.address]]),
      c.grace.address,
    ],
    guard: { error: "DisputesUnfundedNotAllowed", args: (_c, caller) => [caller] },
    holders: ["CorpusTasks"],
  },
  ...guardedPausable("CorpusDisputes"),

  // CorpusTasks: parameters, payment tokens, the arbitrator, pause; rulings only from the arbitrator of the dispute.
  admin("CorpusTasks", "setParameter(bytes32,uint256)", () => [param("protocolFeeBps"), 300n]),
  admin("CorpusTasks", "setTokenAllowed(address,bool)", () => [someToken(), true]),
  admin("CorpusTasks", "setArbitrator(address)", (c) => [c.stranger.address]),
  {
    contract: "CorpusTasks",
    fn: "rule(uint256,uint256)",
    args: (c) => [c.disputeId, 1n],
    guard: { error: "TasksUnknownDispute", args: (c, caller) => [caller, c.disputeId] },
    holders: ["CorpusDisputes"],
  },
  ...guardedPausable("CorpusTasks"),

  // CorpusData: parameters, payment tokens, pause.
  admin("CorpusData", "setParameter(bytes32,uint256)", () => [param("protocolFeeBps"), 300n]),
  admin("CorpusData", "setTokenAllowed(address,bool)", () => [someToken(), true]),
  ...guardedPausable("CorpusData"),
];

/**
 * The state-changing functions that are open to their callers by design (each checks the caller's own
 * standing, or nothing needs guarding), reviewed one by one. Everything else must be in {@link TABLE}.
 */
const PUBLIC: Record<CorpusName, string[]> = {
  // ERC-20, permit, votes and burning of one's own tokens; renouncing a role one holds.
  CorpusToken: [
    "approve(address,uint256)",
    "burn(uint256)",
    "burnFrom(address,uint256)",
    "delegate(address)",
    "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)",
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
    "renounceRole(bytes32,address)",
    "transfer(address,uint256)",
    "transferFrom(address,address,uint256)",
  ],
  // execute: EXECUTOR_ROLE is open (held by address(0)), and only runs what the governor scheduled (tested
  // below). Token-receiver hooks and renouncing one's own role.
  CorpusTimelock: [
    "execute(address,uint256,bytes,bytes32,bytes32)",
    "executeBatch(address[],uint256[],bytes[],bytes32,bytes32)",
    "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)",
    "onERC1155Received(address,address,uint256,uint256,bytes)",
    "onERC721Received(address,address,uint256,bytes)",
    "renounceRole(bytes32,address)",
  ],
  // Proposing (threshold of past votes), voting (past votes), queueing and executing passed proposals.
  CorpusGovernor: [
    "castVote(uint256,uint8)",
    "castVoteBySig(uint256,uint8,address,bytes)",
    "castVoteWithReason(uint256,uint8,string)",
    "castVoteWithReasonAndParams(uint256,uint8,string,bytes)",
    "castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes)",
    "execute(address[],uint256[],bytes[],bytes32)",
    "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)",
    "onERC1155Received(address,address,uint256,uint256,bytes)",
    "onERC721Received(address,address,uint256,bytes)",
    "propose(address[],uint256[],bytes[],string)",
    "queue(address[],uint256[],bytes[],bytes32)",
  ],
  // Seeds are namespaced by requester: anyone may request their own.
  PrevrandaoRandomness: ["requestSeed(bytes32)"],
  // A validator's own stake and URI; refreshing weights (bounded batch) is open to anyone.
  CorpusStaking: [
    "refresh(address[])",
    "register(string)",
    "renounceRole(bytes32,address)",
    "stake(uint256)",
    "stakeWithPermit(uint256,uint256,uint8,bytes32,bytes32)",
    "thaw(uint256)",
    "withdraw()",
  ],
  // Funded disputes (the fee is the price), phase-driven steps anyone may take, jurors' and parties' own
  // actions (each checks the caller's seat or side), withdrawals of one's own balance.
  CorpusDisputes: [
    "appeal(uint256)",
    "commitVote(uint256,bytes32)",
    "createDispute(uint256,bytes,address)",
    "drawJury(uint256,address[])",
    "executeRuling(uint256)",
    "renewJurySeed(uint256)",
    "renounceRole(bytes32,address)",
    "revealVote(uint256,uint256,bytes32)",
    "settleRound(uint256,uint256)",
    "submitEvidence(uint256,string,bytes32)",
    "withdraw()",
  ],
  // Requesters', workers' and panel members' own actions (cancelTask checks the requester, dispute and
  // escalate the losing party, attest the seat), permissionless steps, withdrawals of one's own balance.
  CorpusTasks: [
    "attest(uint256,uint256,bool,bytes32)",
    "cancelTask(uint256)",
    "closeRound(uint256)",
    "createTask((address,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,string,bytes32))",
    "createTaskWithPermit((address,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,string,bytes32),uint256,uint8,bytes32,bytes32)",
    "dispute(uint256)",
    "drawPanel(uint256)",
    "escalate(uint256)",
    "finalize(uint256)",
    "fundTask(uint256,uint256)",
    "refund(uint256)",
    "renewPanelSeed(uint256)",
    "renounceRole(bytes32,address)",
    "submit(uint256,bytes32,string)",
    "sweepProtocolFees(uint256)",
    "withdraw(address)",
  ],
  CorpusTasksLens: [],
  // ERC-721 transfers and approvals; an owner's own token (publishVersion, setLicense and setRoyalty check
  // the owner: DataNotOwner); minting from one's own finished tasks; buying, claiming and withdrawing one's own.
  CorpusData: [
    "approve(address,uint256)",
    "buyLicense(uint256,address,(address,uint256,uint256,bytes32))",
    "buyLicenseWithPermit(uint256,address,(address,uint256,uint256,bytes32),uint256,uint8,bytes32,bytes32)",
    "claim(uint256,address)",
    "claimMany(uint256[],address)",
    "mint((uint256[],uint256[],bytes32,string,uint256,uint256,(address,uint256,uint256,bytes32,string)))",
    "publishVersion(uint256,bytes32,string)",
    "renounceRole(bytes32,address)",
    "safeTransferFrom(address,address,uint256)",
    "safeTransferFrom(address,address,uint256,bytes)",
    "setApprovalForAll(address,bool)",
    "setLicense(uint256,(address,uint256,uint256,bytes32,string))",
    "setRoyalty(uint256,address,uint256)",
    "sweepPoolCarry(uint256,address)",
    "sweepProtocolFees(address)",
    "transferFrom(address,address,uint256)",
    "withdraw(address)",
  ],
};

/** The state-changing functions of a contract's ABI, by signature. */
async function mutatingFunctions(name: CorpusName): Promise<string[]> {
  const abi = new Interface((await hre.artifacts.readArtifact(name)).abi);
  const functions: string[] = [];
  abi.forEachFunction((fragment) => {
    if (!fragment.constant) functions.push(fragment.format("sighash"));
  });
  return functions;
}

/** The roles each AccessControl contract defines. */
const ROLES_OF: Partial<Record<CorpusName, RoleName[]>> = {
  CorpusToken: ["DEFAULT_ADMIN_ROLE", "MINTER_ROLE"],
  CorpusTimelock: ["DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"],
  CorpusStaking: ["DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE", "LOCKER_ROLE", "SLASHER_ROLE"],
  CorpusDisputes: ["DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE"],
  CorpusTasks: ["DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE"],
  CorpusData: ["DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE"],
};

/** Everything a refused call could have changed: parameters, pauses, role holdings, supply, delay, settings. */
async function governedState(f: Fixture) {
  const accounts = [...CALLERS.map((name) => f.signers[name].address), f.alice.address];
  const holdings = Object.entries(ROLES_OF).flatMap(([name, roles]) =>
    (roles ?? []).flatMap((role) =>
      accounts.map(
        async (account) =>
          `${name}.${role}.${account}: ${await f.contracts[name as CorpusName].getFunction("hasRole")(roleId(role), account)}`,
      ),
    ),
  );
  return {
    roles: await Promise.all(holdings),
    supply: await f.token.totalSupply(),
    minDelay: await f.timelock.getMinDelay(),
    governor: await Promise.all([
      f.governor.votingDelay(),
      f.governor.votingPeriod(),
      f.governor.proposalThresholdBps(),
      f.governor["quorumNumerator()"](),
      f.governor.timelock(),
      f.governor.state(f.proposalId),
    ]),
    staking: [...(await f.staking.parameters()), await f.staking.paused(), ...(await f.staking.stakeOf(f.carol))],
    disputes: [
      ...(await f.disputes.parameters()),
      await f.disputes.paused(),
      await f.disputes.disputeCount(),
      await f.disputes.isUnfundedAllowed(f.stranger.address),
    ],
    tasks: [
      ...(await f.tasks.parameters()),
      await f.tasks.paused(),
      (await f.tasks.getSubmission(f.submissionId)).status,
    ],
    data: [...(await f.data.parameters()), await f.data.paused()],
  };
}

/** The error name a failed static call reverted with, decoded with `contract`'s ABI (undefined if none). */
async function revertName(contract: BaseContract, call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data !== "string" || data === "0x") return "(no data)";
    return contract.interface.parseError(data)?.name ?? `(undecoded ${data.slice(0, 10)})`;
  }
}

const guardError = (guard: Guard) => ("role" in guard ? "AccessControlUnauthorizedAccount" : guard.error);
const refusedBy = (row: Row) => CALLERS.filter((caller) => !row.holders.includes(caller));

describe("attack: calling role-gated functions without the role", () => {
  after(async () => {
    const f = await loadFixture(accessFixture);
    for (const name of CORPUS) await stopImpersonatingAccount(f.addressBook.contracts[name]);
  });

  for (const row of TABLE) {
    const guardText =
      "role" in row.guard ? `AccessControlUnauthorizedAccount(caller, ${row.guard.role})` : row.guard.error;
    it(`${row.contract}.${row.fn}: refused with ${guardText} for all but ${row.holders.join(", ")}`, async () => {
      const f = await loadFixture(accessFixture);
      const contract = f.contracts[row.contract];
      const args = await row.args(f);
      const before = await governedState(f);
      for (const caller of refusedBy(row)) {
        const signer = f.signers[caller];
        const call = contract.connect(signer).getFunction(row.fn);
        const expected =
          "role" in row.guard ? [signer.address, roleId(row.guard.role)] : row.guard.args(f, signer.address);
        await expect(call(...args), `${row.fn} by ${caller}`)
          .to.be.revertedWithCustomError(contract, guardError(row.guard))
          .withArgs(...expected);
      }
      expect(await governedState(f)).to.deep.equal(before);

      // The guard is the row's: each holder holds the role and gets past it (its static call fails, if at
      // all, with some other error: a governor setting also needs a proposal's execution under way).
      for (const holder of row.holders) {
        const signer = f.signers[holder];
        if ("role" in row.guard) {
          expect(await contract.getFunction("hasRole")(roleId(row.guard.role), signer.address), holder).to.equal(true);
        }
        const name = await revertName(contract, () =>
          contract
            .connect(signer)
            .getFunction(row.fn)
            .staticCall(...args),
        );
        expect(name, `${row.fn} by the holder ${holder}`).to.not.equal(guardError(row.guard));
      }
    });
  }

  it("the timelock's execute is open to anyone (EXECUTOR_ROLE is held by address(0)), but runs only a ready operation: an unscheduled one reverts TimelockUnexpectedOperationState(id, Ready)", async () => {
    const f = await loadFixture(accessFixture);
    expect(await f.timelock.hasRole(roleId("EXECUTOR_ROLE"), "0x0000000000000000000000000000000000000000")).to.equal(
      true,
    );
    const target = f.addressBook.contracts.CorpusToken;
    const data = f.token.interface.encodeFunctionData("mint", [f.stranger.address, 1_000n * CRP]);
    const salt = id("salt");
    const operation = await f.timelock.hashOperation(target, 0n, data, ZeroHash, salt);
    const ready = toBeHex(1n << 2n, 32); // OperationState.Ready
    const supply = await f.token.totalSupply();
    for (const caller of CALLERS) {
      await expect(f.timelock.connect(f.signers[caller]).execute(target, 0n, data, ZeroHash, salt), caller)
        .to.be.revertedWithCustomError(f.timelock, "TimelockUnexpectedOperationState")
        .withArgs(operation, ready);
    }
    expect(await f.token.totalSupply()).to.equal(supply);
  });

  it("the deployer holds no role on any Corpus contract", async () => {
    const f = await loadFixture(accessFixture);
    for (const name of CORPUS) {
      const contract = f.contracts[name];
      expect(contract.interface.getFunction("hasRole") !== null, `${name} has roles`).to.equal(name in ROLES_OF);
      if (!(name in ROLES_OF)) continue;
      for (const role of ROLES) {
        expect(await contract.getFunction("hasRole")(roleId(role), f.deployer.address), `${role} on ${name}`).to.equal(
          false,
        );
      }
    }
  });

  describe("the table covers every privileged function", () => {
    it("every state-changing function of every Corpus ABI is either in the table or on the reviewed public list, and neither lists a function the ABI lacks", async () => {
      expect(Object.keys(PUBLIC).sort()).to.deep.equal([...CORPUS].sort());
      for (const name of CORPUS) {
        const mutating = await mutatingFunctions(name);
        const gated = TABLE.filter((r) => r.contract === name).map((r) => r.fn);
        const open = PUBLIC[name];
        const unclassified = mutating.filter((fn) => !gated.includes(fn) && !open.includes(fn));
        expect(unclassified, `${name}: functions neither in the table nor public`).to.deep.equal([]);
        expect(
          [...gated, ...open].filter((fn) => !mutating.includes(fn)),
          `${name}: listed functions its ABI lacks`,
        ).to.deep.equal([]);
        expect(
          gated.filter((fn) => open.includes(fn)),
          `${name}: functions both gated and public`,
        ).to.deep.equal([]);
      }
      // One row per (contract, function).
      const keys = TABLE.map((r) => `${r.contract}.${r.fn}`);
      expect(new Set(keys).size).to.equal(keys.length);
    });

    it("every function the Corpus sources guard (onlyRole, onlyGovernance, _checkRole, only the contract itself) has a row", () => {
      const root = path.join(__dirname, "..", "..", "contracts");
      const sources = ["token", "governance", "staking", "tasks", "disputes", "data", "randomness", "utils"].flatMap(
        (dir) =>
          fs
            .readdirSync(path.join(root, dir))
            .filter((file) => file.endsWith(".sol"))
            .map((file) => ({ file: `${dir}/${file}`, text: fs.readFileSync(path.join(root, dir, file), "utf8") })),
      );
      // Which deployed contracts each source's functions end up in: its own, or every contract inheriting it.
      const deployedIn = (source: { file: string; text: string }): CorpusName[] => {
        const own = /^(?:abstract\s+)?contract\s+(\w+)/m.exec(source.text)?.[1] ?? "";
        if ((CORPUS as readonly string[]).includes(own)) return [own as CorpusName];
        return CORPUS.filter((name) =>
          sources.some((s) => new RegExp(`contract\\s+${name}\\s+is[^{]*\\b${own}\\b`).test(s.text)),
        );
      };
      let found = 0;
      for (const source of sources) {
        for (const match of source.text.matchAll(/function\s+(\w+)\s*\(([^)]*)\)([^{;]*)\{/g)) {
          const [, fn, , header] = match;
          const start = (match.index ?? 0) + match[0].length;
          const body = source.text.slice(start, source.text.indexOf("\n    }", start));
          const guarded =
            /onlyRole\(|onlyGovernance/.test(header ?? "") || /_checkRole\(|msg\.sender == address\(this\)/.test(body);
          if (!guarded) continue;
          const contracts = deployedIn(source);
          expect(contracts, `${source.file}: ${fn} is deployed somewhere`).to.not.deep.equal([]);
          for (const name of contracts) {
            found++;
            expect(
              TABLE.some((r) => r.contract === name && r.fn.startsWith(`${fn}(`)),
              `${name}.${fn} (guarded in ${source.file}) has a row`,
            ).to.equal(true);
          }
        }
      }
      // The scan sees at least today's guarded functions: mint, updateDelay, the governor's 3 setters, staking's
      // 6 + 4, disputes' 2, tasks' 3, data's 2, and pause/unpause in each of the 4 pausable contracts.
      expect(found).to.be.greaterThanOrEqual(1 + 1 + 3 + 10 + 2 + 3 + 2 + 8);
    });

    it("every row refuses at least one caller, and every caller is refused somewhere", () => {
      for (const row of TABLE) expect(refusedBy(row), `${row.contract}.${row.fn}`).to.not.deep.equal([]);
      for (const caller of CALLERS) {
        expect(
          TABLE.some((row) => refusedBy(row).includes(caller)),
          caller,
        ).to.equal(true);
      }
    });
  });
});
