import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, type TypedDataDomain, id } from "ethers";
import {
  MemoryNonceStore,
  type SignedAccessRequest,
  signAccessRequest,
  verifyAccessRequest,
} from "../../sdk/src/access";
import { CorpusAccessDeniedError } from "../../sdk/src/errors/sdk-errors";
import { CorpusToken__factory } from "../../sdk/src/typechain";
import { PERMIT_TYPES, signPermit, tokenDomain } from "../../scripts/lib/permit";
import { CRP } from "../helpers/fixtures";
import { buyLicense, crpOffer, finishedTask, mintData, mintParams, quoteOf } from "../helpers/data";
import { defaultTaskParams, escrowOf, tasksFixture } from "../helpers/tasks";
import { MIN_STAKE } from "../helpers/staking";

// An attacker holds a valid signature someone made (a permit, a delegation, a governance ballot, a data-access
// request: seen in the mempool, on a relayer, in a server's logs) and presents it where it was not meant to go:
// again, on another chain, to another contract or deployment, for another spender, proposal or server. EIP-712
// binds each signature to its domain (name, version, chain id, verifying contract) and its struct (a nonce, the
// spender, the proposal, the audience), so every such use is refused.

const PRICE = 1_000n * CRP;
const AUDIENCE = "https://data.example.org";
const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};
const DELEGATION_TYPES = {
  Delegation: [
    { name: "delegatee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};
const FOR = 1;
const AGAINST = 0;

/**
 * The tasks fixture plus Data token 1 (frank's, from a finished CRP task of his, a CRP licence at 1,000 CRP) on
 * which heidi holds a licence, and a second CRP deployment (same name and version, another address) where frank
 * also holds CRP: his nonce is 0 on both.
 */
async function replayFixture() {
  const c = await tasksFixture();
  const finished = await finishedTask(c, c.requester, [c.worker]);
  const tokenId = await mintData(c, c.requester, mintParams([finished], { license: await crpOffer(c, PRICE) }));
  await (await buyLicense(c, c.heidi, tokenId)).wait();
  const otherCrp = await new CorpusToken__factory(c.deployer).deploy(c.deployer.address, 0n, [c.frank], [PRICE]);
  const chainId = (await c.deployer.provider.getNetwork()).chainId;
  return {
    ...c,
    tokenId,
    otherCrp,
    chainId,
    stakingAddress: await c.staking.getAddress(),
    dataAddress: await c.data.getAddress(),
  };
}

type Fixture = Awaited<ReturnType<typeof replayFixture>>;

async function deadlineIn(seconds: number): Promise<bigint> {
  return BigInt((await time.latest()) + seconds);
}

/** A permit for `value` signed by `owner` over `domain` (which may not be the token's), at its nonce on CRP. */
async function permitOver(
  c: Fixture,
  domain: TypedDataDomain,
  owner: HardhatEthersSigner,
  spender: string,
  value: bigint,
) {
  const deadline = await deadlineIn(3_600);
  const nonce = await c.token.nonces(owner);
  const message = { owner: owner.address, spender, value, nonce, deadline };
  const { v, r, s } = Signature.from(await owner.signTypedData(domain, PERMIT_TYPES, message));
  return { owner: owner.address, spender, value, deadline, v, r, s };
}

describe("attack: use an EIP-2612 permit on another CRP, another chain, or for another spender", function () {
  it("a permit signed for this CRP is refused by a second CRP deployment, and one signed for the second is refused here", async function () {
    const c = await loadFixture(replayFixture);
    const here = await signPermit(c.token, c.frank, c.registry, PRICE, await deadlineIn(3_600));
    const there = await signPermit(c.otherCrp, c.frank, c.registry, PRICE, await deadlineIn(3_600));
    expect((await tokenDomain(c.token)).name).to.equal((await tokenDomain(c.otherCrp)).name);
    await expect(
      c.otherCrp
        .connect(c.stranger)
        .permit(here.owner, here.spender, here.value, here.deadline, here.v, here.r, here.s),
    )
      .to.be.revertedWithCustomError(c.otherCrp, "ERC2612InvalidSigner")
      .withArgs(anyValue, c.frank.address);
    await expect(
      c.token
        .connect(c.stranger)
        .permit(there.owner, there.spender, there.value, there.deadline, there.v, there.r, there.s),
    )
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(anyValue, c.frank.address);
    expect(await c.token.allowance(c.frank, c.registry)).to.equal(0n);
    expect(await c.otherCrp.allowance(c.frank, c.registry)).to.equal(0n);
    // Each still works where it belongs.
    await (await c.token.permit(here.owner, here.spender, here.value, here.deadline, here.v, here.r, here.s)).wait();
    expect(await c.token.allowance(c.frank, c.registry)).to.equal(PRICE);
  });

  it("a permit signed for another chain id is refused by the token, and createTaskWithPermit, finding no allowance, reverts and takes nothing", async function () {
    const c = await loadFixture(replayFixture);
    const domain = { ...(await tokenDomain(c.token)), chainId: 1n };
    expect(c.chainId).to.not.equal(1n);
    const params = await defaultTaskParams(c, { reward: 100n * CRP, slots: 4n });
    const escrow = await escrowOf(c, params);
    expect(escrow).to.equal(430n * CRP);
    // Signed over the right struct (the registry, the escrow, frank's nonce), on the wrong chain.
    const p = await permitOver(c, domain, c.frank, c.registry, escrow);
    await expect(c.token.connect(c.stranger).permit(p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s))
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(anyValue, c.frank.address);
    const before = await c.token.balanceOf(c.frank);
    await expect(c.tasks.connect(c.frank).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.registry, 0n, escrow);
    expect(await c.token.nonces(c.frank)).to.equal(0n);
    expect(await c.token.balanceOf(c.frank)).to.equal(before);
    // The control: the very same message signed over this chain's domain is accepted.
    const good = await permitOver(c, await tokenDomain(c.token), c.frank, c.registry, escrow);
    await (await c.token.permit(good.owner, good.spender, good.value, good.deadline, good.v, good.r, good.s)).wait();
    expect(await c.token.allowance(c.frank, c.registry)).to.equal(escrow);
  });

  it("a permit signed for the registry cannot be spent by staking or the Data NFT: the token refuses it for another spender, and their WithPermit calls find no allowance", async function () {
    const c = await loadFixture(replayFixture);
    const p = await signPermit(c.token, c.frank, c.registry, MIN_STAKE, await deadlineIn(3_600));
    for (const spender of [c.stakingAddress, c.dataAddress]) {
      await expect(c.token.connect(c.stranger).permit(p.owner, spender, p.value, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
        .withArgs(anyValue, c.frank.address);
    }
    await expect(c.staking.connect(c.frank).stakeWithPermit(MIN_STAKE, p.deadline, p.v, p.r, p.s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.stakingAddress, 0n, MIN_STAKE);
    // The Data NFT's permit would be for the quote's maxPrice: with MIN_STAKE as maxPrice, the same struct.
    const quote = { ...(await quoteOf(c, c.tokenId)), maxPrice: MIN_STAKE };
    await expect(
      c.data.connect(c.frank).buyLicenseWithPermit(c.tokenId, c.frank.address, quote, p.deadline, p.v, p.r, p.s),
    )
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.dataAddress, 0n, PRICE);
    expect(await c.token.nonces(c.frank)).to.equal(0n);
    expect((await c.staking.stakeOf(c.frank)).staked).to.equal(0n);
  });

  it("a permit cannot be replayed: once the victim's flow used it, the token refuses it again and the victim's resent call finds no allowance; the victim pays once", async function () {
    const c = await loadFixture(replayFixture);
    const params = await defaultTaskParams(c);
    const escrow = await escrowOf(c, params);
    const p = await signPermit(c.token, c.frank, c.registry, escrow, await deadlineIn(3_600));
    const before = await c.token.balanceOf(c.frank);
    await (await c.tasks.connect(c.frank).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s)).wait();
    expect(await c.token.nonces(c.frank)).to.equal(1n);

    // The attacker replays it to re-grant the allowance the victim just spent.
    await expect(c.token.connect(c.stranger).permit(p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s))
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(anyValue, c.frank.address);
    // The victim's wallet resends the same call.
    await expect(c.tasks.connect(c.frank).createTaskWithPermit(params, p.deadline, p.v, p.r, p.s))
      .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
      .withArgs(c.registry, 0n, escrow);
    expect(await c.token.allowance(c.frank, c.registry)).to.equal(0n);
    expect(await c.token.balanceOf(c.frank)).to.equal(before - escrow);
    expect(await c.tasks.taskCount()).to.equal(2n);
  });

  it("a delegation by signature cannot be replayed, and as permits and delegations share the holder's nonce, using one retires the other signed at the same nonce", async function () {
    const c = await loadFixture(replayFixture);
    const domain = await tokenDomain(c.token);
    const expiry = await deadlineIn(3_600);
    const delegation = Signature.from(
      await c.frank.signTypedData(domain, DELEGATION_TYPES, { delegatee: c.alice.address, nonce: 0n, expiry }),
    );
    const permit = await signPermit(c.token, c.frank, c.registry, PRICE, expiry);

    await expect(
      c.token.connect(c.stranger).delegateBySig(c.alice, 0n, expiry, delegation.v, delegation.r, delegation.s),
    )
      .to.emit(c.token, "DelegateChanged")
      .withArgs(c.frank.address, anyValue, c.alice.address);
    await expect(
      c.token.connect(c.stranger).delegateBySig(c.alice, 0n, expiry, delegation.v, delegation.r, delegation.s),
    )
      .to.be.revertedWithCustomError(c.token, "InvalidAccountNonce")
      .withArgs(c.frank.address, 1n);
    // The permit frank signed at nonce 0 is dead too.
    await expect(
      c.token.permit(permit.owner, permit.spender, permit.value, permit.deadline, permit.v, permit.r, permit.s),
    )
      .to.be.revertedWithCustomError(c.token, "ERC2612InvalidSigner")
      .withArgs(anyValue, c.frank.address);
    expect(await c.token.delegates(c.frank)).to.equal(c.alice.address);
    expect(await c.token.nonces(c.frank)).to.equal(1n);
  });
});

describe("attack: replay a governance ballot signed for castVoteBySig", function () {
  /** alice (10M CRP, self-delegated) proposes twice; bob self-delegates first; both proposals are active. */
  async function votingFixture() {
    const c = await loadFixture(replayFixture);
    await (await c.token.connect(c.alice).delegate(c.alice)).wait();
    await (await c.token.connect(c.bob).delegate(c.bob)).wait();
    await time.increase(1);
    const proposals: bigint[] = [];
    for (const period of [7n * 86_400n, 8n * 86_400n]) {
      const call = c.governor.interface.encodeFunctionData("setVotingPeriod", [period]);
      const target = await c.governor.getAddress();
      const description = `Voting period to ${period}`;
      await (await c.governor.connect(c.alice).propose([target], [0n], [call], description)).wait();
      proposals.push(await c.governor.hashProposal([target], [0n], [call], id(description)));
    }
    const [first, second] = proposals;
    if (first === undefined || second === undefined) throw new Error("no proposals");
    await time.increaseTo((await c.governor.proposalSnapshot(second)) + 1n);
    expect(await c.governor.state(first)).to.equal(1n);
    expect(await c.governor.state(second)).to.equal(1n);
    const domain = await c.governor.eip712Domain();
    return {
      ...c,
      first,
      second,
      weight: await c.token.getVotes(c.bob),
      domain: {
        name: domain.name,
        version: domain.version,
        chainId: domain.chainId,
        verifyingContract: domain.verifyingContract,
      },
    };
  }

  type Voting = Awaited<ReturnType<typeof votingFixture>>;

  /** bob's ballot over `domain`, at his current governor nonce unless given. */
  async function ballot(c: Voting, proposalId: bigint, support: number, domain: TypedDataDomain = c.domain) {
    const nonce = await c.governor.nonces(c.bob);
    return c.bob.signTypedData(domain, BALLOT_TYPES, { proposalId, support, voter: c.bob.address, nonce });
  }

  it("a relayed ballot counts once; relaying it again is refused GovernorInvalidSignature (its nonce is spent) and the tally does not move", async function () {
    const c = await loadFixture(votingFixture);
    expect(c.weight).to.be.greaterThan(0n);
    const signature = await ballot(c, c.first, FOR);
    await expect(c.governor.connect(c.stranger).castVoteBySig(c.first, FOR, c.bob, signature))
      .to.emit(c.governor, "VoteCast")
      .withArgs(c.bob.address, c.first, FOR, c.weight, "");
    await expect(c.governor.connect(c.stranger).castVoteBySig(c.first, FOR, c.bob, signature))
      .to.be.revertedWithCustomError(c.governor, "GovernorInvalidSignature")
      .withArgs(c.bob.address);
    const [against, forVotes, abstain] = await c.governor.proposalVotes(c.first);
    expect([against, forVotes, abstain]).to.deep.equal([0n, c.weight, 0n]);
    expect(await c.governor.nonces(c.bob)).to.equal(1n);
  });

  it("a ballot is refused on another proposal, with another support, for another voter, or signed for another chain; bob's vote is then his own to cast", async function () {
    const c = await loadFixture(votingFixture);
    const signature = await ballot(c, c.first, FOR);
    const attempts: [bigint, number, HardhatEthersSigner, string][] = [
      [c.second, FOR, c.bob, signature],
      [c.first, AGAINST, c.bob, signature],
      [c.first, FOR, c.alice, signature],
      [c.first, FOR, c.bob, await ballot(c, c.first, FOR, { ...c.domain, chainId: 1n })],
    ];
    for (const [proposalId, support, voter, sig] of attempts) {
      await expect(c.governor.connect(c.stranger).castVoteBySig(proposalId, support, voter, sig))
        .to.be.revertedWithCustomError(c.governor, "GovernorInvalidSignature")
        .withArgs(voter.address);
    }
    for (const proposalId of [c.first, c.second]) {
      expect(await c.governor.hasVoted(proposalId, c.bob)).to.equal(false);
      expect(await c.governor.hasVoted(proposalId, c.alice)).to.equal(false);
    }
    // Nothing was consumed: the original ballot still counts where it was meant to.
    await expect(c.governor.connect(c.stranger).castVoteBySig(c.first, FOR, c.bob, signature))
      .to.emit(c.governor, "VoteCast")
      .withArgs(c.bob.address, c.first, FOR, c.weight, "");
  });
});

describe("attack: replay a signed data-access request (SDK signAccessRequest / verifyAccessRequest)", function () {
  /** The reason a verification was refused for (it must be refused with a CorpusAccessDeniedError). */
  async function refusal(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof CorpusAccessDeniedError) return error.reason;
      throw error;
    }
    throw new Error("the request was accepted");
  }

  it("a request signed for another chain, another contract or another server is refused; one already used is refused as replayed; a fresh one is accepted", async function () {
    const c = await loadFixture(replayFixture);
    const now = await time.latest();
    const domain = { chainId: c.chainId, dataContract: c.dataAddress };
    const nonces = new MemoryNonceStore(() => now);
    const verify = (signed: SignedAccessRequest, audience = AUDIENCE) =>
      verifyAccessRequest(c.data, domain, signed, { audience, nonces, now });
    const sign = (d: typeof domain, audience = AUDIENCE) =>
      signAccessRequest(c.heidi, d, { tokenId: c.tokenId, audience, now });

    const genuine = await sign(domain);
    const access = await verify(genuine);
    expect(access.licensee).to.equal(c.heidi.address);
    expect(access.tokenId).to.equal(c.tokenId);
    expect(access.licenceExpiry).to.equal(await c.data.licenseExpiry(c.tokenId, c.heidi.address));

    // The same request again, as an eavesdropper would send it.
    expect(await refusal(verify(genuine))).to.equal("replayed");
    // Signed for another chain, or for another contract (the registry), with the same Data NFT token id.
    expect(await refusal(verify(await sign({ ...domain, chainId: 1n })))).to.equal("bad-signature");
    expect(await refusal(verify(await sign({ ...domain, dataContract: c.registry })))).to.equal("bad-signature");
    // Signed for another server, presented to this one; and this server's request replayed to another.
    const elsewhere = await sign(domain, "https://other.example.org");
    expect(await refusal(verify(elsewhere))).to.equal("wrong-audience");
    const fresh = await sign(domain);
    expect(await refusal(verify(fresh, "https://other.example.org"))).to.equal("wrong-audience");
    // The attacker rewrites the licensee to itself: the signature no longer matches.
    const stolen = { ...fresh, request: { ...fresh.request, licensee: c.stranger.address } };
    expect(await refusal(verify(stolen))).to.equal("bad-signature");
    // None of the refusals burnt the fresh request's nonce: heidi's own use of it is accepted, once.
    expect((await verify(fresh)).licensee).to.equal(c.heidi.address);
    expect(await refusal(verify(fresh))).to.equal("replayed");
  });

  it("a request replayed after it expired is refused as expired, and a licensee without a licence is refused whatever it signs", async function () {
    const c = await loadFixture(replayFixture);
    const now = await time.latest();
    const domain = { chainId: c.chainId, dataContract: c.dataAddress };
    const nonces = new MemoryNonceStore(() => now + 600);
    const old = await signAccessRequest(c.heidi, domain, { tokenId: c.tokenId, audience: AUDIENCE, now });
    expect(
      await refusal(verifyAccessRequest(c.data, domain, old, { audience: AUDIENCE, nonces, now: now + 600 })),
    ).to.equal("expired");
    const unlicensed = await signAccessRequest(c.stranger, domain, { tokenId: c.tokenId, audience: AUDIENCE, now });
    expect(
      await refusal(verifyAccessRequest(c.data, domain, unlicensed, { audience: AUDIENCE, nonces, now })),
    ).to.equal("no-licence");
  });
});
