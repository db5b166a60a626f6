import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { type Signer, ZeroHash, hexlify } from "ethers";
import {
  ACCESS_DOMAIN,
  ACCESS_REQUEST_TYPES,
  type AccessDomain,
  type AccessRequest,
  CorpusAccessDeniedError,
  CorpusContractError,
  type LicenseOffer,
  MemoryNonceStore,
  type MintInput,
  NO_LICENSE,
  type SignedAccessRequest,
  hashJson,
  hashText,
  isCorpusContractError,
  signAccessRequest,
  toCorpusError,
  verifyAccessRequest,
} from "../../sdk/src";
import { CRP, DAY } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import { eventsIn, expectInputError, nonceOf, onlyEvent, plain, rejectionOf } from "../helpers/sdk-assertions";

// ─── Amounts ────────────────────────────────────────────────────────────────

// A price with odd wei, so that a fee, a share or a payment the SDK recomputed or rounded shows up to the wei.
const PRICE = 1_000n * CRP + 12_345n;
const DURATION = 30n * BigInt(DAY);
const TERMS_HASH = hashText("Corpus research licence v1");
const TERMS_URI = "ipfs://licences/research-v1.md";
/** deploy/parameters/31337.json: the Data NFT's protocol fee. */
const PROTOCOL_FEE_BPS = 250n;
/** The contributor share every token here is minted with. */
const CONTRIBUTOR_SHARE_BPS = 3_000n;
const BPS = 10_000n;

/** How the contract splits one sale at `price` (no parents). */
function splitOf(price: bigint) {
  const protocolFee = (price * PROTOCOL_FEE_BPS) / BPS;
  const contributors = (price * CONTRIBUTOR_SHARE_BPS) / BPS;
  return { protocolFee, contributors, owner: price - protocolFee - contributors };
}

const AUDIENCE = "https://data.example";

// ─── Helpers ────────────────────────────────────────────────────────────────

async function expectDenied(
  promise: Promise<unknown>,
  reason: CorpusAccessDeniedError["reason"],
): Promise<CorpusAccessDeniedError> {
  const error = await rejectionOf(promise);
  if (!(error instanceof CorpusAccessDeniedError)) {
    return expect.fail(`expected a CorpusAccessDeniedError (${reason}), got ${String(error)}`);
  }
  expect(error.reason).to.equal(reason);
  expect(error.code).to.equal("ACCESS_DENIED");
  return error;
}

/** The system clock in unix seconds: what `signAccessRequest` and `verifyAccessRequest` default to. */
function systemNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The CRP licence offer every sold token here carries. */
async function crpOffer(f: SdkFixture, price = PRICE): Promise<LicenseOffer> {
  return { token: await f.token.getAddress(), price, duration: DURATION, termsHash: TERMS_HASH, termsUri: TERMS_URI };
}

/** Mint input for `taskIds`: 30% to contributors, no parents, and `license` (default: none on offer). */
function mintInput(taskIds: bigint[], license: LicenseOffer = NO_LICENSE): MintInput {
  return {
    taskIds,
    parents: [],
    contentHash: hashJson({ dataset: taskIds.map(String) }),
    metadataUri: `ipfs://datasets/${taskIds.join("-")}.json`,
    contributorShareBps: CONTRIBUTOR_SHARE_BPS,
    parentShareBps: 0n,
    license,
  };
}

/**
 * A finished task of `requester`, made entirely through the SDK clients: it is posted with `slots` slots
 * (default: one per worker), each worker submits once, each panel is drawn and accepts, the dispute windows
 * pass, every submission is finalized and, if a slot is left, the task is cancelled (the conditions
 * scripts/lib/data-setup.ts `finishedTask` meets: nothing pending, no more submissions possible).
 */
async function finishedTask(
  f: SdkFixture,
  requester: HardhatEthersSigner,
  workers: HardhatEthersSigner[],
  slots = workers.length,
): Promise<bigint> {
  const owner = await f.clientFor(requester);
  const { taskId } = await owner.tasks.post({
    reward: 50n * CRP,
    slots,
    deadline: (await time.latest()) + 7 * DAY,
    reviewWindow: DAY,
    panelSize: 3,
    quorum: 2,
    kind: "labeling",
    specUri: "ipfs://spec.json",
    specHash: hashJson({ labels: ["cat", "dog"], nonce: await time.latest() }),
  });
  const submissions: bigint[] = [];
  for (const [i, worker] of workers.entries()) {
    const client = await f.clientFor(worker);
    const { submissionId } = await client.tasks.submit(taskId, {
      contentHash: hashText(`task ${taskId} work ${i}`),
      uri: `ipfs://task-${taskId}/work-${i}.json`,
    });
    await mine(1);
    await client.tasks.drawPanel(submissionId);
    const { panel } = await client.tasks.getSubmission(submissionId);
    for (const member of panel) {
      await (await f.clientFor(f.validatorSigner(member))).tasks.attest(submissionId, true, "looks right");
    }
    submissions.push(submissionId);
  }
  const settled = await owner.tasks.getSubmissions(submissions);
  const lastDeadline = settled.reduce((max, s) => (s.disputeDeadline > max ? s.disputeDeadline : max), 0n);
  await time.increaseTo(lastDeadline + 1n);
  for (const submissionId of submissions) await owner.tasks.finalize(submissionId);
  const task = await owner.tasks.get(taskId);
  if (task.accepted < task.slots) await owner.tasks.cancel(taskId);
  const finished = await owner.tasks.get(taskId);
  expect(finished.accepted).to.equal(BigInt(workers.length), "every submission accepted");
  expect(finished.pending).to.equal(0n);
  return taskId;
}

// ─── Fixtures ───────────────────────────────────────────────────────────────

/**
 * Three finished tasks of alice's: task 1 and task 2 worked by bob and carol (2 units each), task 3 by bob
 * alone (it had 2 slots; the leftover one is cancelled).
 */
async function tasksFixture() {
  const f = await loadFixture(sdkFixture);
  const task1 = await finishedTask(f, f.alice, [f.bob, f.carol]);
  const task2 = await finishedTask(f, f.alice, [f.bob, f.carol]);
  const task3 = await finishedTask(f, f.alice, [f.bob], 2);
  expect((await f.tasks.getTask(task3)).cancelled).to.equal(true);
  return { ...f, taskIds: [task1, task2, task3] as const, dataAddress: await f.data.getAddress() };
}

/**
 * alice has minted, through the SDK, token 1 from task 1 and token 2 from task 2 (both offering a CRP licence
 * at `PRICE` for 30 days), and token 3 from task 3 with no licence on offer. Nothing is sold yet.
 */
async function mintedFixture() {
  const f = await loadFixture(tasksFixture);
  const alice = await f.clientFor(f.alice);
  const offer = await crpOffer(f);
  const { tokenId: token1 } = await alice.data.mint(mintInput([f.taskIds[0]], offer));
  const { tokenId: token2 } = await alice.data.mint(mintInput([f.taskIds[1]], offer));
  const { tokenId: token3 } = await alice.data.mint(mintInput([f.taskIds[2]]));
  return { ...f, offer, tokens: [token1, token2, token3] as const };
}

/** dave holds a licence to token 1, bought through the SDK; the access domain is the deployment's. */
async function licensedFixture() {
  const f = await loadFixture(mintedFixture);
  const dave = await f.clientFor(f.dave);
  const { expiresAt } = await dave.data.buyLicense(f.tokens[0]);
  const domain: AccessDomain = { chainId: 31_337n, dataContract: f.dataAddress };
  return { ...f, licenceExpiry: expiresAt, domain };
}

type LicensedFixture = Awaited<ReturnType<typeof licensedFixture>>;

/** Signs `request` as `signer` in `domain` by hand, with the SDK's exported types and domain name. */
async function signByHand(signer: Signer, domain: AccessDomain, request: AccessRequest): Promise<SignedAccessRequest> {
  const signature = await signer.signTypedData(
    { ...ACCESS_DOMAIN, chainId: domain.chainId, verifyingContract: domain.dataContract },
    ACCESS_REQUEST_TYPES,
    request,
  );
  return { request, signature };
}

/** A request of dave's for token 1 with `nonce`, expiring at `expiry`, signed by hand. */
async function daveRequest(f: LicensedFixture, nonce: string, expiry: number): Promise<SignedAccessRequest> {
  return signByHand(f.dave, f.domain, {
    tokenId: f.tokens[0],
    licensee: f.dave.address,
    audience: AUDIENCE,
    nonce,
    expiry: BigInt(expiry),
  });
}

// ─── Tests ──────────────────────────────────────────────────────────────────

describe("SDK data: Data NFTs, licences, revenue and access requests", function () {
  describe("data.mint and data.get", function () {
    it("returns the DataMinted token id; get shows the owner, tasks, units, shares and offer", async function () {
      const f = await loadFixture(tasksFixture);
      const alice = await f.clientFor(f.alice);
      const nonceBefore = await nonceOf(f.alice);
      const input = mintInput([f.taskIds[0], f.taskIds[2]], await crpOffer(f));

      const { tokenId, receipt } = await alice.data.mint(input);

      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 1);
      const minted = onlyEvent(receipt, f.data, "DataMinted");
      expect(tokenId).to.equal(minted.args.tokenId);
      expect(tokenId).to.equal(1n);
      expect(await f.data.tokenCount()).to.equal(1n);
      expect(minted.args.minter).to.equal(f.alice.address);
      expect(minted.args.totalUnits).to.equal(3n, "bob and carol in task 1, bob in task 3");

      const token = await alice.data.get(tokenId);
      expect([...token.parents]).to.deep.equal([]);
      expect({ ...plain(token), parents: [] }).to.deep.equal({
        owner: f.alice.address,
        taskIds: [f.taskIds[0], f.taskIds[2]],
        parents: [],
        totalUnits: 3n,
        contributorShareBps: CONTRIBUTOR_SHARE_BPS,
        parentShareBps: 0n,
        versionCount: 1n,
        license: {
          token: await f.token.getAddress(),
          price: PRICE,
          duration: DURATION,
          termsHash: TERMS_HASH,
          termsUri: TERMS_URI,
        },
      });
      expect(await f.data.ownerOf(tokenId)).to.equal(f.alice.address);
      expect(await f.data.unitsOf(tokenId, f.bob.address)).to.equal(2n);
      expect(await f.data.unitsOf(tokenId, f.carol.address)).to.equal(1n);
      expect(await f.data.versionOf(tokenId, 0n)).to.deep.equal([input.contentHash, input.metadataUri]);

      // The next mint gets the next id, with NO_LICENSE: nothing on offer.
      const second = await alice.data.mint(mintInput([f.taskIds[1]]));
      expect(second.tokenId).to.equal(2n);
      expect(second.tokenId).to.equal(onlyEvent(second.receipt, f.data, "DataMinted").args.tokenId);
      const { license } = await alice.data.get(second.tokenId);
      expect(license.duration).to.equal(0n);
      expect(license.price).to.equal(0n);
    });

    it("an empty task list or a zero content hash: CorpusInputError, nothing sent", async function () {
      const f = await loadFixture(tasksFixture);
      const alice = await f.clientFor(f.alice);
      const nonceBefore = await nonceOf(f.alice);

      await expectInputError(alice.data.mint(mintInput([])), "taskIds");
      await expectInputError(alice.data.mint({ ...mintInput([f.taskIds[0]]), contentHash: ZeroHash }), "contentHash");

      expect(await nonceOf(f.alice)).to.equal(nonceBefore, "nothing sent");
      expect(await f.data.tokenCount()).to.equal(0n);
      expect(await f.data.tokenOfTask(f.taskIds[0])).to.equal(0n);
    });

    it("a task already minted: the contract's DataTaskAlreadyMinted, decoded, nothing sent", async function () {
      const f = await loadFixture(mintedFixture);
      const alice = await f.clientFor(f.alice);
      const nonceBefore = await nonceOf(f.alice);
      const error = await rejectionOf(alice.data.mint(mintInput([f.taskIds[0]])));
      if (!isCorpusContractError(error, "DataTaskAlreadyMinted")) return expect.fail(String(error));
      expect(error.args).to.deep.equal({ taskId: f.taskIds[0], tokenId: f.tokens[0] });
      expect(await nonceOf(f.alice)).to.equal(nonceBefore, "refused at estimation: nothing sent");
      expect(await f.data.tokenCount()).to.equal(3n);
    });
  });

  describe("data.buyLicense", function () {
    it("in CRP with a permit: one transaction, pays exactly the price, expiresAt = licenseExpiry, no allowance left", async function () {
      const f = await loadFixture(mintedFixture);
      const [token1] = f.tokens;
      const buyer = await f.clientFor(f.bob);
      const nonceBefore = await nonceOf(f.bob);
      const [balanceBefore, heldBefore, permitNonceBefore] = await Promise.all([
        f.token.balanceOf(f.bob.address),
        f.token.balanceOf(f.dataAddress),
        f.token.nonces(f.bob.address),
      ]);
      expect(await buyer.data.hasLicense(token1, f.bob.address)).to.equal(false);

      const { expiresAt, price, receipt } = await buyer.data.buyLicense(token1);

      expect(await nonceOf(f.bob)).to.equal(nonceBefore + 1, "one transaction: the permit is signed, not sent");
      const tx = await hre.ethers.provider.getTransaction(receipt.hash);
      expect(tx?.data.slice(0, 10)).to.equal(f.data.interface.getFunction("buyLicenseWithPermit").selector);
      expect(price).to.equal(PRICE);
      expect(balanceBefore - (await f.token.balanceOf(f.bob.address))).to.equal(PRICE, "the buyer paid the price");
      expect((await f.token.balanceOf(f.dataAddress)) - heldBefore).to.equal(PRICE);
      expect(await f.token.allowance(f.bob.address, f.dataAddress)).to.equal(0n);
      expect(await f.token.nonces(f.bob.address)).to.equal(permitNonceBefore + 1n, "the permit was used");

      const block = await hre.ethers.provider.getBlock(receipt.blockNumber);
      expect(expiresAt).to.equal(BigInt(block!.timestamp) + DURATION);
      expect(expiresAt).to.equal(await f.data.licenseExpiry(token1, f.bob.address));
      expect(await buyer.data.hasLicense(token1, f.bob.address)).to.equal(true);
      const bought = onlyEvent(receipt, f.data, "LicenseBought");
      expect(bought.args.toObject()).to.deep.equal({
        tokenId: token1,
        payer: f.bob.address,
        licensee: f.bob.address,
        token: await f.token.getAddress(),
        price: PRICE,
        expiresAt,
      });
      const split = splitOf(PRICE);
      expect(onlyEvent(receipt, f.data, "RevenueSplit").args.toObject()).to.deep.equal({
        tokenId: token1,
        token: await f.token.getAddress(),
        protocolFee: split.protocolFee,
        contributors: split.contributors,
        parents: 0n,
        owner: split.owner,
      });

      // A second purchase extends the live licence from its expiry.
      const again = await buyer.data.buyLicense(token1);
      expect(again.expiresAt).to.equal(expiresAt + DURATION);
      expect(await f.data.licenseExpiry(token1, f.bob.address)).to.equal(expiresAt + DURATION);
      expect(balanceBefore - (await f.token.balanceOf(f.bob.address))).to.equal(2n * PRICE);
    });

    it('with funding "approve": approves exactly the price, then buys (two transactions), no allowance left', async function () {
      const f = await loadFixture(mintedFixture);
      const [token1] = f.tokens;
      const buyer = await f.clientFor(f.bob);
      const nonceBefore = await nonceOf(f.bob);
      const balanceBefore = await f.token.balanceOf(f.bob.address);
      const permitNonceBefore = await f.token.nonces(f.bob.address);
      const fromBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

      const { expiresAt, price, receipt } = await buyer.data.buyLicense(token1, { funding: "approve" });

      expect(await nonceOf(f.bob)).to.equal(nonceBefore + 2, "approve + buyLicense");
      const tx = await hre.ethers.provider.getTransaction(receipt.hash);
      expect(tx?.data.slice(0, 10)).to.equal(f.data.interface.getFunction("buyLicense").selector);
      const approvals = await f.token.queryFilter(
        f.token.filters.Approval(f.bob.address, f.dataAddress),
        fromBlock,
        "latest",
      );
      expect(approvals.map((e) => e.args.value)).to.deep.equal([PRICE], "one approval, of exactly the price");
      expect(await f.token.allowance(f.bob.address, f.dataAddress)).to.equal(0n);
      expect(await f.token.nonces(f.bob.address)).to.equal(permitNonceBefore, "no permit");
      expect(price).to.equal(PRICE);
      expect(balanceBefore - (await f.token.balanceOf(f.bob.address))).to.equal(PRICE);
      expect(expiresAt).to.equal(await f.data.licenseExpiry(token1, f.bob.address));
      expect(await buyer.data.hasLicense(token1, f.bob.address)).to.equal(true);
    });

    it("for another licensee: that address holds the licence, the payer paid", async function () {
      const f = await loadFixture(mintedFixture);
      const [token1] = f.tokens;
      const buyer = await f.clientFor(f.bob);
      const [bobBefore, daveBefore] = await Promise.all([
        f.token.balanceOf(f.bob.address),
        f.token.balanceOf(f.dave.address),
      ]);

      const { expiresAt, receipt } = await buyer.data.buyLicense(token1, { licensee: f.dave.address });

      expect(await buyer.data.hasLicense(token1, f.dave.address)).to.equal(true);
      expect(await buyer.data.hasLicense(token1, f.bob.address)).to.equal(false);
      expect(await f.data.licenseExpiry(token1, f.dave.address)).to.equal(expiresAt);
      expect(await f.data.licenseExpiry(token1, f.bob.address)).to.equal(0n);
      expect(bobBefore - (await f.token.balanceOf(f.bob.address))).to.equal(PRICE);
      expect(await f.token.balanceOf(f.dave.address)).to.equal(daveBefore);
      const bought = onlyEvent(receipt, f.data, "LicenseBought");
      expect(bought.args.payer).to.equal(f.bob.address);
      expect(bought.args.licensee).to.equal(f.dave.address);
    });

    it("a maxPrice above the price: pays the price, not the maximum", async function () {
      const f = await loadFixture(mintedFixture);
      const buyer = await f.clientFor(f.bob);
      const before = await f.token.balanceOf(f.bob.address);
      const { price } = await buyer.data.buyLicense(f.tokens[0], { maxPrice: PRICE + 1_000n });
      expect(price).to.equal(PRICE);
      expect(before - (await f.token.balanceOf(f.bob.address))).to.equal(PRICE);
    });

    it("a maxPrice one wei below the price: CorpusInputError on maxPrice, nothing sent", async function () {
      const f = await loadFixture(mintedFixture);
      const buyer = await f.clientFor(f.bob);
      const nonceBefore = await nonceOf(f.bob);
      const [balanceBefore, permitNonceBefore] = await Promise.all([
        f.token.balanceOf(f.bob.address),
        f.token.nonces(f.bob.address),
      ]);

      await expectInputError(buyer.data.buyLicense(f.tokens[0], { maxPrice: PRICE - 1n }), "maxPrice");
      await expectInputError(
        buyer.data.buyLicense(f.tokens[0], { maxPrice: PRICE - 1n, funding: "approve" }),
        "maxPrice",
      );

      expect(await nonceOf(f.bob)).to.equal(nonceBefore, "nothing sent (no approval either)");
      expect(await f.token.balanceOf(f.bob.address)).to.equal(balanceBefore);
      expect(await f.token.nonces(f.bob.address)).to.equal(permitNonceBefore);
      expect(await f.token.allowance(f.bob.address, f.dataAddress)).to.equal(0n);
      expect(await f.data.licenseExpiry(f.tokens[0], f.bob.address)).to.equal(0n);
    });

    it("a token with no offer (duration 0): CorpusInputError on tokenId, nothing sent", async function () {
      const f = await loadFixture(mintedFixture);
      const buyer = await f.clientFor(f.bob);
      const nonceBefore = await nonceOf(f.bob);

      await expectInputError(buyer.data.buyLicense(f.tokens[2]), "tokenId");
      // An offer the owner withdrew is no offer either.
      await (await f.clientFor(f.alice)).data.setLicense(f.tokens[0], NO_LICENSE);
      expect((await buyer.data.get(f.tokens[0])).license.duration).to.equal(0n);
      await expectInputError(buyer.data.buyLicense(f.tokens[0]), "tokenId");

      expect(await nonceOf(f.bob)).to.equal(nonceBefore, "nothing sent");
      expect(await f.data.licenseExpiry(f.tokens[2], f.bob.address)).to.equal(0n);
      expect(await f.data.licenseExpiry(f.tokens[0], f.bob.address)).to.equal(0n);
    });

    it("the offer changed after the buyer read it: the stale quote reverts with DataLicenseTermsChanged", async function () {
      const f = await loadFixture(mintedFixture);
      const [token1] = f.tokens;
      const buyer = await f.clientFor(f.bob);
      const owner = await f.clientFor(f.alice);
      const crp = await f.token.getAddress();

      // The buyer reads the offer and builds its quote from it...
      const { license } = await buyer.data.get(token1);
      const staleQuote = {
        token: license.token,
        maxPrice: license.price,
        duration: license.duration,
        termsHash: license.termsHash,
      };
      // ...the owner changes the terms (same price) before the purchase lands...
      const newTerms = hashText("Corpus research licence v2");
      await owner.data.setLicense(token1, { ...f.offer, termsHash: newTerms, termsUri: "ipfs://licences/v2.md" });
      await (await f.token.connect(f.bob).approve(f.dataAddress, PRICE)).wait();
      const balanceBefore = await f.token.balanceOf(f.bob.address);

      // ...and the purchase at the stale quote reverts with the contract's error, the offer as it stands.
      const raw = await rejectionOf(buyer.contracts.CorpusData.buyLicense(token1, f.bob.address, staleQuote));
      const termsChanged = toCorpusError(raw);
      expect(termsChanged).to.be.instanceOf(CorpusContractError);
      if (!isCorpusContractError(termsChanged, "DataLicenseTermsChanged")) return expect.fail(String(termsChanged));
      expect(termsChanged.contracts).to.include("CorpusData");
      expect(termsChanged.args).to.deep.equal({
        tokenId: token1,
        token: crp,
        price: PRICE,
        duration: DURATION,
        termsHash: newTerms,
      });

      // The owner raises the price: the stale quote's maxPrice no longer covers it.
      await owner.data.setLicense(token1, { ...f.offer, price: PRICE + 1n });
      const raised = toCorpusError(
        await rejectionOf(
          buyer.contracts.CorpusData.buyLicense(token1, f.bob.address, { ...staleQuote, termsHash: TERMS_HASH }),
        ),
      );
      if (!isCorpusContractError(raised, "DataLicenseTermsChanged")) return expect.fail(String(raised));
      expect(raised.args).to.deep.equal({
        tokenId: token1,
        token: crp,
        price: PRICE + 1n,
        duration: DURATION,
        termsHash: TERMS_HASH,
      });
      expect(await f.token.balanceOf(f.bob.address)).to.equal(balanceBefore, "nothing paid");
      expect(await f.data.licenseExpiry(token1, f.bob.address)).to.equal(0n, "no licence");

      // The SDK re-reads the offer: with the old price as its maximum it refuses before sending anything.
      const nonceBefore = await nonceOf(f.bob);
      await expectInputError(buyer.data.buyLicense(token1, { maxPrice: PRICE }), "maxPrice");
      expect(await nonceOf(f.bob)).to.equal(nonceBefore);
      // Without a maximum it buys at the offer as it stands now.
      const { price } = await buyer.data.buyLicense(token1);
      expect(price).to.equal(PRICE + 1n);
      expect(balanceBefore - (await f.token.balanceOf(f.bob.address))).to.equal(PRICE + 1n);
    });
  });

  describe("data.claimAll, revenueOf and withdraw", function () {
    it("claims exactly the claimable sum in one claimMany over the owed tokens only; a second claimAll sends nothing", async function () {
      const f = await loadFixture(mintedFixture);
      const [token1, token2, token3] = f.tokens;
      const crp = await f.token.getAddress();
      // Licences sold on tokens 1 and 2 (2 units each: bob 1, carol 1); none on token 3 (bob's alone).
      await (await f.clientFor(f.dave)).data.buyLicense(token1);
      await (await f.clientFor(f.erin)).data.buyLicense(token2);
      const perUnit = splitOf(PRICE).contributors / 2n;

      const bob = await f.clientFor(f.bob);
      const order = [token1, token3, token2];
      const owed = await bob.data.claimable(order, f.bob.address);
      expect(owed).to.deep.equal([perUnit, 0n, perUnit]);
      for (const [i, tokenId] of order.entries()) {
        expect(owed[i]).to.equal(await f.data.claimable(tokenId, crp, f.bob.address));
      }
      const nonceBefore = await nonceOf(f.bob);
      const balanceBefore = await f.token.balanceOf(f.bob.address);

      const { amount, receipts } = await bob.data.claimAll(order);

      expect(amount).to.equal(2n * perUnit);
      expect((await f.token.balanceOf(f.bob.address)) - balanceBefore).to.equal(2n * perUnit);
      expect(await nonceOf(f.bob)).to.equal(nonceBefore + 1, "one transaction");
      expect(receipts).to.have.length(1);
      const tx = await hre.ethers.provider.getTransaction(receipts[0]!.hash);
      const call = f.data.interface.parseTransaction({ data: tx!.data });
      expect(call?.name).to.equal("claimMany");
      expect([...(call!.args[0] as bigint[])]).to.deep.equal([token1, token2], "only the tokens with something owed");
      expect(call!.args[1]).to.equal(crp);
      const claimed = eventsIn(receipts[0]!, f.data, "Claimed").map((e) => e.args.toObject());
      expect(claimed).to.deep.equal([
        { tokenId: token1, token: crp, contributor: f.bob.address, amount: perUnit },
        { tokenId: token2, token: crp, contributor: f.bob.address, amount: perUnit },
      ]);
      expect(await bob.data.claimable(order, f.bob.address)).to.deep.equal([0n, 0n, 0n]);
      // carol's share is untouched.
      expect(await f.data.claimable(token1, crp, f.carol.address)).to.equal(perUnit);

      const second = await bob.data.claimAll(order);
      expect(second).to.deep.equal({ amount: 0n, receipts: [] });
      expect(await nonceOf(f.bob)).to.equal(nonceBefore + 1, "nothing sent the second time");
      expect(await f.token.balanceOf(f.bob.address)).to.equal(balanceBefore + 2n * perUnit);
    });

    it("revenueOf and withdraw: the owner's share of every sale, to the wei; the treasury's fees", async function () {
      const f = await loadFixture(mintedFixture);
      const [token1, token2] = f.tokens;
      const treasury = await f.data.TREASURY();
      const alice = await f.clientFor(f.alice);
      expect(await alice.data.revenueOf(f.alice.address)).to.equal(0n);
      const treasuryBefore = await alice.data.revenueOf(treasury);

      await (await f.clientFor(f.dave)).data.buyLicense(token1);
      await (await f.clientFor(f.erin)).data.buyLicense(token1);
      await alice.data.setLicense(token2, await crpOffer(f, 777n * CRP + 1n));
      await (await f.clientFor(f.erin)).data.buyLicense(token2);

      const expectedOwner = 2n * splitOf(PRICE).owner + splitOf(777n * CRP + 1n).owner;
      const expectedFees = 2n * splitOf(PRICE).protocolFee + splitOf(777n * CRP + 1n).protocolFee;
      expect(await alice.data.revenueOf(f.alice.address)).to.equal(expectedOwner);
      expect(await alice.data.revenueOf(treasury)).to.equal(treasuryBefore + expectedFees);
      // Read-only clients read it too.
      expect(await (await f.clientFor()).data.revenueOf(f.alice.address)).to.equal(expectedOwner);

      const balanceBefore = await f.token.balanceOf(f.alice.address);
      const nonceBefore = await nonceOf(f.alice);
      const receipt = await alice.data.withdraw();
      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 1);
      expect((await f.token.balanceOf(f.alice.address)) - balanceBefore).to.equal(expectedOwner);
      expect(onlyEvent(receipt, f.data, "Withdrawn").args.toObject()).to.deep.equal({
        token: await f.token.getAddress(),
        account: f.alice.address,
        amount: expectedOwner,
      });
      expect(await alice.data.revenueOf(f.alice.address)).to.equal(0n);

      // Nothing left: the contract's DataNothingToClaim, decoded, nothing sent.
      const error = await rejectionOf(alice.data.withdraw());
      if (!isCorpusContractError(error, "DataNothingToClaim")) return expect.fail(String(error));
      expect(error.args).to.deep.equal({ account: f.alice.address });
      expect(await nonceOf(f.alice)).to.equal(nonceBefore + 1);
    });
  });

  describe("access requests", function () {
    it("a licensee's request signed through the client verifies: licensee, token and licence expiry", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      expect(await dave.data.accessDomain()).to.deep.equal(f.domain);

      const before = systemNow();
      const signed = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const after = systemNow();
      expect(signed.request.tokenId).to.equal(f.tokens[0]);
      expect(signed.request.licensee).to.equal(f.dave.address);
      expect(signed.request.audience).to.equal(AUDIENCE);
      expect(signed.request.nonce).to.match(/^0x[0-9a-f]{64}$/);
      expect(Number(signed.request.expiry)).to.be.within(before + 120, after + 120, "valid for 120 s by default");

      // Signing and verifying both default to the system clock (the chain's runs days ahead here); only the
      // licence is read on-chain.
      const verified = await verifyAccessRequest(f.data, f.domain, signed, {
        audience: AUDIENCE,
        nonces: new MemoryNonceStore(),
      });
      expect(verified).to.deep.equal({
        licensee: f.dave.address,
        tokenId: f.tokens[0],
        licenceExpiry: f.licenceExpiry,
      });
      expect(verified.licenceExpiry).to.equal(await f.data.licenseExpiry(f.tokens[0], f.dave.address));

      // A second request of the same licensee has another nonce and verifies too.
      const another = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      expect(another.request.nonce).to.not.equal(signed.request.nonce);
      const nonces = new MemoryNonceStore();
      const now = systemNow();
      await verifyAccessRequest(f.data, f.domain, signed, { audience: AUDIENCE, nonces, now });
      await verifyAccessRequest(f.data, f.domain, another, { audience: AUDIENCE, nonces, now });
    });

    it("an empty audience: CorpusInputError, nothing signed", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      await expectInputError(dave.data.signAccessRequest(f.tokens[0], ""), "audience");
    });

    it("bad-signature: a tampered field, another key signing for the licensee, or garbage", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      const signed = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const options = () => ({ audience: AUDIENCE, nonces: new MemoryNonceStore(), now: systemNow() });

      // dave's signature over token 1 presented for token 2 (also licensed to dave, so only the signature fails).
      await dave.data.buyLicense(f.tokens[1]);
      const tampered = { ...signed, request: { ...signed.request, tokenId: f.tokens[1] } };
      await expectDenied(verifyAccessRequest(f.data, f.domain, tampered, options()), "bad-signature");
      // Other tampered fields: a longer expiry, another nonce.
      const later = { ...signed, request: { ...signed.request, expiry: signed.request.expiry + 60n } };
      await expectDenied(verifyAccessRequest(f.data, f.domain, later, options()), "bad-signature");
      const renonced = { ...signed, request: { ...signed.request, nonce: hexlify(new Uint8Array(32).fill(7)) } };
      await expectDenied(verifyAccessRequest(f.data, f.domain, renonced, options()), "bad-signature");

      // stranger (no licence) signs a request naming dave, the licensee.
      const forged = await signByHand(f.stranger, f.domain, { ...signed.request, nonce: hexlify(new Uint8Array(32)) });
      await expectDenied(verifyAccessRequest(f.data, f.domain, forged, options()), "bad-signature");
      // A signature that does not decode at all.
      const garbage = { ...signed, signature: "0x1234" };
      await expectDenied(verifyAccessRequest(f.data, f.domain, garbage, options()), "bad-signature");

      // The untampered request still verifies (nothing above consumed its nonce).
      const verified = await verifyAccessRequest(f.data, f.domain, signed, options());
      expect(verified.licensee).to.equal(f.dave.address);
    });

    it("bad-signature across domains: a request signed for chain 1 or for another contract", async function () {
      const f = await loadFixture(licensedFixture);
      const params = { tokenId: f.tokens[0], audience: AUDIENCE };
      const options = () => ({ audience: AUDIENCE, nonces: new MemoryNonceStore(), now: systemNow() });

      const mainnet = await signAccessRequest(f.dave, { ...f.domain, chainId: 1n }, params);
      await expectDenied(verifyAccessRequest(f.data, f.domain, mainnet, options()), "bad-signature");
      const otherContract = await signAccessRequest(
        f.dave,
        { ...f.domain, dataContract: await f.tasks.getAddress() },
        params,
      );
      await expectDenied(verifyAccessRequest(f.data, f.domain, otherContract, options()), "bad-signature");

      // Each verifies in the domain it was signed for: only the domain differs.
      const inItsDomain = await verifyAccessRequest(f.data, { ...f.domain, chainId: 1n }, mainnet, options());
      expect(inItsDomain.licensee).to.equal(f.dave.address);
      // The same parameters signed in this deployment's domain verify here.
      const here = await signAccessRequest(f.dave, f.domain, params);
      expect((await verifyAccessRequest(f.data, f.domain, here, options())).licensee).to.equal(f.dave.address);
    });

    it("wrong-audience: a request for another data server", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      const signed = await dave.data.signAccessRequest(f.tokens[0], "https://other.example");
      const nonces = new MemoryNonceStore();
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, { audience: AUDIENCE, nonces, now: systemNow() }),
        "wrong-audience",
      );
      // Audiences are compared exactly.
      const exact = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, exact, { audience: `${AUDIENCE}/`, nonces, now: systemNow() }),
        "wrong-audience",
      );
      // The other server accepts it.
      const verified = await verifyAccessRequest(f.data, f.domain, signed, {
        audience: "https://other.example",
        nonces,
        now: systemNow(),
      });
      expect(verified.licensee).to.equal(f.dave.address);
    });

    it("expired: accepted up to its expiry second, refused one second after", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      const signed = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const expiry = Number(signed.request.expiry);
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, {
          audience: AUDIENCE,
          nonces: new MemoryNonceStore(),
          now: expiry + 1,
        }),
        "expired",
      );
      const atExpiry = await verifyAccessRequest(f.data, f.domain, signed, {
        audience: AUDIENCE,
        nonces: new MemoryNonceStore(),
        now: expiry,
      });
      expect(atExpiry.licensee).to.equal(f.dave.address);
    });

    it("expiry-too-far: valid for an hour is refused under the default 300 s, accepted if the server allows it", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      const signed = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE, 3_600);
      const signedAt = Number(signed.request.expiry) - 3_600;
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, {
          audience: AUDIENCE,
          nonces: new MemoryNonceStore(),
          now: signedAt,
        }),
        "expiry-too-far",
      );
      // The default bound is exactly 300 s: 301 s ahead is too far, 300 s is not.
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, {
          audience: AUDIENCE,
          nonces: new MemoryNonceStore(),
          now: signedAt + 3_600 - 301,
        }),
        "expiry-too-far",
      );
      const at300 = await verifyAccessRequest(f.data, f.domain, signed, {
        audience: AUDIENCE,
        nonces: new MemoryNonceStore(),
        now: signedAt + 3_600 - 300,
      });
      expect(at300.licensee).to.equal(f.dave.address);
      const allowed = await verifyAccessRequest(f.data, f.domain, signed, {
        audience: AUDIENCE,
        nonces: new MemoryNonceStore(),
        now: signedAt,
        maxValidity: 3_600,
      });
      expect(allowed.licensee).to.equal(f.dave.address);
    });

    it("replayed: the same request twice, also with its nonce or licensee re-cased", async function () {
      const f = await loadFixture(licensedFixture);
      const dave = await f.clientFor(f.dave);
      const signed = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const nonces = new MemoryNonceStore();
      const options = { audience: AUDIENCE, nonces, now: systemNow() };

      await verifyAccessRequest(f.data, f.domain, signed, options);
      await expectDenied(verifyAccessRequest(f.data, f.domain, signed, options), "replayed");
      // Hex case changes neither the signature's validity nor the nonce.
      const upperNonce = {
        ...signed,
        request: { ...signed.request, nonce: `0x${signed.request.nonce.slice(2).toUpperCase()}` },
      };
      await expectDenied(verifyAccessRequest(f.data, f.domain, upperNonce, options), "replayed");
      const lowerLicensee = {
        ...signed,
        request: { ...signed.request, licensee: signed.request.licensee.toLowerCase() },
      };
      await expectDenied(verifyAccessRequest(f.data, f.domain, lowerLicensee, options), "replayed");
    });

    it("a refused request does not burn its nonce: the same nonce is accepted in a valid request afterwards", async function () {
      const f = await loadFixture(licensedFixture);
      const nonce = hexlify(new Uint8Array(32).fill(0xab));
      const now = systemNow();
      const nonces = new MemoryNonceStore(() => now);
      const options = { audience: AUDIENCE, nonces, now };

      // Refused as expired, as too far ahead, for another audience, and (signed by hand) as bad.
      const expired = await daveRequest(f, nonce, now - 1);
      await expectDenied(verifyAccessRequest(f.data, f.domain, expired, options), "expired");
      const tooFar = await daveRequest(f, nonce, now + 301);
      await expectDenied(verifyAccessRequest(f.data, f.domain, tooFar, options), "expiry-too-far");
      const tampered = { ...expired, request: { ...expired.request, expiry: BigInt(now + 60) } };
      await expectDenied(verifyAccessRequest(f.data, f.domain, tampered, options), "bad-signature");
      const otherAudience = await signByHand(f.dave, f.domain, {
        ...expired.request,
        audience: "https://x.example",
        expiry: BigInt(now + 60),
      });
      await expectDenied(verifyAccessRequest(f.data, f.domain, otherAudience, options), "wrong-audience");

      // A fresh, valid request with that nonce (signed by hand with the SDK's exported types) is accepted once.
      const fresh = await daveRequest(f, nonce, now + 60);
      const verified = await verifyAccessRequest(f.data, f.domain, fresh, options);
      expect(verified).to.deep.equal({
        licensee: f.dave.address,
        tokenId: f.tokens[0],
        licenceExpiry: f.licenceExpiry,
      });
      await expectDenied(verifyAccessRequest(f.data, f.domain, fresh, options), "replayed");
    });

    it("a no-licence refusal does not burn the nonce either: after buying, the same request is accepted", async function () {
      const f = await loadFixture(licensedFixture);
      const grace = await f.clientFor(f.grace);
      const signed = await grace.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const nonces = new MemoryNonceStore();
      const options = { audience: AUDIENCE, nonces, now: systemNow() };
      await expectDenied(verifyAccessRequest(f.data, f.domain, signed, options), "no-licence");

      const { expiresAt } = await grace.data.buyLicense(f.tokens[0]);
      const verified = await verifyAccessRequest(f.data, f.domain, signed, options);
      expect(verified).to.deep.equal({ licensee: f.grace.address, tokenId: f.tokens[0], licenceExpiry: expiresAt });
    });

    it("no-licence: a signer without a licence, a licence for another token, and a licence that ran out", async function () {
      const f = await loadFixture(licensedFixture);
      const options = () => ({ audience: AUDIENCE, nonces: new MemoryNonceStore(), now: systemNow() });

      const stranger = await f.clientFor(f.stranger);
      const strangers = await stranger.data.signAccessRequest(f.tokens[0], AUDIENCE);
      const denied = await expectDenied(verifyAccessRequest(f.data, f.domain, strangers, options()), "no-licence");
      expect(denied.message).to.include(f.stranger.address);
      // dave's licence is for token 1, not token 2.
      const dave = await f.clientFor(f.dave);
      const forToken2 = await dave.data.signAccessRequest(f.tokens[1], AUDIENCE);
      await expectDenied(verifyAccessRequest(f.data, f.domain, forToken2, options()), "no-licence");

      // dave's licence to token 1 runs out on-chain.
      const live = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      expect((await verifyAccessRequest(f.data, f.domain, live, options())).licensee).to.equal(f.dave.address);
      await time.increaseTo(f.licenceExpiry + BigInt(DAY));
      expect(await dave.data.hasLicense(f.tokens[0], f.dave.address)).to.equal(false);
      const late = await dave.data.signAccessRequest(f.tokens[0], AUDIENCE);
      await expectDenied(verifyAccessRequest(f.data, f.domain, late, options()), "no-licence");
    });

    it("a nonce that is not 32 bytes of hex: CorpusInputError on nonce", async function () {
      const f = await loadFixture(licensedFixture);
      const valid = await daveRequest(f, hexlify(new Uint8Array(32).fill(2)), systemNow() + 60);
      const short = { ...valid, request: { ...valid.request, nonce: "0x1234" } };
      await expectInputError(
        verifyAccessRequest(f.data, f.domain, short, {
          audience: AUDIENCE,
          nonces: new MemoryNonceStore(),
          now: systemNow(),
        }),
        "nonce",
      );
    });

    it("MemoryNonceStore: refuses a nonce until its expiry has passed, then forgets it", async function () {
      let now = 1_000;
      const store = new MemoryNonceStore(() => now);
      const licensee = "0x" + "ab".repeat(20);
      const nonce = "0x" + "cd".repeat(32);

      expect(await store.consume(licensee, nonce, 1_010n)).to.equal(true);
      expect(await store.consume(licensee, nonce, 1_010n)).to.equal(false);
      expect(await store.consume(licensee.toUpperCase().replace("0X", "0x"), nonce.toUpperCase(), 1_010n)).to.equal(
        false,
        "keys are case-insensitive",
      );
      now = 1_010;
      expect(await store.consume(licensee, nonce, 1_010n)).to.equal(false, "still remembered at its expiry second");
      now = 1_011;
      expect(await store.consume(licensee, nonce, 1_020n)).to.equal(true, "forgotten once expired");
      expect(await store.consume(licensee, nonce, 1_020n)).to.equal(false, "remembered again until 1 020");
      // Another nonce is a different request.
      expect(await store.consume(licensee, "0x" + "ce".repeat(32), 1_020n)).to.equal(true);
    });

    it("the nonce store forgetting opens no replay window: when it forgets, verify refuses the request as expired", async function () {
      const f = await loadFixture(licensedFixture);
      let clock = systemNow();
      const nonces = new MemoryNonceStore(() => clock);
      const signed = await daveRequest(f, hexlify(new Uint8Array(32).fill(1)), clock + 60);
      const expiry = clock + 60;
      await verifyAccessRequest(f.data, f.domain, signed, { audience: AUDIENCE, nonces, now: clock });
      clock = expiry;
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, { audience: AUDIENCE, nonces, now: clock }),
        "replayed",
      );
      clock = expiry + 1;
      await expectDenied(
        verifyAccessRequest(f.data, f.domain, signed, { audience: AUDIENCE, nonces, now: clock }),
        "expired",
      );
    });
  });
});
