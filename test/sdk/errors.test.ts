import { expect } from "chai";
import hre from "hardhat";
import {
  type ErrorFragment,
  Interface,
  JsonRpcProvider,
  type ParamType,
  Wallet,
  ZeroAddress,
  ZeroHash,
  getAddress,
  keccak256,
  makeError,
  toBeHex,
} from "ethers";
import { loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { CRP, DAY } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import {
  CORPUS_DEPLOYMENTS,
  CORPUS_ERRORS,
  CorpusClient,
  CorpusContractError,
  CorpusError,
  CorpusInputError,
  CorpusRpcError,
  CorpusSignerRequiredError,
  CorpusUnknownChainError,
  CorpusUnknownRevertError,
  NO_LICENSE,
  type CorpusErrorArgs,
  type CorpusErrorName,
  type PostTaskInput,
  decodeRevert,
  hashJson,
  hashText,
  isCorpusContractError,
  toCorpusError,
} from "../../sdk/src";

// ─── Helpers ────────────────────────────────────────────────────────────────

/** The error `run` throws (or rejects with); fails the test if it succeeds. */
async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return expect.fail("expected the call to throw");
}

/** The interface of one table entry, and its fragment. */
function entryInterface(name: CorpusErrorName): { iface: Interface; fragment: ErrorFragment } {
  const iface = new Interface([CORPUS_ERRORS[name].signature]);
  const fragment = iface.getError(name);
  if (fragment === null) return expect.fail(`${CORPUS_ERRORS[name].signature} does not declare ${name}`);
  return { iface, fragment };
}

/** The revert data of the Corpus error `name` with `args` (by parameter name), encoded independently. */
function encodeCorpusError<Name extends CorpusErrorName>(name: Name, args: CorpusErrorArgs[Name]): string {
  const { iface, fragment } = entryInterface(name);
  const byName = args as Record<string, unknown>;
  return iface.encodeErrorResult(
    fragment,
    fragment.inputs.map((p) => byName[p.name]),
  );
}

/**
 * Asserts `error` is exactly the Corpus error `name` with `args`: the decoded fields, the table's
 * description and declaring contracts, and the raw data (re-encoded here from the table's signature).
 */
function expectCorpusError<Name extends CorpusErrorName>(
  error: unknown,
  name: Name,
  args: CorpusErrorArgs[Name],
): CorpusContractError<Name> {
  if (!isCorpusContractError(error, name)) return expect.fail(`expected ${name}, got ${String(error)}`);
  expect(error).to.be.instanceOf(CorpusError);
  expect(error.code).to.equal("CONTRACT_REVERT");
  expect(error.errorName).to.equal(name);
  expect(error.args).to.deep.equal(args);
  expect(error.description).to.equal(CORPUS_ERRORS[name].message);
  expect(error.contracts).to.deep.equal(CORPUS_ERRORS[name].contracts);
  expect(error.data.toLowerCase()).to.equal(encodeCorpusError(name, args));
  return error;
}

/**
 * Deterministic sample values for ABI parameters; every leaf drawn is different from the previous ones,
 * so two arguments swapped or dropped in decoding cannot go unnoticed. Integers use the top half of
 * their width (unsigned) or negative values (signed), so truncation or sign errors show too.
 */
class SampleValues {
  private counter = 0n;

  private draw(): bigint {
    this.counter += 1n;
    return this.counter;
  }

  /** `length` pseudo-random bytes as lowercase hex (how ethers decodes bytes). */
  private bytes(length: number): string {
    let block = toBeHex(this.draw(), 32);
    let hex = "";
    while (hex.length < 2 * length) {
      block = keccak256(block);
      hex += block.slice(2);
    }
    return `0x${hex.slice(0, 2 * length)}`;
  }

  /** A value ethers encodes for `param` (tuples as arrays). */
  of(param: ParamType): unknown {
    if (param.isArray()) {
      const length = param.arrayLength >= 0 ? param.arrayLength : 2;
      return Array.from({ length }, () => this.of(param.arrayChildren));
    }
    if (param.isTuple()) return param.components.map((component) => this.of(component));
    const type = param.type;
    const integer = /^(u?)int(\d+)$/.exec(type);
    if (integer !== null) {
      const half = 1n << (BigInt(integer[2] ?? "256") - 1n);
      const offset = this.draw() % (half - 1n);
      return integer[1] === "u" ? half + offset : -half + offset;
    }
    if (type === "address") return getAddress(this.bytes(20));
    if (type === "bool") return this.draw() % 2n === 0n;
    if (type === "string") return `sample ${this.draw()}: ünïcødé €`;
    if (type === "bytes") return this.bytes(Number(this.draw() % 40n) + 1);
    const fixed = /^bytes(\d+)$/.exec(type);
    if (fixed !== null) return this.bytes(Number(fixed[1]));
    return expect.fail(`no sample for ABI type ${type}`);
  }
}

/** What decodeRevert gives back for `value` of `param`: tuples as objects by component name. */
function decodedForm(param: ParamType, value: unknown): unknown {
  if (param.isArray()) return (value as unknown[]).map((v) => decodedForm(param.arrayChildren, v));
  if (param.isTuple()) {
    return Object.fromEntries(
      param.components.map((c, i) => [c.name || `arg${i}`, decodedForm(c, (value as unknown[])[i])]),
    );
  }
  return value;
}

/** Every scalar inside a decoded value. */
function leaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(leaves);
  return [value];
}

/** The contracts whose ABIs the SDK ships, i.e. whose errors the table must cover. */
const SDK_CONTRACTS = [
  "CorpusToken",
  "CorpusTimelock",
  "CorpusGovernor",
  "CorpusStaking",
  "CorpusTasks",
  "CorpusTasksLens",
  "CorpusDisputes",
  "CorpusData",
  "PrevrandaoRandomness",
  "IArbitrable",
  "IArbitrator",
  "Multicall3",
] as const;

/** A task that posts as is (see the control test); each validation case breaks one field of it. */
async function validTask(): Promise<PostTaskInput> {
  return {
    reward: 100n * CRP,
    slots: 2,
    deadline: (await time.latest()) + 7 * DAY,
    reviewWindow: DAY,
    panelSize: 3,
    quorum: 2,
    kind: "labeling",
    specUri: "ipfs://spec.json",
    specHash: hashJson({ labels: ["cat", "dog"] }),
  };
}

/** The registry's bounds, read from the contract itself (not through the SDK). */
async function registryBounds(f: SdkFixture) {
  const t = f.tasks;
  return {
    maxAmount: await t.MAX_AMOUNT(),
    maxSlots: await t.MAX_SLOTS(),
    maxTaskDuration: await t.MAX_TASK_DURATION(),
    minReviewWindow: await t.MIN_REVIEW_WINDOW(),
    maxReviewWindow: await t.MAX_REVIEW_WINDOW(),
    maxPanelSize: await t.MAX_PANEL_SIZE(),
    maxUriLength: await t.MAX_URI_LENGTH(),
    kindCount: await t.taskKindCount(),
  };
}
type Bounds = Awaited<ReturnType<typeof registryBounds>>;

/**
 * Runs `run`, which must throw, and checks nothing was sent: no block was mined (the in-process chain
 * automines every transaction), and `account`'s nonce, the task and submission counts are unchanged.
 */
async function expectNothingSent(f: SdkFixture, account: string, run: () => Promise<unknown>): Promise<unknown> {
  const provider = hre.ethers.provider;
  const state = async () => ({
    block: await provider.getBlockNumber(),
    nonce: await provider.getTransactionCount(account),
    tasks: await f.tasks.taskCount(),
    submissions: await f.tasks.submissionCount(),
  });
  const before = await state();
  const error = await caught(run);
  expect(await state()).to.deep.equal(before, "nothing may be sent");
  return error;
}

/** {@link expectNothingSent}, and the error is a {@link CorpusInputError} for `field`. */
async function expectRefusedBeforeSending(
  f: SdkFixture,
  account: string,
  field: string,
  run: () => Promise<unknown>,
): Promise<CorpusInputError> {
  const error = await expectNothingSent(f, account, run);
  if (!(error instanceof CorpusInputError)) return expect.fail(`expected a CorpusInputError, got ${String(error)}`);
  expect(error.code).to.equal("INVALID_INPUT");
  expect(error.field).to.equal(field, error.message);
  return error;
}

/** A string of exactly `bytes` UTF-8 bytes, mostly three-byte characters (far fewer characters than bytes). */
function utf8OfLength(bytes: number): string {
  const euros = Math.floor(bytes / 3);
  return "€".repeat(euros) + "a".repeat(bytes - 3 * euros);
}

/** A provider on a port nobody listens on: any request it makes fails. */
function deadProvider(network?: number): JsonRpcProvider {
  return new JsonRpcProvider("http://127.0.0.1:9", network, { staticNetwork: true });
}

// ─── 1. The error table ─────────────────────────────────────────────────────

describe("SDK errors", function () {
  describe("the generated error table", function () {
    const names = Object.keys(CORPUS_ERRORS) as CorpusErrorName[];

    it("has more than 150 errors, including each contract's own", function () {
      expect(names.length).to.be.greaterThan(150);
      const expected: [CorpusErrorName, string, string][] = [
        ["TasksInvalidReward", "CorpusTasks", "error TasksInvalidReward(uint256 reward, uint256 max)"],
        [
          "DisputesRevealMismatch",
          "CorpusDisputes",
          "error DisputesRevealMismatch(uint256 disputeId, uint256 round, address juror)",
        ],
        ["DataNothingToClaim", "CorpusData", "error DataNothingToClaim(address account)"],
        [
          "StakingThawNotMature",
          "CorpusStaking",
          "error StakingThawNotMature(address validator, uint256 thawEnd, uint256 currentTime)",
        ],
        [
          "ERC20InsufficientBalance",
          "CorpusToken",
          "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
        ],
        [
          "AccessControlUnauthorizedAccount",
          "CorpusTasks",
          "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
        ],
        [
          "CorpusGovernorQuorumOutOfBounds",
          "CorpusGovernor",
          "error CorpusGovernorQuorumOutOfBounds(uint256 quorumPercent, uint256 min, uint256 max)",
        ],
        [
          "CorpusTimelockDelayOutOfBounds",
          "CorpusTimelock",
          "error CorpusTimelockDelayOutOfBounds(uint256 delay, uint256 min, uint256 max)",
        ],
        [
          "RandomnessNotReady",
          "PrevrandaoRandomness",
          "error RandomnessNotReady(address requester, bytes32 request, uint256 readyBlock)",
        ],
        ["Multicall3CallFailed", "Multicall3", "error Multicall3CallFailed(uint256 index, bytes returnData)"],
      ];
      for (const [name, contract, signature] of expected) {
        const entry = CORPUS_ERRORS[name];
        expect(entry.signature).to.equal(signature, name);
        expect(entry.contracts).to.include(contract, name);
      }
      expect(CORPUS_ERRORS.TasksInvalidReward.message).to.equal("The reward is zero or too large.");
      expect(CORPUS_ERRORS.DisputesRevealMismatch.message).to.equal(
        "The vote and salt do not hash to the juror's commitment.",
      );
      expect(CORPUS_ERRORS.AccessControlUnauthorizedAccount.contracts).to.include.members([
        "CorpusData",
        "CorpusDisputes",
        "CorpusStaking",
        "CorpusTasks",
        "CorpusTimelock",
        "CorpusToken",
      ]);
    });

    it("is exactly the custom errors of the compiled contracts, each with who declares it", async function () {
      const declared = new Map<string, { selector: string; contracts: Set<string> }>();
      for (const contract of SDK_CONTRACTS) {
        const { abi } = await hre.artifacts.readArtifact(contract);
        new Interface(abi).forEachError((fragment) => {
          const seen = declared.get(fragment.name);
          if (seen === undefined) {
            declared.set(fragment.name, { selector: fragment.selector, contracts: new Set([contract]) });
          } else {
            expect(fragment.selector).to.equal(seen.selector, `${fragment.name} declared twice differently`);
            seen.contracts.add(contract);
          }
        });
      }
      expect([...declared.keys()].sort()).to.deep.equal([...names].sort());
      const selectors = new Set<string>();
      for (const name of names) {
        const { fragment } = entryInterface(name);
        const found = declared.get(name);
        if (found === undefined) return expect.fail(`${name} is declared by no contract`);
        expect(fragment.selector).to.equal(found.selector, `${name}'s signature`);
        expect([...CORPUS_ERRORS[name].contracts].sort()).to.deep.equal([...found.contracts].sort(), name);
        selectors.add(fragment.selector);
      }
      expect(selectors.size).to.equal(names.length, "no two errors share a selector");
    });

    it("explains every error Corpus itself declares with its NatSpec, not a placeholder", function () {
      const ours = names.filter((name) =>
        /^(Tasks|Disputes|Data|Staking|CorpusGovernor|CorpusTimelock|CorpusToken|Randomness|Multicall3|SortitionTree)/.test(
          name,
        ),
      );
      expect(ours.length).to.be.greaterThan(100);
      for (const name of ours) {
        const { message } = CORPUS_ERRORS[name];
        expect(message, name).to.not.equal(`${name}.`);
        expect(message.length, name).to.be.greaterThan(10);
      }
    });

    it("round-trips every entry through decodeRevert with its arguments by name", function () {
      const samples = new SampleValues();
      for (const name of names) {
        const { iface, fragment } = entryInterface(name);
        const values = fragment.inputs.map((p) => samples.of(p));
        const data = iface.encodeErrorResult(fragment, values);
        const decoded = decodeRevert(data);
        if (!(decoded instanceof CorpusContractError)) return expect.fail(`${name} decoded as ${decoded.message}`);
        const expected = Object.fromEntries(
          fragment.inputs.map((p, i) => [p.name || `arg${i}`, decodedForm(p, values[i])]),
        );
        expect(decoded.errorName).to.equal(name);
        expect(decoded.args).to.deep.equal(expected, name);
        expect(decoded.description).to.equal(CORPUS_ERRORS[name].message, name);
        expect(decoded.contracts).to.deep.equal(CORPUS_ERRORS[name].contracts, name);
        expect(decoded.data).to.equal(data, name);
        expect(decoded.name).to.equal("CorpusContractError");
        expect(decoded.message.startsWith(`${name}: ${CORPUS_ERRORS[name].message}`), decoded.message).to.be.true;
        if (fragment.inputs.length === 0) expect(decoded.message).to.equal(`${name}: ${CORPUS_ERRORS[name].message}`);
        for (const [key, value] of Object.entries(expected)) {
          expect(decoded.message).to.include(`${key}: `, name);
          for (const leaf of leaves(value)) expect(decoded.message).to.include(String(leaf), `${name}.${key}`);
        }
        // Upper-case hex is the same revert, and the data is kept as it came.
        const upperData = `0x${data.slice(2).toUpperCase()}`;
        const upper = decodeRevert(upperData);
        expect(upper).to.be.instanceOf(CorpusContractError);
        expect((upper as CorpusContractError).errorName).to.equal(name);
        expect(upper.data).to.equal(upperData);
      }
    });
  });

  // ─── 2. Real reverts through the client ─────────────────────────────────────

  describe("reverts through the client", function () {
    it("staking.withdraw with nothing thawing: StakingNothingThawing naming the caller", async function () {
      const f = await loadFixture(sdkFixture);
      const alice = await f.clientFor(f.alice);
      const error = await caught(() => alice.staking.withdraw());
      const e = expectCorpusError(error, "StakingNothingThawing", { validator: f.alice.address });
      const validator: string = e.args.validator;
      expect(validator).to.equal(f.alice.address);
      expect(e.message).to.include("StakingNothingThawing").and.to.include(f.alice.address);
      expect(e.cause, "the node's error is kept").to.not.equal(undefined);
      expect(isCorpusContractError(e, "StakingThawNotMature")).to.be.false;
      expect(isCorpusContractError(e)).to.be.true;
      if (isCorpusContractError(e, "StakingNothingThawing")) {
        // @ts-expect-error StakingNothingThawing has no thawEnd: the args are typed by the error's name.
        expect(e.args.thawEnd).to.equal(undefined);
      }
    });

    it("staking.withdraw before the thaw matures: StakingThawNotMature with its end and the time", async function () {
      const f = await loadFixture(sdkFixture);
      const validator = f.validators[0]!;
      const client = await f.clientFor(validator);
      const receipt = await client.staking.thaw(CRP);
      const thawedAt = BigInt((await receipt.getBlock()).timestamp);
      const [, unbondingPeriod] = await f.staking.parameters();
      await time.setNextBlockTimestamp(thawedAt + 100n);
      const error = await caught(() => client.staking.withdraw());
      if (!isCorpusContractError(error, "StakingThawNotMature")) return expect.fail(String(error));
      const thawEnd: bigint = error.args.thawEnd;
      const currentTime: bigint = error.args.currentTime;
      expect(thawEnd).to.equal(thawedAt + unbondingPeriod);
      expect(currentTime).to.equal(thawedAt + 100n);
      expectCorpusError(error, "StakingThawNotMature", {
        validator: validator.address,
        thawEnd: thawedAt + unbondingPeriod,
        currentTime: thawedAt + 100n,
      });
    });

    it("staking.thaw of more than is free: StakingInsufficientUnlockedStake with both amounts", async function () {
      const f = await loadFixture(sdkFixture);
      const validator = f.validators[1]!;
      const client = await f.clientFor(validator);
      const { free } = await client.staking.status(validator.address);
      expect(free).to.equal(50_000n * CRP);
      const error = await caught(() => client.staking.thaw(free + 1n));
      if (!isCorpusContractError(error, "StakingInsufficientUnlockedStake")) return expect.fail(String(error));
      const unlocked: bigint = error.args.unlocked;
      expect(unlocked).to.equal(free);
      expectCorpusError(error, "StakingInsufficientUnlockedStake", {
        validator: validator.address,
        unlocked: free,
        needed: free + 1n,
      });
    });

    it("disputes.withdraw with a zero balance: DisputesNothingToWithdraw naming the caller", async function () {
      const f = await loadFixture(sdkFixture);
      const bob = await f.clientFor(f.bob);
      expect(await bob.disputes.balanceOf(f.bob.address)).to.equal(0n);
      const error = await caught(() => bob.disputes.withdraw());
      if (!isCorpusContractError(error, "DisputesNothingToWithdraw")) return expect.fail(String(error));
      const account: string = error.args.account;
      expect(account).to.equal(f.bob.address);
      expectCorpusError(error, "DisputesNothingToWithdraw", { account: f.bob.address });
    });

    it("data.withdraw with no revenue: DataNothingToClaim naming the caller", async function () {
      const f = await loadFixture(sdkFixture);
      const carol = await f.clientFor(f.carol);
      const error = await caught(() => carol.data.withdraw());
      expectCorpusError(error, "DataNothingToClaim", { account: f.carol.address });
    });

    it("tasks.finalize of an unknown submission: TasksUnknownSubmission(999)", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.bob);
      const error = await caught(() => client.tasks.finalize(999n));
      if (!isCorpusContractError(error, "TasksUnknownSubmission")) return expect.fail(String(error));
      const submissionId: bigint = error.args.submissionId;
      expect(submissionId).to.equal(999n);
      expect(error.message).to.equal(
        `TasksUnknownSubmission: ${CORPUS_ERRORS.TasksUnknownSubmission.message} (submissionId: 999)`,
      );
      expectCorpusError(error, "TasksUnknownSubmission", { submissionId: 999n });
    });

    it("tasks.cancel by someone else: TasksNotRequester with the task and the caller", async function () {
      const f = await loadFixture(sdkFixture);
      const { taskId } = await (await f.clientFor(f.alice)).tasks.post(await validTask());
      const error = await caught(async () => (await f.clientFor(f.bob)).tasks.cancel(taskId));
      if (!isCorpusContractError(error, "TasksNotRequester")) return expect.fail(String(error));
      const caller: string = error.args.caller;
      expect(caller).to.equal(f.bob.address);
      expectCorpusError(error, "TasksNotRequester", { taskId, caller: f.bob.address });
    });

    it("token.transfer beyond the balance: ERC20InsufficientBalance (an OpenZeppelin error)", async function () {
      const f = await loadFixture(sdkFixture);
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(0n);
      const stranger = await f.clientFor(f.stranger);
      const error = await caught(() => stranger.token.transfer(f.alice.address, 5n));
      if (!isCorpusContractError(error, "ERC20InsufficientBalance")) return expect.fail(String(error));
      const needed: bigint = error.args.needed;
      expect(needed).to.equal(5n);
      expectCorpusError(error, "ERC20InsufficientBalance", { sender: f.stranger.address, balance: 0n, needed: 5n });
    });

    it("typed contracts wrapped by toCorpusError: TasksUnknownTask, TasksInvalidReward, access control", async function () {
      const f = await loadFixture(sdkFixture);
      const worker = await f.clientFor(f.bob);
      const submit = await caught(() => worker.contracts.CorpusTasks.submit(999n, hashText("labels"), "ipfs://work"));
      expect(submit).to.not.be.instanceOf(CorpusError, "a raw contract call throws the provider's error");
      const unknownTask = toCorpusError(submit);
      if (!isCorpusContractError(unknownTask, "TasksUnknownTask")) return expect.fail(String(unknownTask));
      const taskId: bigint = unknownTask.args.taskId;
      expect(taskId).to.equal(999n);
      expect(unknownTask.cause).to.equal(submit);
      expectCorpusError(unknownTask, "TasksUnknownTask", { taskId: 999n });

      // What the SDK would have refused, sent straight to the registry: the contract's own error.
      const alice = await f.clientFor(f.alice);
      const params = await validTask();
      const maxAmount = await f.tasks.MAX_AMOUNT();
      const create = await caught(() =>
        alice.contracts.CorpusTasks.createTask({
          token: f.addressBook.contracts.CorpusToken,
          reward: 0n,
          slots: params.slots,
          deadline: params.deadline as number,
          reviewWindow: params.reviewWindow,
          panelSize: params.panelSize,
          quorum: params.quorum,
          workerBond: 0n,
          kind: 0,
          specUri: params.specUri,
          specHash: params.specHash,
        }),
      );
      expectCorpusError(toCorpusError(create), "TasksInvalidReward", { reward: 0n, max: maxAmount });

      const denied = toCorpusError(
        await caught(() => alice.contracts.CorpusTasks.setTokenAllowed(f.addressBook.contracts.CorpusToken, false)),
      );
      if (!isCorpusContractError(denied, "AccessControlUnauthorizedAccount")) return expect.fail(String(denied));
      const neededRole: string = denied.args.neededRole;
      expect(neededRole).to.equal(ZeroHash, "DEFAULT_ADMIN_ROLE");
      expectCorpusError(denied, "AccessControlUnauthorizedAccount", { account: f.alice.address, neededRole: ZeroHash });
    });

    it("a signer that estimates gas learns of the revert before sending anything", async function () {
      const f = await loadFixture(sdkFixture);
      // Hardhat's own signers send with a fixed gas limit, so the node mines the reverting transaction;
      // an ethers Wallet estimates first, which is where a wallet's revert shows up.
      const wallet = Wallet.createRandom().connect(hre.ethers.provider);
      await setBalance(wallet.address, 10n ** 18n);
      const client = await f.clientFor(wallet);
      const block = await hre.ethers.provider.getBlockNumber();
      const error = await caught(() => client.staking.withdraw());
      expectCorpusError(error, "StakingNothingThawing", { validator: wallet.address });
      expect(await hre.ethers.provider.getTransactionCount(wallet.address)).to.equal(0);
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  // ─── 3. Reverts that are not Corpus errors ──────────────────────────────────

  describe("reverts that are not Corpus errors", function () {
    const standard = new Interface(["error Error(string)", "error Panic(uint256)"]);

    it("Error(string): an unknown revert whose reason is the string", function () {
      const data = standard.encodeErrorResult("Error", ["Ownable: caller is not the owner"]);
      const error = decodeRevert(data);
      if (!(error instanceof CorpusUnknownRevertError)) return expect.fail(error.message);
      expect(error.code).to.equal("UNKNOWN_REVERT");
      expect(error.reason).to.equal("Ownable: caller is not the owner");
      expect(error.data).to.equal(data);
      expect(error.message).to.equal("Reverted: Ownable: caller is not the owner");
    });

    it("Panic(uint256): the code and what it means", function () {
      const overflow = decodeRevert(standard.encodeErrorResult("Panic", [0x11]));
      if (!(overflow instanceof CorpusUnknownRevertError)) return expect.fail(overflow.message);
      expect(overflow.reason).to.include("0x11").and.to.include("overflow");
      const division = decodeRevert(standard.encodeErrorResult("Panic", [0x12]));
      expect((division as CorpusUnknownRevertError).reason)
        .to.include("0x12")
        .and.to.include("division");
      const unheardOf = decodeRevert(standard.encodeErrorResult("Panic", [0x99]));
      expect((unheardOf as CorpusUnknownRevertError).reason).to.include("0x99");
    });

    it("an undeclared selector (any ABI type): the data kept, no reason", function () {
      const iface = new Interface([
        "error Foreign(int24 delta, bool flag, bytes blob, bytes7 tag, string note, uint16[] list, (address who, uint8[2] pair)[] items)",
      ]);
      const fragment = iface.getError("Foreign");
      if (fragment === null) return expect.fail("no fragment");
      const samples = new SampleValues();
      const values = fragment.inputs.map((p) => samples.of(p));
      const data = iface.encodeErrorResult(fragment, values);
      // The samples are what ethers encodes and decodes back (the generator itself is sound).
      expect(iface.decodeErrorResult(fragment, data).toArray(true)).to.deep.equal(values);
      const error = decodeRevert(data);
      expect(error).to.be.instanceOf(CorpusUnknownRevertError);
      expect(error.data).to.equal(data);
      expect((error as CorpusUnknownRevertError).reason).to.equal(undefined);
      expect(error.message).to.equal(`Reverted with undeclared data ${data.slice(0, 74)}`);
    });

    it("a Corpus selector with data that does not decode: an unknown revert, not a wrong error", function () {
      const { fragment } = entryInterface("TasksInvalidReward");
      const truncated = `${fragment.selector}${toBeHex(5n, 32).slice(2)}`;
      const error = decodeRevert(truncated);
      expect(error).to.be.instanceOf(CorpusUnknownRevertError);
      expect(error.data).to.equal(truncated);
    });

    it("no data: an unknown revert with 0x, from decodeRevert and from a CALL_EXCEPTION", function () {
      const direct = decodeRevert("0x");
      expect(direct).to.be.instanceOf(CorpusUnknownRevertError);
      expect(direct.data).to.equal("0x");
      expect(direct.message).to.equal("Reverted with no data");

      const cause = makeError("execution reverted", "CALL_EXCEPTION", {
        action: "estimateGas",
        data: "0x",
        reason: null,
        transaction: { to: ZeroAddress, data: "0x" },
        invocation: null,
        revert: null,
      });
      const fromException = toCorpusError(cause);
      if (!(fromException instanceof CorpusUnknownRevertError)) return expect.fail(fromException.message);
      expect(fromException.data).to.equal("0x");
      expect(fromException.reason).to.equal(undefined);
      expect(fromException.cause).to.equal(cause);

      const noDataAtAll = makeError("missing revert data", "CALL_EXCEPTION", {
        action: "call",
        data: null,
        reason: null,
        transaction: { to: ZeroAddress, data: "0x" },
        invocation: null,
        revert: null,
      });
      const fromNull = toCorpusError(noDataAtAll);
      expect(fromNull).to.be.instanceOf(CorpusUnknownRevertError);
      expect((fromNull as CorpusUnknownRevertError).data).to.equal("0x");
    });

    it("keeps what it was given as the cause", function () {
      const cause = new Error("node said so");
      const error = decodeRevert(encodeCorpusError("TasksUnknownTask", { taskId: 3n }), cause);
      expect(error.cause).to.equal(cause);
      expect(decodeRevert("0xdeadbeef", cause).cause).to.equal(cause);
    });
  });

  // ─── 4. toCorpusError ───────────────────────────────────────────────────────

  describe("toCorpusError", function () {
    it("returns SDK errors unchanged", function () {
      const errors: CorpusError[] = [
        new CorpusInputError("reward", "must be positive", 0n),
        new CorpusSignerRequiredError("tasks.post"),
        decodeRevert(encodeCorpusError("TasksUnknownTask", { taskId: 1n })),
        new CorpusRpcError("boom", "TIMEOUT", { cause: null }),
        new CorpusUnknownRevertError("0x", undefined, { cause: null }),
      ];
      for (const error of errors) expect(toCorpusError(error)).to.equal(error);
    });

    it("RPC and wallet failures become CorpusRpcError with the code and the original kept", function () {
      for (const code of ["NETWORK_ERROR", "TIMEOUT", "ACTION_REJECTED", "SERVER_ERROR"] as const) {
        const cause = makeError(`the ${code} happened`, code as "NETWORK_ERROR");
        const error = toCorpusError(cause);
        if (!(error instanceof CorpusRpcError)) return expect.fail(`${code}: ${error.message}`);
        expect(error.code).to.equal("RPC_ERROR");
        expect(error.rpcCode).to.equal(code);
        expect(error.cause).to.equal(cause);
        expect(error.message).to.include(code).and.to.include(`the ${code} happened`);
      }
      const thrownString = toCorpusError("socket hang up");
      if (!(thrownString instanceof CorpusRpcError)) return expect.fail(thrownString.message);
      expect(thrownString.rpcCode).to.equal(undefined);
      expect(thrownString.cause).to.equal("socket hang up");
      expect(thrownString.message).to.include("socket hang up");
    });

    it("a node that cannot be reached: CorpusRpcError from connect and from reads, never swallowed", async function () {
      const f = await loadFixture(sdkFixture);
      const detecting = deadProvider();
      const fixed = deadProvider(31337);
      try {
        const connectError = await caught(() => CorpusClient.connect(detecting, { deployment: f.addressBook }));
        if (!(connectError instanceof CorpusRpcError)) return expect.fail(String(connectError));
        const cause = connectError.cause as { code?: unknown; message?: unknown } | undefined;
        expect(cause).to.be.instanceOf(Error);
        expect(connectError.rpcCode).to.be.a("string").and.to.equal(cause?.code);
        expect(connectError.message).to.include(String(cause?.message));

        const client = await CorpusClient.connect(fixed, { deployment: f.addressBook });
        const readError = await caught(() => client.tasks.count());
        if (!(readError instanceof CorpusRpcError)) return expect.fail(String(readError));
        expect(readError.cause).to.be.instanceOf(Error);
        expect(readError.rpcCode).to.equal((readError.cause as { code?: unknown }).code);
      } finally {
        detecting.destroy();
        fixed.destroy();
      }
    });

    it("finds revert data nested the way Hardhat and wallets nest it", function () {
      const data = encodeCorpusError("TasksUnknownTask", { taskId: 7n });
      const shapes: unknown[] = [
        Object.assign(new Error("reverted with custom error"), { data }),
        { error: { data } },
        { info: { error: { data } } },
        { error: { error: { data } } },
        { code: -32603, message: "Internal error", data: { data } },
        makeError("wrapped", "UNKNOWN_ERROR", { error: { code: 3, message: "execution reverted", data } }),
      ];
      for (const shape of shapes) {
        const error = toCorpusError(shape);
        const decoded = expectCorpusError(error, "TasksUnknownTask", { taskId: 7n });
        expect(decoded.cause).to.equal(shape);
      }
      // A revert that names no data at all is still a revert.
      const bare = toCorpusError(new Error("VM Exception while processing transaction: reverted"));
      expect(bare).to.be.instanceOf(CorpusUnknownRevertError);
      expect((bare as CorpusUnknownRevertError).data).to.equal("0x");
      // An Error(string) found nested keeps its reason.
      const reason = toCorpusError({
        info: { error: { data: new Interface(["error Error(string)"]).encodeErrorResult("Error", ["nope"]) } },
      });
      expect((reason as CorpusUnknownRevertError).reason).to.equal("nope");
    });
  });

  // ─── 5. Input validation before anything is sent ────────────────────────────

  describe("input validation before anything is sent", function () {
    const cases: [string, string, (task: PostTaskInput, b: Bounds, now: number) => Partial<PostTaskInput>][] = [
      ["a zero reward", "reward", () => ({ reward: 0n })],
      ["a reward above MAX_AMOUNT", "reward", (_, b) => ({ reward: b.maxAmount + 1n })],
      ["zero slots", "slots", () => ({ slots: 0 })],
      ["slots above MAX_SLOTS", "slots", (_, b) => ({ slots: b.maxSlots + 1n })],
      ["fractional slots", "slots", () => ({ slots: 1.5 })],
      ["a deadline now (not in the future)", "deadline", (_, __, now) => ({ deadline: now })],
      ["a deadline in the past", "deadline", (_, __, now) => ({ deadline: now - DAY })],
      ["a Date in the past", "deadline", (_, __, now) => ({ deadline: new Date((now - DAY) * 1000) })],
      ["an invalid Date", "deadline", () => ({ deadline: new Date(Number.NaN) })],
      [
        "a deadline beyond MAX_TASK_DURATION",
        "deadline",
        (_, b, now) => ({ deadline: BigInt(now) + b.maxTaskDuration + 1n }),
      ],
      ["a review window below the minimum", "reviewWindow", (_, b) => ({ reviewWindow: b.minReviewWindow - 1n })],
      ["a review window above the maximum", "reviewWindow", (_, b) => ({ reviewWindow: b.maxReviewWindow + 1n })],
      ["an even panel", "panelSize", () => ({ panelSize: 4, quorum: 3 })],
      ["an empty panel", "panelSize", () => ({ panelSize: 0, quorum: 0 })],
      [
        "a panel above the maximum",
        "panelSize",
        (_, b) => {
          const odd = b.maxPanelSize % 2n === 0n ? b.maxPanelSize + 1n : b.maxPanelSize + 2n;
          return { panelSize: odd, quorum: odd };
        },
      ],
      ["a quorum that is not a majority", "quorum", () => ({ panelSize: 3, quorum: 1 })],
      ["a quorum larger than the panel", "quorum", () => ({ panelSize: 3, quorum: 4 })],
      ["a worker bond above MAX_AMOUNT", "workerBond", (_, b) => ({ workerBond: b.maxAmount + 1n })],
      ["an unknown kind name", "kind", () => ({ kind: "painting" as PostTaskInput["kind"] })],
      ["a kind index past the registry's kinds", "kind", (_, b) => ({ kind: b.kindCount })],
      ["a negative kind", "kind", () => ({ kind: -1 })],
      ["an empty spec URI", "specUri", () => ({ specUri: "" })],
      ["a spec URI over MAX_URI_LENGTH", "specUri", (_, b) => ({ specUri: "x".repeat(Number(b.maxUriLength) + 1) })],
      [
        "a spec URI over MAX_URI_LENGTH in UTF-8 bytes (not characters)",
        "specUri",
        (_, b) => ({ specUri: `${utf8OfLength(Number(b.maxUriLength))}x` }),
      ],
      ["a zero spec hash", "specHash", () => ({ specHash: ZeroHash })],
      ["a short spec hash", "specHash", () => ({ specHash: "0x1234" })],
      ["a spec hash without 0x", "specHash", (t) => ({ specHash: t.specHash.slice(2) })],
      ["a token not on the allowlist", "token", () => ({ token: getAddress(keccak256("0x01").slice(0, 42)) })],
      ["the zero address as token", "token", () => ({ token: ZeroAddress })],
      ["a token that is not an address", "token", () => ({ token: "CRP" })],
    ];

    for (const [label, field, breakIt] of cases) {
      it(`tasks.post refuses ${label} (field ${field})`, async function () {
        const f = await loadFixture(sdkFixture);
        const client = await f.clientFor(f.alice);
        const task = await validTask();
        const input = { ...task, ...breakIt(task, await registryBounds(f), await time.latest()) };
        await expectRefusedBeforeSending(f, f.alice.address, field, () => client.tasks.post(input));
      });
    }

    it("control: the valid task posts, and so do tasks at every bound", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const b = await registryBounds(f);
      expect((await client.tasks.post(await validTask())).taskId).to.equal(1n);
      const now = BigInt(await time.latest());
      const atMaxima = await client.tasks.post({
        ...(await validTask()),
        reward: 1n,
        slots: b.maxSlots,
        deadline: now + b.maxTaskDuration,
        reviewWindow: b.maxReviewWindow,
        panelSize: b.maxPanelSize,
        quorum: b.maxPanelSize,
        workerBond: b.maxAmount,
        kind: b.kindCount - 1n,
        specUri: utf8OfLength(Number(b.maxUriLength)),
      });
      expect(atMaxima.taskId).to.equal(2n);
      expect((await client.tasks.get(2n)).workerBond).to.equal(b.maxAmount);
      // The earliest deadline the registry takes is one second after the block the task is created in.
      const latest = await time.latest();
      await time.setNextBlockTimestamp(latest + 1);
      const atMinima = await client.tasks.post({
        ...(await validTask()),
        slots: 1,
        deadline: latest + 2,
        reviewWindow: b.minReviewWindow,
        panelSize: 1,
        quorum: 1,
        kind: 0,
        specUri: "x",
      });
      expect(atMinima.taskId).to.equal(3n);
    });

    it("tasks.post refuses a reward so large the escrow computation overflows (field reward)", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      await expectRefusedBeforeSending(f, f.alice.address, "reward", async () =>
        client.tasks.post({ ...(await validTask()), reward: 2n ** 250n }),
      );
    });

    it("tasks.post refuses a deadline one second after the latest block (field deadline)", async function () {
      const f = await loadFixture(sdkFixture);
      const client = await f.clientFor(f.alice);
      const latest = await time.latest();
      await expectRefusedBeforeSending(f, f.alice.address, "deadline", async () =>
        client.tasks.post({ ...(await validTask()), deadline: latest + 1 }),
      );
    });

    it("tasks.post refuses a requester whose balance is short by one wei (field balance)", async function () {
      const f = await loadFixture(sdkFixture);
      const task = await validTask();
      const [escrow] = await f.tasks.escrowFor(task.reward, task.slots);
      const stranger = await f.clientFor(f.stranger);
      await expectRefusedBeforeSending(f, f.stranger.address, "balance", () => stranger.tasks.post(task));
      await f.token.connect(f.alice).transfer(f.stranger.address, escrow - 1n);
      const refused = await expectRefusedBeforeSending(f, f.stranger.address, "balance", () =>
        stranger.tasks.post(task),
      );
      expect(refused.message)
        .to.include(String(escrow - 1n))
        .and.to.include(String(escrow));
      // One more wei and the same task posts.
      await f.token.connect(f.alice).transfer(f.stranger.address, 1n);
      const { taskId, escrow: paid } = await stranger.tasks.post(task);
      expect(taskId).to.equal(1n);
      expect(paid).to.equal(escrow);
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(0n);
    });

    it("a fresh wallet with no CRP is refused on balance, nothing sent", async function () {
      const f = await loadFixture(sdkFixture);
      const wallet = Wallet.createRandom().connect(hre.ethers.provider);
      const client = await f.clientFor(wallet);
      await expectRefusedBeforeSending(f, wallet.address, "balance", async () => client.tasks.post(await validTask()));
      await expectRefusedBeforeSending(f, wallet.address, "balance", () => client.staking.stake(CRP));
    });

    it("tasks.submit refuses a zero content hash, an empty URI and an unknown task, sending nothing", async function () {
      const f = await loadFixture(sdkFixture);
      const { taskId } = await (await f.clientFor(f.alice)).tasks.post(await validTask());
      const worker = await f.clientFor(f.bob);
      const work = { contentHash: hashText("labels"), uri: "ipfs://work" };
      await expectRefusedBeforeSending(f, f.bob.address, "contentHash", () =>
        worker.tasks.submit(taskId, { ...work, contentHash: ZeroHash }),
      );
      await expectRefusedBeforeSending(f, f.bob.address, "uri", () =>
        worker.tasks.submit(taskId, { ...work, uri: "" }),
      );
      // An unknown task: the registry's own error from reading it, before anything is sent.
      const unknown = await expectNothingSent(f, f.bob.address, () => worker.tasks.submit(taskId + 1n, work));
      expectCorpusError(unknown, "TasksUnknownTask", { taskId: taskId + 1n });
      // Control: the same work submits.
      expect((await worker.tasks.submit(taskId, work)).submissionId).to.equal(1n);
    });

    it("token.transfer refuses the zero address and a zero amount; staking.stake a zero amount", async function () {
      const f = await loadFixture(sdkFixture);
      const alice = await f.clientFor(f.alice);
      await expectRefusedBeforeSending(f, f.alice.address, "to", () => alice.token.transfer(ZeroAddress, CRP));
      await expectRefusedBeforeSending(f, f.alice.address, "to", () => alice.token.transfer("0x1234", CRP));
      await expectRefusedBeforeSending(f, f.alice.address, "amount", () => alice.token.transfer(f.bob.address, 0n));
      await expectRefusedBeforeSending(f, f.alice.address, "spender", () => alice.token.approve(ZeroAddress, CRP));
      await expectRefusedBeforeSending(f, f.alice.address, "amount", () => alice.staking.stake(0n));
      // Control: a real transfer goes through.
      const before = await f.token.balanceOf(f.bob.address);
      await alice.token.transfer(f.bob.address, CRP);
      expect((await f.token.balanceOf(f.bob.address)) - before).to.equal(CRP);
    });
  });

  // ─── 6. A client without a signer ───────────────────────────────────────────

  describe("a provider-only client", function () {
    it("refuses every write with CorpusSignerRequiredError naming it, before any request", async function () {
      const f = await loadFixture(sdkFixture);
      // Every request this provider makes fails: a write that reached the network first would surface
      // as a CorpusRpcError, not as CorpusSignerRequiredError.
      const provider = deadProvider(31337);
      try {
        const client = await CorpusClient.connect(provider, { deployment: f.addressBook });
        expect(client.signer).to.equal(undefined);
        expect(await caught(() => client.tasks.count())).to.be.instanceOf(CorpusRpcError);

        const task = await validTask();
        const hash = hashText("content");
        const proposal = client.governance.encode({
          description: "Read the task count",
          actions: [{ contract: "CorpusTasks", function: "taskCount" }],
        });
        const writes: [string, () => Promise<unknown>][] = [
          ["token.transfer", () => client.token.transfer(f.bob.address, 1n)],
          ["token.approve", () => client.token.approve(f.bob.address, 1n)],
          ["token.delegate", () => client.token.delegate(f.bob.address)],
          ["token.signPermit", () => client.token.signPermit(f.bob.address, 1n, 1n)],
          ["staking.stake", () => client.staking.stake(CRP)],
          ["staking.thaw", () => client.staking.thaw(CRP)],
          ["staking.withdraw", () => client.staking.withdraw()],
          ["staking.register", () => client.staking.register("https://validator.example")],
          ["tasks.post", () => client.tasks.post(task)],
          ["tasks.submit", () => client.tasks.submit(1n, { contentHash: hash, uri: "ipfs://w" })],
          ["tasks.drawPanel", () => client.tasks.drawPanel(1n)],
          ["tasks.attest", () => client.tasks.attest(1n, true)],
          ["tasks.finalize", () => client.tasks.finalize(1n)],
          ["tasks.dispute", () => client.tasks.dispute(1n)],
          ["tasks.cancel", () => client.tasks.cancel(1n)],
          ["tasks.withdraw", () => client.tasks.withdraw()],
          ["disputes.drawJury", () => client.disputes.drawJury(1n)],
          ["disputes.submitEvidence", () => client.disputes.submitEvidence(1n, "ipfs://e", hash)],
          ["disputes.commit", () => client.disputes.commit(1n, 1n)],
          ["disputes.reveal", () => client.disputes.reveal(1n)],
          ["disputes.appeal", () => client.disputes.appeal(1n)],
          ["disputes.executeRuling", () => client.disputes.executeRuling(1n)],
          ["disputes.settleRound", () => client.disputes.settleRound(1n, 0n)],
          ["disputes.withdraw", () => client.disputes.withdraw()],
          [
            "data.mint",
            () =>
              client.data.mint({
                taskIds: [1n],
                parents: [],
                contentHash: hash,
                metadataUri: "ipfs://m",
                contributorShareBps: 5000,
                parentShareBps: 0,
                license: NO_LICENSE,
              }),
          ],
          ["data.publishVersion", () => client.data.publishVersion(1n, hash, "ipfs://v2")],
          ["data.setLicense", () => client.data.setLicense(1n, NO_LICENSE)],
          ["data.buyLicense", () => client.data.buyLicense(1n)],
          ["data.signAccessRequest", () => client.data.signAccessRequest(1n, "https://data.example")],
          ["data.claimAll", () => client.data.claimAll([1n])],
          ["data.withdraw", () => client.data.withdraw()],
          ["governance.propose", () => client.governance.propose(proposal)],
          ["governance.vote", () => client.governance.vote(proposal, "for")],
          ["governance.queue", () => client.governance.queue(proposal)],
          ["governance.execute", () => client.governance.execute(proposal)],
        ];
        for (const [operation, write] of writes) {
          const error = await caught(write);
          if (!(error instanceof CorpusSignerRequiredError)) return expect.fail(`${operation}: ${String(error)}`);
          expect(error.code).to.equal("SIGNER_REQUIRED");
          expect(error.operation).to.equal(operation);
          expect(error.message).to.include(operation);
        }
      } finally {
        provider.destroy();
      }
    });
  });

  // ─── 7. CorpusClient.connect ────────────────────────────────────────────────

  describe("CorpusClient.connect", function () {
    it("without a deployment on a chain none is recorded for: CorpusUnknownChainError(31337)", async function () {
      const error = await caught(() => CorpusClient.connect(hre.ethers.provider));
      if (!(error instanceof CorpusUnknownChainError)) return expect.fail(String(error));
      expect(error.code).to.equal("UNKNOWN_CHAIN");
      expect(error.chainId).to.equal(31337n);
      expect(error.knownChainIds).to.deep.equal(CORPUS_DEPLOYMENTS.map((d) => d.chainId));
      expect(error.message).to.include("31337");
    });

    it("with a deployment for another chain: CorpusInputError on deployment", async function () {
      const f = await loadFixture(sdkFixture);
      const error = await caught(() => CorpusClient.connect(f.alice, { deployment: { ...f.addressBook, chainId: 1 } }));
      if (!(error instanceof CorpusInputError)) return expect.fail(String(error));
      expect(error.field).to.equal("deployment");
      expect(error.message).to.include("31337");
    });

    it("refuses confirmations that are not a positive integer, and a signer with no provider", async function () {
      const f = await loadFixture(sdkFixture);
      for (const confirmations of [0, -1, 1.5]) {
        const error = await caught(() => f.clientFor(f.alice, { confirmations }));
        if (!(error instanceof CorpusInputError)) return expect.fail(`${confirmations}: ${String(error)}`);
        expect(error.field).to.equal("confirmations");
        expect(error.value).to.equal(confirmations);
      }
      const detached = await caught(() => CorpusClient.connect(Wallet.createRandom(), { deployment: f.addressBook }));
      if (!(detached instanceof CorpusInputError)) return expect.fail(String(detached));
      expect(detached.field).to.equal("runner");
      // Control: the same options with 2 confirmations connect.
      const client = await f.clientFor(f.alice, { confirmations: 2 });
      expect(client.chainId).to.equal(31337n);
    });
  });
});
