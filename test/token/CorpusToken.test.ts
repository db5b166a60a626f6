import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, loadFixture, mine, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Signature, TypedDataEncoder, ZeroAddress, ZeroHash, getCreateAddress, id, verifyTypedData } from "ethers";
import type { ContractTransactionResponse, TypedDataField } from "ethers";
import { CorpusToken__factory, type CorpusToken } from "../../sdk/src/typechain";
import { CRP, deployCorpusFixture, localParameters } from "../helpers/fixtures";
import { PERMIT_TYPES, tokenDomain } from "../../scripts/lib/permit";

const MAX_SUPPLY = 1_000_000_000n * CRP;
const MINTER_ROLE = id("MINTER_ROLE");
const DEFAULT_ADMIN_ROLE = ZeroHash;
/** What each of alice..heidi holds after the local deployment. */
const HOLDER_BALANCE = 10_000_000n * CRP;
/** What the timelock (the treasury) holds after the local deployment. */
const TREASURY_BALANCE = 500_000_000n * CRP;
const HOUR = 60 * 60;

const DELEGATION_TYPES: Record<string, TypedDataField[]> = {
  Delegation: [
    { name: "delegatee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

/** A signer for `address` (a contract, here), funded so it can pay for gas. */
async function impersonate(address: string): Promise<HardhatEthersSigner> {
  await impersonateAccount(address);
  await setBalance(address, 100n * CRP);
  return ethers.getSigner(address);
}

interface PermitMessage {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: number;
}

/** The permit `owner` would sign to let `spender` take `value`, with the owner's current nonce. */
async function permitMessage(
  token: CorpusToken,
  owner: HardhatEthersSigner,
  spender: HardhatEthersSigner,
  value: bigint,
  deadline: number,
): Promise<PermitMessage> {
  return { owner: owner.address, spender: spender.address, value, nonce: await token.nonces(owner), deadline };
}

/** Calls `permit` with `signature` over `message`. */
function submitPermit(token: CorpusToken, message: PermitMessage, signature: string) {
  const { v, r, s } = Signature.from(signature);
  return token.permit(message.owner, message.spender, message.value, message.deadline, v, r, s);
}

/** The timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error(`block ${receipt.blockNumber} not found`);
  return block.timestamp;
}

/** The fixture plus a signer for the timelock, which is the token's governance. */
async function withGovernance() {
  const fixture = await loadFixture(deployCorpusFixture);
  const governance = await impersonate(await fixture.timelock.getAddress());
  return { ...fixture, governance };
}

describe("CorpusToken", () => {
  describe("metadata", () => {
    it("is named Corpus with symbol CRP and 18 decimals", async () => {
      const { token } = await loadFixture(deployCorpusFixture);
      expect(await token.name()).to.equal("Corpus");
      expect(await token.symbol()).to.equal("CRP");
      expect(await token.decimals()).to.equal(18n);
    });

    it("caps the supply at MAX_SUPPLY, one billion CRP", async () => {
      const { token } = await loadFixture(deployCorpusFixture);
      expect(await token.MAX_SUPPLY()).to.equal(MAX_SUPPLY);
      expect(await token.cap()).to.equal(MAX_SUPPLY);
    });
  });

  describe("constructor", () => {
    it("mints the local allocation: 500M CRP to the timelock and 10M CRP to each listed holder", async () => {
      const { token, timelock, alice, bob, carol, dave, erin, frank, grace, heidi, deployer } =
        await loadFixture(deployCorpusFixture);
      const { token: parameters } = localParameters();

      expect(await token.balanceOf(timelock)).to.equal(TREASURY_BALANCE);
      expect(parameters.treasuryAllocation).to.equal(TREASURY_BALANCE);
      const holders = [alice, bob, carol, dave, erin, frank, grace, heidi];
      expect(parameters.allocations.map((a) => a.to)).to.deep.equal(holders.map((h) => h.address));
      for (const holder of holders) expect(await token.balanceOf(holder)).to.equal(HOLDER_BALANCE);
      expect(await token.balanceOf(deployer)).to.equal(0n);
      expect(await token.totalSupply()).to.equal(TREASURY_BALANCE + BigInt(holders.length) * HOLDER_BALANCE);
    });

    it("grants DEFAULT_ADMIN_ROLE and MINTER_ROLE to governance only, and no role to the deployer", async () => {
      const { token, timelock, deployer, addressBook } = await loadFixture(deployCorpusFixture);
      const timelockAddress = await timelock.getAddress();

      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, timelock)).to.equal(true);
      expect(await token.hasRole(MINTER_ROLE, timelock)).to.equal(true);
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, deployer)).to.equal(false);
      expect(await token.hasRole(MINTER_ROLE, deployer)).to.equal(false);
      expect(await token.MINTER_ROLE()).to.equal(MINTER_ROLE);
      expect(await token.getRoleAdmin(MINTER_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);

      // AccessControl is not enumerable: the role events are the complete record of who holds what.
      const granted = await token.queryFilter(token.filters.RoleGranted(), addressBook.startBlock);
      const revoked = await token.queryFilter(token.filters.RoleRevoked(), addressBook.startBlock);
      expect(granted.map((e) => [e.args.role, e.args.account])).to.have.deep.members([
        [DEFAULT_ADMIN_ROLE, timelockAddress],
        [MINTER_ROLE, timelockAddress],
      ]);
      expect(revoked).to.have.length(0);
    });

    it("deployed directly, mints the treasury to governance and each amount to its recipient", async () => {
      const { deployer, guardian, alice, bob } = await loadFixture(deployCorpusFixture);
      const token = await new CorpusToken__factory(deployer).deploy(guardian, 7n * CRP, [alice, bob], [1n, 2n * CRP]);

      expect(await token.balanceOf(guardian)).to.equal(7n * CRP);
      expect(await token.balanceOf(alice)).to.equal(1n);
      expect(await token.balanceOf(bob)).to.equal(2n * CRP);
      expect(await token.totalSupply()).to.equal(9n * CRP + 1n);
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, guardian)).to.equal(true);
      expect(await token.hasRole(MINTER_ROLE, guardian)).to.equal(true);
      expect(await token.hasRole(DEFAULT_ADMIN_ROLE, deployer)).to.equal(false);
      expect(await token.hasRole(MINTER_ROLE, deployer)).to.equal(false);
    });

    it("deployed directly with an allocation of exactly the cap, mints the whole cap", async () => {
      const { deployer, guardian, alice } = await loadFixture(deployCorpusFixture);
      const token = await new CorpusToken__factory(deployer).deploy(guardian, MAX_SUPPLY - 5n, [alice], [5n]);
      expect(await token.totalSupply()).to.equal(MAX_SUPPLY);
    });

    describe("rejects", () => {
      /** Expects the next deployment by `deployer` to revert, and checks that no contract was created. */
      async function expectNoDeployment(deployer: HardhatEthersSigner, deployment: () => Promise<unknown>) {
        const nonce = await ethers.provider.getTransactionCount(deployer);
        const wouldBeAt = getCreateAddress({ from: deployer.address, nonce });
        await deployment();
        expect(await ethers.provider.getCode(wouldBeAt)).to.equal("0x");
      }

      it("a zero governance address with CorpusTokenZeroAddress", async () => {
        const { deployer } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusToken__factory(deployer);
        await expectNoDeployment(deployer, () =>
          expect(factory.deploy(ZeroAddress, 0n, [], [])).to.be.revertedWithCustomError(
            factory,
            "CorpusTokenZeroAddress",
          ),
        );
      });

      it("more recipients than amounts with CorpusTokenAllocationLengthMismatch(recipients, amounts)", async () => {
        const { deployer, guardian, alice, bob } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusToken__factory(deployer);
        await expectNoDeployment(deployer, () =>
          expect(factory.deploy(guardian, 0n, [alice, bob], [1n]))
            .to.be.revertedWithCustomError(factory, "CorpusTokenAllocationLengthMismatch")
            .withArgs(2n, 1n),
        );
      });

      it("more amounts than recipients with CorpusTokenAllocationLengthMismatch(recipients, amounts)", async () => {
        const { deployer, guardian, alice } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusToken__factory(deployer);
        await expectNoDeployment(deployer, () =>
          expect(factory.deploy(guardian, 0n, [alice], [1n, 2n, 3n]))
            .to.be.revertedWithCustomError(factory, "CorpusTokenAllocationLengthMismatch")
            .withArgs(1n, 3n),
        );
      });

      it("a treasury allocation above the cap with ERC20ExceededCap(supply, cap)", async () => {
        const { deployer, guardian } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusToken__factory(deployer);
        await expectNoDeployment(deployer, () =>
          expect(factory.deploy(guardian, MAX_SUPPLY + 1n, [], []))
            .to.be.revertedWithCustomError(factory, "ERC20ExceededCap")
            .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY),
        );
      });

      it("allocations that together exceed the cap by one wei with ERC20ExceededCap(supply, cap)", async () => {
        const { deployer, guardian, alice, bob } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusToken__factory(deployer);
        const half = MAX_SUPPLY / 2n;
        await expectNoDeployment(deployer, () =>
          expect(factory.deploy(guardian, half, [alice, bob], [half, 1n]))
            .to.be.revertedWithCustomError(factory, "ERC20ExceededCap")
            .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY),
        );
      });
    });
  });

  describe("minting", () => {
    it("by governance up to exactly the cap succeeds", async () => {
      const { token, governance, bob } = await withGovernance();
      const room = MAX_SUPPLY - (await token.totalSupply());

      await expect(token.connect(governance).mint(bob, room)).to.changeTokenBalance(token, bob, room);
      expect(await token.totalSupply()).to.equal(MAX_SUPPLY);
    });

    it("by governance one wei beyond the cap reverts ERC20ExceededCap(supply, cap) and mints nothing", async () => {
      const { token, governance, bob } = await withGovernance();
      const supply = await token.totalSupply();
      const room = MAX_SUPPLY - supply;

      await expect(token.connect(governance).mint(bob, room + 1n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(bob)).to.equal(HOLDER_BALANCE);
    });

    it("by governance of a single wei once the cap is reached reverts ERC20ExceededCap(supply, cap)", async () => {
      const { token, governance, bob } = await withGovernance();
      await token.connect(governance).mint(bob, MAX_SUPPLY - (await token.totalSupply()));

      await expect(token.connect(governance).mint(bob, 1n))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(MAX_SUPPLY + 1n, MAX_SUPPLY);
      expect(await token.totalSupply()).to.equal(MAX_SUPPLY);
    });

    it("by governance emits a Transfer from the zero address", async () => {
      const { token, governance, carol } = await withGovernance();
      await expect(token.connect(governance).mint(carol, 3n * CRP))
        .to.emit(token, "Transfer")
        .withArgs(ZeroAddress, carol.address, 3n * CRP);
    });

    it("by a stranger reverts AccessControlUnauthorizedAccount(stranger, MINTER_ROLE) and mints nothing", async () => {
      const { token, stranger } = await loadFixture(deployCorpusFixture);
      const supply = await token.totalSupply();

      await expect(token.connect(stranger).mint(stranger, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MINTER_ROLE);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(stranger)).to.equal(0n);
    });

    it("by the deployer reverts AccessControlUnauthorizedAccount(deployer, MINTER_ROLE)", async () => {
      const { token, deployer } = await loadFixture(deployCorpusFixture);
      const supply = await token.totalSupply();

      await expect(token.connect(deployer).mint(deployer, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(deployer.address, MINTER_ROLE);
      expect(await token.totalSupply()).to.equal(supply);
    });

    it("by an account governance granted MINTER_ROLE succeeds", async () => {
      const { token, governance, carol, dave } = await withGovernance();
      await expect(token.connect(governance).grantRole(MINTER_ROLE, carol))
        .to.emit(token, "RoleGranted")
        .withArgs(MINTER_ROLE, carol.address, governance.address);

      await expect(token.connect(carol).mint(dave, 5n * CRP)).to.changeTokenBalance(token, dave, 5n * CRP);
    });

    it("by an account whose MINTER_ROLE governance revoked reverts AccessControlUnauthorizedAccount", async () => {
      const { token, governance, carol, dave } = await withGovernance();
      await token.connect(governance).grantRole(MINTER_ROLE, carol);
      await token.connect(governance).revokeRole(MINTER_ROLE, carol);
      const supply = await token.totalSupply();

      expect(await token.hasRole(MINTER_ROLE, carol)).to.equal(false);
      await expect(token.connect(carol).mint(dave, 1n))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, MINTER_ROLE);
      expect(await token.totalSupply()).to.equal(supply);
    });

    it("MINTER_ROLE granted by a minter that is not admin reverts AccessControlUnauthorizedAccount", async () => {
      const { token, governance, carol, dave } = await withGovernance();
      await token.connect(governance).grantRole(MINTER_ROLE, carol);

      await expect(token.connect(carol).grantRole(MINTER_ROLE, dave))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, DEFAULT_ADMIN_ROLE);
      expect(await token.hasRole(MINTER_ROLE, dave)).to.equal(false);
    });
  });

  describe("permit (EIP-2612)", () => {
    it("exposes the EIP-712 domain Corpus/1 on this chain and token, matching DOMAIN_SEPARATOR", async () => {
      const { token } = await loadFixture(deployCorpusFixture);
      const domain = await tokenDomain(token);

      expect(domain).to.deep.equal({
        name: "Corpus",
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await token.getAddress(),
      });
      expect(await token.DOMAIN_SEPARATOR()).to.equal(TypedDataEncoder.hashDomain(domain));
    });

    it("with a valid signature, relayed by anyone, sets the allowance, bumps the nonce and lets the spender pull", async () => {
      const { token, alice, bob, stranger } = await loadFixture(deployCorpusFixture);
      const message = await permitMessage(token, alice, bob, 4n * CRP, (await time.latest()) + HOUR);
      const signature = await alice.signTypedData(await tokenDomain(token), PERMIT_TYPES, message);

      await expect(submitPermit(token.connect(stranger), message, signature))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, 4n * CRP);
      expect(await token.allowance(alice, bob)).to.equal(4n * CRP);
      expect(await token.nonces(alice)).to.equal(1n);

      await expect(token.connect(bob).transferFrom(alice, bob, 4n * CRP)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-4n * CRP, 4n * CRP],
      );
    });

    it("with a deadline in the past reverts ERC2612ExpiredSignature(deadline) and changes nothing", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const deadline = (await time.latest()) - 1;
      const message = await permitMessage(token, alice, bob, CRP, deadline);
      const signature = await alice.signTypedData(await tokenDomain(token), PERMIT_TYPES, message);

      await expect(submitPermit(token, message, signature))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(deadline);
      expect(await token.allowance(alice, bob)).to.equal(0n);
      expect(await token.nonces(alice)).to.equal(0n);
    });

    it("replayed after use reverts ERC2612InvalidSigner and does not restore the spent allowance", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const domain = await tokenDomain(token);
      const message = await permitMessage(token, alice, bob, 4n * CRP, (await time.latest()) + HOUR);
      const signature = await alice.signTypedData(domain, PERMIT_TYPES, message);
      await submitPermit(token, message, signature);
      await token.connect(bob).transferFrom(alice, bob, 3n * CRP);

      // The contract now hashes nonce 1, so the old signature recovers to some unrelated address.
      const recovered = verifyTypedData(domain, PERMIT_TYPES, { ...message, nonce: 1n }, signature);
      expect(recovered).to.not.equal(alice.address);
      await expect(submitPermit(token, message, signature))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await token.allowance(alice, bob)).to.equal(CRP);
      expect(await token.nonces(alice)).to.equal(1n);
    });

    it("signed by a key other than the owner's reverts ERC2612InvalidSigner(signer, owner)", async () => {
      const { token, alice, bob, stranger } = await loadFixture(deployCorpusFixture);
      const message = await permitMessage(token, alice, stranger, CRP, (await time.latest()) + HOUR);
      const signature = await bob.signTypedData(await tokenDomain(token), PERMIT_TYPES, message);

      await expect(submitPermit(token, message, signature))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);
      expect(await token.allowance(alice, stranger)).to.equal(0n);
      expect(await token.nonces(alice)).to.equal(0n);
      expect(await token.nonces(bob)).to.equal(0n);
    });

    it("signed for another chain id reverts ERC2612InvalidSigner and changes nothing", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const domain = await tokenDomain(token);
      const message = await permitMessage(token, alice, bob, CRP, (await time.latest()) + HOUR);
      const signature = await alice.signTypedData({ ...domain, chainId: 1n }, PERMIT_TYPES, message);

      const recovered = verifyTypedData(domain, PERMIT_TYPES, message, signature);
      expect(recovered).to.not.equal(alice.address);
      await expect(submitPermit(token, message, signature))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await token.allowance(alice, bob)).to.equal(0n);
      expect(await token.nonces(alice)).to.equal(0n);
    });

    it("signed for another token contract works there but reverts ERC2612InvalidSigner here", async () => {
      const { token, deployer, guardian, alice, bob } = await loadFixture(deployCorpusFixture);
      const otherToken = await new CorpusToken__factory(deployer).deploy(guardian, 0n, [], []);
      const message = await permitMessage(token, alice, bob, CRP, (await time.latest()) + HOUR);
      const signature = await alice.signTypedData(await tokenDomain(otherToken), PERMIT_TYPES, message);

      const recovered = verifyTypedData(await tokenDomain(token), PERMIT_TYPES, message, signature);
      await expect(submitPermit(token, message, signature))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await token.allowance(alice, bob)).to.equal(0n);
      expect(await token.nonces(alice)).to.equal(0n);

      // The same signature is valid where it was meant to be used.
      await submitPermit(otherToken, message, signature);
      expect(await otherToken.allowance(alice, bob)).to.equal(CRP);
    });
  });

  describe("votes (ERC20Votes on a timestamp clock)", () => {
    it("reports CLOCK_MODE mode=timestamp and a clock equal to the latest block timestamp", async () => {
      const { token } = await loadFixture(deployCorpusFixture);
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await token.clock()).to.equal(BigInt(await time.latest()));

      await time.increase(3 * HOUR);
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
    });

    it("gives a holder no votes before they delegate", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      expect(await token.balanceOf(alice)).to.equal(HOLDER_BALANCE);
      expect(await token.delegates(alice)).to.equal(ZeroAddress);
      expect(await token.getVotes(alice)).to.equal(0n);
      expect(await token.numCheckpoints(alice)).to.equal(0n);
    });

    it("after self-delegation, gives the holder votes equal to their balance", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      await expect(token.connect(alice).delegate(alice))
        .to.emit(token, "DelegateChanged")
        .withArgs(alice.address, ZeroAddress, alice.address)
        .and.to.emit(token, "DelegateVotesChanged")
        .withArgs(alice.address, 0n, HOLDER_BALANCE);

      expect(await token.delegates(alice)).to.equal(alice.address);
      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE);
    });

    it("after delegation to another account, moves the votes to the delegatee only", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(bob);

      expect(await token.delegates(alice)).to.equal(bob.address);
      expect(await token.getVotes(alice)).to.equal(0n);
      // Bob has not delegated his own balance, so only alice's counts.
      expect(await token.getVotes(bob)).to.equal(HOLDER_BALANCE);

      await token.connect(bob).delegate(bob);
      expect(await token.getVotes(bob)).to.equal(2n * HOLDER_BALANCE);
    });

    it("delegateBySig with a valid signature, relayed by anyone, delegates and bumps the nonce", async () => {
      const { token, alice, bob, stranger } = await loadFixture(deployCorpusFixture);
      const expiry = (await time.latest()) + HOUR;
      const message = { delegatee: bob.address, nonce: await token.nonces(alice), expiry };
      const { v, r, s } = Signature.from(
        await alice.signTypedData(await tokenDomain(token), DELEGATION_TYPES, message),
      );

      await expect(token.connect(stranger).delegateBySig(bob, message.nonce, expiry, v, r, s))
        .to.emit(token, "DelegateChanged")
        .withArgs(alice.address, ZeroAddress, bob.address);
      expect(await token.delegates(alice)).to.equal(bob.address);
      expect(await token.getVotes(bob)).to.equal(HOLDER_BALANCE);
      expect(await token.nonces(alice)).to.equal(1n);
    });

    it("delegateBySig replayed reverts InvalidAccountNonce(signer, current nonce)", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const expiry = (await time.latest()) + HOUR;
      const message = { delegatee: bob.address, nonce: 0n, expiry };
      const { v, r, s } = Signature.from(
        await alice.signTypedData(await tokenDomain(token), DELEGATION_TYPES, message),
      );
      await token.delegateBySig(bob, 0n, expiry, v, r, s);
      await token.connect(alice).delegate(alice);

      await expect(token.delegateBySig(bob, 0n, expiry, v, r, s))
        .to.be.revertedWithCustomError(token, "InvalidAccountNonce")
        .withArgs(alice.address, 1n);
      expect(await token.delegates(alice)).to.equal(alice.address);
      expect(await token.nonces(alice)).to.equal(1n);
    });

    it("delegateBySig past its expiry reverts VotesExpiredSignature(expiry) and changes nothing", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const expiry = (await time.latest()) - 1;
      const message = { delegatee: bob.address, nonce: 0n, expiry };
      const { v, r, s } = Signature.from(
        await alice.signTypedData(await tokenDomain(token), DELEGATION_TYPES, message),
      );

      await expect(token.delegateBySig(bob, 0n, expiry, v, r, s))
        .to.be.revertedWithCustomError(token, "VotesExpiredSignature")
        .withArgs(expiry);
      expect(await token.delegates(alice)).to.equal(ZeroAddress);
      expect(await token.nonces(alice)).to.equal(0n);
    });

    it("on a transfer between delegated accounts, moves votes and writes checkpoints at the block timestamp", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(alice);
      await token.connect(bob).delegate(bob);
      const amount = 1_234n * CRP;

      const at = await minedAt(token.connect(alice).transfer(bob, amount));

      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE - amount);
      expect(await token.getVotes(bob)).to.equal(HOLDER_BALANCE + amount);
      expect(await token.numCheckpoints(alice)).to.equal(2n);
      expect(await token.numCheckpoints(bob)).to.equal(2n);
      const aliceLatest = await token.checkpoints(alice, 1);
      const bobLatest = await token.checkpoints(bob, 1);
      expect([aliceLatest._key, aliceLatest._value]).to.deep.equal([BigInt(at), HOLDER_BALANCE - amount]);
      expect([bobLatest._key, bobLatest._value]).to.deep.equal([BigInt(at), HOLDER_BALANCE + amount]);
    });

    it("on a transfer to an account that has not delegated, removes the sender's votes without adding any", async () => {
      const { token, alice, carol } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(alice);

      await token.connect(alice).transfer(carol, 100n * CRP);
      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE - 100n * CRP);
      expect(await token.getVotes(carol)).to.equal(0n);
      expect(await token.numCheckpoints(carol)).to.equal(0n);
    });

    it("getPastVotes returns the votes in force at each past timestamp", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      const delegatedAt = await minedAt(token.connect(alice).delegate(alice));
      await time.increase(HOUR);
      const transferredAt = await minedAt(token.connect(alice).transfer(bob, 100n * CRP));
      await time.increase(HOUR);

      expect(await token.getPastVotes(alice, delegatedAt - 1)).to.equal(0n);
      expect(await token.getPastVotes(alice, delegatedAt)).to.equal(HOLDER_BALANCE);
      expect(await token.getPastVotes(alice, transferredAt - 1)).to.equal(HOLDER_BALANCE);
      expect(await token.getPastVotes(alice, transferredAt)).to.equal(HOLDER_BALANCE - 100n * CRP);
      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE - 100n * CRP);
    });

    it("getPastTotalSupply returns the supply at each past timestamp, across a mint and a burn", async () => {
      const { token, governance, alice } = await withGovernance();
      const initialSupply = await token.totalSupply();
      await time.increase(HOUR);
      const mintedAt = await minedAt(token.connect(governance).mint(alice, 50n * CRP));
      await time.increase(HOUR);
      const burnedAt = await minedAt(token.connect(alice).burn(20n * CRP));
      await mine();

      expect(await token.getPastTotalSupply(mintedAt - 1)).to.equal(initialSupply);
      expect(await token.getPastTotalSupply(mintedAt)).to.equal(initialSupply + 50n * CRP);
      expect(await token.getPastTotalSupply(burnedAt - 1)).to.equal(initialSupply + 50n * CRP);
      expect(await token.getPastTotalSupply(burnedAt)).to.equal(initialSupply + 30n * CRP);
    });

    it("getPastVotes and getPastTotalSupply for the current timestamp revert ERC5805FutureLookup", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(alice);
      const now = await token.clock();

      await expect(token.getPastVotes(alice, now))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now, now);
      await expect(token.getPastTotalSupply(now))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now, now);
      // One second earlier is in the past and answers.
      expect(await token.getPastVotes(alice, now - 1n)).to.equal(0n);
    });

    it("getPastVotes for a future timestamp reverts ERC5805FutureLookup(timepoint, clock)", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      const now = await token.clock();
      const future = now + BigInt(HOUR);

      await expect(token.getPastVotes(alice, future))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(future, now);
    });
  });

  describe("burning", () => {
    it("burn by a self-delegated holder reduces their balance, the supply and their votes", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(alice);
      const supply = await token.totalSupply();

      await expect(token.connect(alice).burn(7n * CRP))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ZeroAddress, 7n * CRP);
      expect(await token.balanceOf(alice)).to.equal(HOLDER_BALANCE - 7n * CRP);
      expect(await token.totalSupply()).to.equal(supply - 7n * CRP);
      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE - 7n * CRP);
    });

    it("burnFrom within an allowance reduces the holder's balance, the supply, their votes and the allowance", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).delegate(alice);
      await token.connect(alice).approve(bob, 10n * CRP);
      const supply = await token.totalSupply();

      await token.connect(bob).burnFrom(alice, 6n * CRP);
      expect(await token.balanceOf(alice)).to.equal(HOLDER_BALANCE - 6n * CRP);
      expect(await token.balanceOf(bob)).to.equal(HOLDER_BALANCE);
      expect(await token.totalSupply()).to.equal(supply - 6n * CRP);
      expect(await token.getVotes(alice)).to.equal(HOLDER_BALANCE - 6n * CRP);
      expect(await token.allowance(alice, bob)).to.equal(4n * CRP);
    });

    it("burnFrom beyond the allowance reverts ERC20InsufficientAllowance and burns nothing", async () => {
      const { token, alice, bob } = await loadFixture(deployCorpusFixture);
      await token.connect(alice).approve(bob, CRP);
      const supply = await token.totalSupply();

      await expect(token.connect(bob).burnFrom(alice, CRP + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, CRP, CRP + 1n);
      expect(await token.balanceOf(alice)).to.equal(HOLDER_BALANCE);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.allowance(alice, bob)).to.equal(CRP);
    });

    it("burn beyond the balance reverts ERC20InsufficientBalance and burns nothing", async () => {
      const { token, alice } = await loadFixture(deployCorpusFixture);
      const supply = await token.totalSupply();

      await expect(token.connect(alice).burn(HOLDER_BALANCE + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, HOLDER_BALANCE, HOLDER_BALANCE + 1n);
      expect(await token.balanceOf(alice)).to.equal(HOLDER_BALANCE);
      expect(await token.totalSupply()).to.equal(supply);
    });

    it("burn at the cap frees room for governance to mint the same amount again", async () => {
      const { token, governance, alice } = await withGovernance();
      await token.connect(governance).mint(alice, MAX_SUPPLY - (await token.totalSupply()));
      await token.connect(alice).burn(CRP);

      await token.connect(governance).mint(alice, CRP);
      expect(await token.totalSupply()).to.equal(MAX_SUPPLY);
    });
  });
});
