import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress, id } from "ethers";
import { asAccount } from "../../scripts/lib/impersonate";
import { defaultTaskParams, drawPanelWhenReady, postTask, submitWork } from "../../scripts/lib/tasks-setup";
import { DAY } from "../helpers/fixtures";
import {
  CONTRIBUTOR_FLOOR_BPS,
  PRICE,
  PROTOCOL_FEE_BPS,
  type DataFixture,
  buyLicense,
  crpOffer,
  dataFixture,
  expectDataSolvent,
  finishedTask,
  mintData,
  mintParams,
} from "../helpers/data";

const BPS = 10_000n;
/** Longer than the registry's dispute window (2 days): a provisional verdict can be finalized. */
const PAST_DISPUTE_WINDOW = 2 * DAY + 1;

/** Any fixture of this file: the data fixture (`tasks` is the task registry, `taskIds` its tasks A–E). */
type Fixture = DataFixture;

/**
 * `worker` submits to `taskId` and the whole panel attests `accept`; the submission is then provisional
 * (still pending in the registry) until someone finalizes it after the dispute window.
 */
async function reviewed(c: Fixture, worker: HardhatEthersSigner, taskId: bigint, accept: boolean) {
  const submissionId = await submitWork(c, worker, taskId, `task-${taskId}-${worker.address}-${Date.now()}.json`);
  const panel = await drawPanelWhenReady(c, submissionId);
  for (const [seat, member] of panel.entries()) {
    await asAccount(member, async (s) =>
      (await c.tasks.connect(s).attest(submissionId, seat, accept, id(accept ? "ok" : "junk"))).wait(),
    );
  }
  return submissionId;
}

/** Posts a task of frank's with `slots` slots and a deadline a week away; returns its id and deadline. */
async function openTask(c: Fixture, slots: bigint) {
  const deadline = BigInt(await time.latest()) + 7n * BigInt(DAY);
  const taskId = await postTask(c, c.frank, await defaultTaskParams(c, { slots, deadline }));
  return { taskId, deadline };
}

/** What a rejected mint must leave untouched: the token count, which token each task backs, NFT balances. */
async function mintState(c: Fixture, taskIds: bigint[]) {
  return {
    tokenCount: await c.data.tokenCount(),
    tokenOfTask: await Promise.all(taskIds.map((t) => c.data.tokenOfTask(t))),
    nfts: await Promise.all([c.frank, c.alice, c.stranger].map((s) => c.data.balanceOf(s.address))),
  };
}

/**
 * The data fixture plus 32 tasks of frank's that are finished with nothing accepted (posted and cancelled at
 * once: cheap filler for the task-count bound), and a task of his whose only submission (carol's) was rejected.
 */
async function manyTasksFixture() {
  const c = await loadFixture(dataFixture);
  const empty: bigint[] = [];
  for (let i = 0; i < 32; i++) {
    const taskId = await postTask(c, c.frank, await defaultTaskParams(c, { slots: 1n }));
    await (await c.tasks.connect(c.frank).cancelTask(taskId)).wait();
    empty.push(taskId);
  }
  const rejectedOnly = await finishedTask(c, c.frank, [], [c.carol]);
  return { ...c, empty, rejectedOnly };
}

/** The data fixture plus four more finished tasks of frank's, one accepted submission each (bob, carol, dave, erin). */
async function lineageFixture() {
  const c = await loadFixture(dataFixture);
  const more: bigint[] = [];
  for (const worker of [c.bob, c.carol, c.dave, c.erin]) more.push(await finishedTask(c, c.frank, [worker]));
  return { ...c, more };
}

describe("CorpusData: minting from finished tasks", () => {
  describe("the smoke scenario", () => {
    it("mints from four tasks with shares derived from the registry, sells a licence, and contributors claim", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B, C, D } = c.taskIds;
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

  describe("contributor units come from the registry", () => {
    it("gives each worker exactly its accepted submissions in the linked tasks, summed across them", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      // A task where bob is accepted twice and heidi rejected: accepted submissions, not workers, are units.
      const { taskId: T } = await openTask(c, 3n);
      const first = await reviewed(c, c.bob, T, true);
      const junk = await reviewed(c, c.heidi, T, false);
      await time.increase(PAST_DISPUTE_WINDOW);
      await (await c.tasks.finalize(first)).wait();
      await (await c.tasks.finalize(junk)).wait();
      const second = await reviewed(c, c.bob, T, true);
      await time.increase(PAST_DISPUTE_WINDOW);
      await (await c.tasks.finalize(second)).wait();
      await (await c.tasks.connect(c.frank).cancelTask(T)).wait();
      expect(await c.tasks.acceptedCount(T, c.bob.address)).to.equal(2n);

      const tokenId = await mintData(c, c.frank, mintParams([A, B, T]));
      // A: bob, carol, dave; B: bob, erin (carol rejected); T: bob twice (heidi rejected). D and E not linked.
      const expected = new Map<HardhatEthersSigner, bigint>([
        [c.bob, 4n],
        [c.carol, 1n],
        [c.dave, 1n],
        [c.erin, 1n],
        [c.heidi, 0n],
        [c.grace, 0n],
        [c.frank, 0n],
        [c.stranger, 0n],
      ]);
      for (const [worker, units] of expected) {
        let registry = 0n;
        for (const task of [A, B, T]) registry += await c.tasks.acceptedCount(task, worker.address);
        expect(registry, `registry count of ${worker.address}`).to.equal(units);
        expect(await c.data.unitsOf(tokenId, worker.address), `units of ${worker.address}`).to.equal(units);
      }
      expect((await c.data.getData(tokenId)).totalUnits).to.equal(7n);
    });

    it("gives a worker rejected in every linked task no units, and outsiders none", async () => {
      const c = await loadFixture(dataFixture);
      const tokenId = await mintData(c, c.frank, mintParams([c.taskIds.B]));
      expect((await c.data.getData(tokenId)).totalUnits).to.equal(2n);
      expect(await c.data.unitsOf(tokenId, c.bob.address)).to.equal(1n);
      expect(await c.data.unitsOf(tokenId, c.erin.address)).to.equal(1n);
      // carol's submission in B was rejected; dave worked on A and D only; grace on alice's task.
      for (const outsider of [c.carol, c.dave, c.grace, c.heidi, c.frank, c.stranger]) {
        expect(await c.data.unitsOf(tokenId, outsider.address)).to.equal(0n);
      }
    });

    it("takes no list of contributors from the minter: the mint parameters name none", async () => {
      const c = await loadFixture(dataFixture);
      const [params] = c.data.interface.getFunction("mint").inputs;
      expect(params?.components?.map((p) => `${p.type} ${p.name}`)).to.deep.equal([
        "uint256[] taskIds",
        "uint256[] parents",
        "bytes32 contentHash",
        "string metadataUri",
        "uint256 contributorShareBps",
        "uint256 parentShareBps",
        "tuple license",
      ]);
    });

    for (const share of [CONTRIBUTOR_FLOOR_BPS, 3_000n, 9_000n]) {
      it(`with a contributor share of ${share} bps, pays the same contributors in the same proportions`, async () => {
        const c = await loadFixture(dataFixture);
        const { A, B, C, D } = c.taskIds;
        const crp = await c.token.getAddress();
        const tokenId = await mintData(c, c.frank, mintParams([A, B, C, D], { contributorShareBps: share }));
        const view = await c.data.getData(tokenId);
        expect(view.totalUnits).to.equal(8n);
        expect(view.contributorShareBps).to.equal(share);
        for (const worker of c.contributors) expect(await c.data.unitsOf(tokenId, worker.address)).to.equal(2n);

        await (await c.data.connect(c.frank).setLicense(tokenId, await crpOffer(c, PRICE))).wait();
        await (await buyLicense(c, c.heidi, tokenId)).wait();
        // 1,000 CRP × share over 8 units divides evenly for these shares: no dust.
        const pool = (PRICE * share) / BPS;
        const fee = (PRICE * PROTOCOL_FEE_BPS) / BPS;
        expect(await c.data.revenuePerUnit(tokenId, crp)).to.equal(pool / 8n);
        for (const worker of c.contributors) {
          expect(await c.data.claimable(tokenId, crp, worker.address)).to.equal(pool / 4n);
        }
        for (const outsider of [c.grace, c.heidi, c.frank, c.stranger]) {
          expect(await c.data.claimable(tokenId, crp, outsider.address)).to.equal(0n);
        }
        expect(await c.data.revenueOf(crp, c.frank.address)).to.equal(PRICE - fee - pool);
        await expectDataSolvent(c, `at a ${share} bps share`);
      });
    }
  });

  describe("a successful mint", () => {
    it("emits DataMinted and VersionPublished with every argument, and records the token", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B, C, D, E } = c.taskIds;
      // Out of id order on purpose: the token keeps the order the minter gave.
      const taskIds = [D, A, C, B];
      const params = mintParams(taskIds, { contentHash: id("v0"), metadataUri: "ipfs://v0.json" });
      const tx = c.data.connect(c.frank).mint(params);
      await expect(tx)
        .to.emit(c.data, "DataMinted")
        .withArgs(1n, c.frank.address, taskIds, [], id("v0"), "ipfs://v0.json", 8n, 3_000n, 0n);
      await expect(tx).to.emit(c.data, "VersionPublished").withArgs(1n, 0n, id("v0"), "ipfs://v0.json");
      await expect(tx).to.emit(c.data, "Transfer").withArgs(ZeroAddress, c.frank.address, 1n);

      expect(await c.data.tokenCount()).to.equal(1n);
      expect(await c.data.ownerOf(1n)).to.equal(c.frank.address);
      expect(await c.data.balanceOf(c.frank.address)).to.equal(1n);
      for (const task of taskIds) expect(await c.data.tokenOfTask(task)).to.equal(1n);
      expect(await c.data.tokenOfTask(E)).to.equal(0n);
      const view = await c.data.getData(1n);
      expect(view.owner).to.equal(c.frank.address);
      expect(view.taskIds).to.deep.equal(taskIds);
      expect(view.parents).to.deep.equal([]);
      expect(view.totalUnits).to.equal(8n);
      expect(view.contributorShareBps).to.equal(3_000n);
      expect(view.parentShareBps).to.equal(0n);
      expect(view.versionCount).to.equal(1n);
      expect(view.license.duration).to.equal(0n);
      expect(view.license.price).to.equal(0n);
      expect(await c.data.versionOf(1n, 0n)).to.deep.equal([id("v0"), "ipfs://v0.json"]);
      expect(await c.data.tokenURI(1n)).to.equal("ipfs://v0.json");
    });

    it("links 32 tasks (the most) and returns them in order across storage words", async () => {
      const c = await loadFixture(manyTasksFixture);
      // 31 empty tasks around task A: only A's three accepted submissions count.
      const taskIds = [...c.empty.slice(0, 20), c.taskIds.A, ...c.empty.slice(20, 31)];
      expect(taskIds.length).to.equal(32);
      await expect(c.data.connect(c.frank).mint(mintParams(taskIds)))
        .to.emit(c.data, "DataMinted")
        .withArgs(
          1n,
          c.frank.address,
          taskIds,
          [],
          mintParams(taskIds).contentHash,
          mintParams(taskIds).metadataUri,
          3n,
          3_000n,
          0n,
        );
      const view = await c.data.getData(1n);
      expect(view.taskIds).to.deep.equal(taskIds);
      expect(view.totalUnits).to.equal(3n);
      for (const task of taskIds) expect(await c.data.tokenOfTask(task)).to.equal(1n);
      for (const worker of [c.bob, c.carol, c.dave]) expect(await c.data.unitsOf(1n, worker.address)).to.equal(1n);
    });

    it("names up to 8 parents, anyone's tokens, and returns them in the order given", async () => {
      const c = await loadFixture(lineageFixture);
      const { A, B, C, D, E } = c.taskIds;
      const [X1, X2, X3, X4] = c.more as [bigint, bigint, bigint, bigint];
      for (const task of [A, B, C, D, X1, X2, X3]) await mintData(c, c.frank, mintParams([task]));
      await mintData(c, c.alice, mintParams([E])); // token 8, alice's
      const parents = [8n, 3n, 1n, 7n, 2n, 6n, 4n, 5n];
      const params = mintParams([X4], { parents, contributorShareBps: 2_000n, parentShareBps: 7_000n });
      await expect(c.data.connect(c.frank).mint(params))
        .to.emit(c.data, "DataMinted")
        .withArgs(9n, c.frank.address, [X4], parents, params.contentHash, params.metadataUri, 1n, 2_000n, 7_000n);
      const view = await c.data.getData(9n);
      expect(view.parents).to.deep.equal(parents);
      expect(view.taskIds).to.deep.equal([X4]);
      expect(view.contributorShareBps).to.equal(2_000n);
      expect(view.parentShareBps).to.equal(7_000n);
    });
  });

  describe("licence terms at mint", () => {
    it("a mint can carry its licence offer: readable at once, LicenseOffered emitted, buyable in the next transaction", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      const offer = await crpOffer(c, PRICE, 30);
      const tx = c.data.connect(c.frank).mint(mintParams([A, B], { license: offer }));
      await expect(tx)
        .to.emit(c.data, "LicenseOffered")
        .withArgs(1n, offer.token, offer.price, offer.duration, offer.termsHash, offer.termsUri);
      const { license } = await c.data.getData(1n);
      expect([license.token, license.price, license.duration, license.termsHash, license.termsUri]).to.deep.equal([
        offer.token,
        offer.price,
        offer.duration,
        offer.termsHash,
        offer.termsUri,
      ]);
      await (await buyLicense(c, c.heidi, 1n)).wait();
      expect(await c.data.hasLicense(1n, c.heidi.address)).to.equal(true);
    });

    it("without terms (duration 0) nothing is on offer and no LicenseOffered is emitted", async () => {
      const c = await loadFixture(dataFixture);
      const tx = c.data.connect(c.frank).mint(mintParams([c.taskIds.A]));
      await expect(tx).to.not.emit(c.data, "LicenseOffered");
      expect((await c.data.getData(1n)).license.duration).to.equal(0n);
    });

    it("terms in a token that is not allowed, or longer than the longest licence, revert and mint nothing", async () => {
      const c = await loadFixture(dataFixture);
      const { A } = c.taskIds;
      const before = await mintState(c, [A]);
      const offer = await crpOffer(c, PRICE, 30);
      await expect(c.data.connect(c.frank).mint(mintParams([A], { license: { ...offer, token: c.stranger.address } })))
        .to.be.revertedWithCustomError(c.data, "DataTokenNotAllowed")
        .withArgs(c.stranger.address);
      const tooLong = (await c.data.MAX_LICENSE_DURATION()) + 1n;
      await expect(c.data.connect(c.frank).mint(mintParams([A], { license: { ...offer, duration: tooLong } })))
        .to.be.revertedWithCustomError(c.data, "DataInvalidDuration")
        .withArgs(tooLong, tooLong - 1n);
      expect(await mintState(c, [A])).to.deep.equal(before);
    });
  });

  describe("which tasks are finished", () => {
    it("mints a task whose every slot is accepted, though it is neither cancelled nor past its deadline", async () => {
      const c = await loadFixture(dataFixture);
      const task = await c.tasks.getTask(c.taskIds.A);
      expect(task.cancelled).to.equal(false);
      expect(task.accepted).to.equal(task.slots);
      expect(task.pending).to.equal(0n);
      expect(task.deadline).to.be.greaterThan(BigInt(await time.latest()));
      await expect(c.data.connect(c.frank).mint(mintParams([c.taskIds.A]))).to.emit(c.data, "DataMinted");
      expect(await c.data.tokenOfTask(c.taskIds.A)).to.equal(1n);
    });

    it("mints a cancelled task with nothing pending, though slots are left", async () => {
      const c = await loadFixture(dataFixture);
      const task = await c.tasks.getTask(c.taskIds.B);
      expect(task.cancelled).to.equal(true);
      expect(task.accepted).to.be.lessThan(task.slots);
      expect(task.pending).to.equal(0n);
      await expect(c.data.connect(c.frank).mint(mintParams([c.taskIds.B]))).to.emit(c.data, "DataMinted");
      expect(await c.data.tokenOfTask(c.taskIds.B)).to.equal(1n);
    });

    it("refuses an open task with a free slot up to its deadline, and mints it the second after", async () => {
      const c = await loadFixture(dataFixture);
      const { A } = c.taskIds;
      const { taskId: T, deadline } = await openTask(c, 2n);
      const submission = await reviewed(c, c.bob, T, true);
      await time.increase(PAST_DISPUTE_WINDOW);
      await (await c.tasks.finalize(submission)).wait();
      const task = await c.tasks.getTask(T);
      expect([task.accepted, task.pending, task.cancelled]).to.deep.equal([1n, 0n, false]);

      const before = await mintState(c, [A, T]);
      await expect(c.data.connect(c.frank).mint(mintParams([A, T])))
        .to.be.revertedWithCustomError(c.data, "DataTaskNotFinished")
        .withArgs(T);
      expect(await mintState(c, [A, T])).to.deep.equal(before);
      // At the deadline itself the registry still takes submissions.
      await time.setNextBlockTimestamp(deadline);
      await expect(c.data.connect(c.frank).mint(mintParams([A, T])))
        .to.be.revertedWithCustomError(c.data, "DataTaskNotFinished")
        .withArgs(T);
      expect(await mintState(c, [A, T])).to.deep.equal(before);

      await time.setNextBlockTimestamp(deadline + 1n);
      const params = mintParams([A, T]);
      await expect(c.data.connect(c.frank).mint(params))
        .to.emit(c.data, "DataMinted")
        .withArgs(1n, c.frank.address, [A, T], [], params.contentHash, params.metadataUri, 4n, 3_000n, 0n);
      expect(await c.data.unitsOf(1n, c.bob.address)).to.equal(2n);
    });

    it("refuses a cancelled task while a submission is pending, and mints it once that is final", async () => {
      const c = await loadFixture(dataFixture);
      const { taskId: T } = await openTask(c, 2n);
      const bobs = await reviewed(c, c.bob, T, true);
      const carols = await reviewed(c, c.carol, T, true);
      await time.increase(PAST_DISPUTE_WINDOW);
      await (await c.tasks.finalize(bobs)).wait();
      await (await c.tasks.connect(c.frank).cancelTask(T)).wait();
      const task = await c.tasks.getTask(T);
      expect([task.accepted, task.pending, task.cancelled]).to.deep.equal([1n, 1n, true]);

      const before = await mintState(c, [T]);
      await expect(c.data.connect(c.frank).mint(mintParams([T])))
        .to.be.revertedWithCustomError(c.data, "DataTaskNotFinished")
        .withArgs(T);
      expect(await mintState(c, [T])).to.deep.equal(before);

      await (await c.tasks.finalize(carols)).wait();
      const tokenId = await mintData(c, c.frank, mintParams([T]));
      expect((await c.data.getData(tokenId)).totalUnits).to.equal(2n);
      expect(await c.data.unitsOf(tokenId, c.carol.address)).to.equal(1n);
    });
  });

  describe("bad inputs revert with their error and change nothing", () => {
    it("refuses a task of another requester, wherever it is in the list", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B, E } = c.taskIds;
      const before = await mintState(c, [A, B, E]);
      await expect(c.data.connect(c.frank).mint(mintParams([A, B, E])))
        .to.be.revertedWithCustomError(c.data, "DataNotTaskRequester")
        .withArgs(E, c.frank.address);
      await expect(c.data.connect(c.alice).mint(mintParams([E, A])))
        .to.be.revertedWithCustomError(c.data, "DataNotTaskRequester")
        .withArgs(A, c.alice.address);
      // A worker of the task is not its requester either.
      await expect(c.data.connect(c.bob).mint(mintParams([A])))
        .to.be.revertedWithCustomError(c.data, "DataNotTaskRequester")
        .withArgs(A, c.bob.address);
      expect(await mintState(c, [A, B, E])).to.deep.equal(before);
    });

    it("lets the registry's TasksUnknownTask through for a task that does not exist", async () => {
      const c = await loadFixture(dataFixture);
      const { A } = c.taskIds;
      const unknown = (await c.tasks.taskCount()) + 1n;
      const before = await mintState(c, [A, unknown, 0n]);
      await expect(c.data.connect(c.frank).mint(mintParams([A, unknown])))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
        .withArgs(unknown);
      await expect(c.data.connect(c.frank).mint(mintParams([0n])))
        .to.be.revertedWithCustomError(c.tasks, "TasksUnknownTask")
        .withArgs(0n);
      expect(await mintState(c, [A, unknown, 0n])).to.deep.equal(before);
    });

    it("refuses a task that already backs a token, and a task listed twice", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B, C } = c.taskIds;
      await mintData(c, c.frank, mintParams([A]));
      const before = await mintState(c, [A, B, C]);
      await expect(c.data.connect(c.frank).mint(mintParams([B, A])))
        .to.be.revertedWithCustomError(c.data, "DataTaskAlreadyMinted")
        .withArgs(A, 1n);
      // Listed twice: its first occurrence already claimed it for the token being minted (id 2).
      await expect(c.data.connect(c.frank).mint(mintParams([B, C, B])))
        .to.be.revertedWithCustomError(c.data, "DataTaskAlreadyMinted")
        .withArgs(B, 2n);
      expect(await mintState(c, [A, B, C])).to.deep.equal(before);
      expect(before.tokenOfTask).to.deep.equal([1n, 0n, 0n]);
      expect((await c.data.getData(1n)).taskIds).to.deep.equal([A]);
    });

    it("refuses no task and more than 32 tasks", async () => {
      const c = await loadFixture(manyTasksFixture);
      const tooMany = [...c.empty, c.taskIds.A];
      expect(tooMany.length).to.equal(33);
      const before = await mintState(c, tooMany);
      await expect(c.data.connect(c.frank).mint(mintParams([])))
        .to.be.revertedWithCustomError(c.data, "DataInvalidTaskCount")
        .withArgs(0n, 32n);
      await expect(c.data.connect(c.frank).mint(mintParams(tooMany)))
        .to.be.revertedWithCustomError(c.data, "DataInvalidTaskCount")
        .withArgs(33n, 32n);
      expect(await mintState(c, tooMany)).to.deep.equal(before);
    });

    it("refuses tasks without a single accepted submission", async () => {
      const c = await loadFixture(manyTasksFixture);
      const empty = c.empty.slice(0, 3);
      expect((await c.tasks.getTask(c.rejectedOnly)).accepted).to.equal(0n);
      const before = await mintState(c, [...empty, c.rejectedOnly]);
      await expect(c.data.connect(c.frank).mint(mintParams(empty))).to.be.revertedWithCustomError(
        c.data,
        "DataNoContributors",
      );
      await expect(c.data.connect(c.frank).mint(mintParams([c.rejectedOnly, ...empty]))).to.be.revertedWithCustomError(
        c.data,
        "DataNoContributors",
      );
      expect(await mintState(c, [...empty, c.rejectedOnly])).to.deep.equal(before);
    });

    it("refuses shares below the floor, above 9,000 bps together, or a parent share without parents", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      await mintData(c, c.frank, mintParams([A]));
      const cases: [bigint, bigint, bigint[]][] = [
        [CONTRIBUTOR_FLOOR_BPS - 1n, 0n, []],
        [0n, 0n, []],
        [9_001n, 0n, []],
        [8_000n, 1_001n, [1n]],
        [CONTRIBUTOR_FLOOR_BPS, 7_001n, [1n]],
        [3_000n, 500n, []],
        [2n ** 255n, 0n, []],
      ];
      const before = await mintState(c, [A, B]);
      for (const [contributorShareBps, parentShareBps, parents] of cases) {
        await expect(
          c.data.connect(c.frank).mint(mintParams([B], { contributorShareBps, parentShareBps, parents })),
          `${contributorShareBps} + ${parentShareBps}`,
        )
          .to.be.revertedWithCustomError(c.data, "DataInvalidShares")
          .withArgs(contributorShareBps, parentShareBps);
      }
      expect(await mintState(c, [A, B])).to.deep.equal(before);
      // The edges themselves are fine: the floor, and 9,000 bps in all with a parent.
      const edge = mintParams([B], {
        contributorShareBps: CONTRIBUTOR_FLOOR_BPS,
        parentShareBps: 7_000n,
        parents: [1n],
      });
      await expect(c.data.connect(c.frank).mint(edge)).to.emit(c.data, "DataMinted");
    });

    // Each share is bounded before they are added, so no pair of inputs can overflow into a panic.
    it("refuses shares whose sum overflows with DataInvalidShares, not a panic", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      await mintData(c, c.frank, mintParams([A]));
      const before = await mintState(c, [A, B]);
      await expect(
        c.data
          .connect(c.frank)
          .mint(mintParams([B], { contributorShareBps: MaxUint256, parentShareBps: 1n, parents: [1n] })),
      )
        .to.be.revertedWithCustomError(c.data, "DataInvalidShares")
        .withArgs(MaxUint256, 1n);
      expect(await mintState(c, [A, B])).to.deep.equal(before);
    });

    it("refuses a parent that is 0, not minted yet (itself or later), or named twice", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      await mintData(c, c.frank, mintParams([A]));
      const before = await mintState(c, [A, B]);
      // The token being minted would be 2: naming it, or 3, would be a loop or a token from the future.
      for (const [parents, bad] of [
        [[0n], 0n],
        [[2n], 2n],
        [[1n, 3n], 3n],
        [[1n, 1n], 1n],
      ] as [bigint[], bigint][]) {
        await expect(
          c.data.connect(c.frank).mint(mintParams([B], { parents, parentShareBps: 1_000n })),
          `parents ${parents.join(",")}`,
        )
          .to.be.revertedWithCustomError(c.data, "DataInvalidParent")
          .withArgs(bad);
      }
      expect(await mintState(c, [A, B])).to.deep.equal(before);
    });

    it("refuses more than 8 parents", async () => {
      const c = await loadFixture(dataFixture);
      const { A, B } = c.taskIds;
      await mintData(c, c.frank, mintParams([A]));
      const before = await mintState(c, [A, B]);
      const parents = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n];
      await expect(c.data.connect(c.frank).mint(mintParams([B], { parents, parentShareBps: 1_000n })))
        .to.be.revertedWithCustomError(c.data, "DataTooManyParents")
        .withArgs(9n, 8n);
      expect(await mintState(c, [A, B])).to.deep.equal(before);
    });
  });
});
