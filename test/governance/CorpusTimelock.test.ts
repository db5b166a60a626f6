import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, loadFixture, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { CorpusTimelock__factory, type CorpusTimelock } from "../../sdk/src/typechain";
import { CRP, DAY, deployCorpusFixture } from "../helpers/fixtures";

const ROLES = {
  DEFAULT_ADMIN_ROLE: ZeroHash,
  PROPOSER_ROLE: id("PROPOSER_ROLE"),
  EXECUTOR_ROLE: id("EXECUTOR_ROLE"),
  CANCELLER_ROLE: id("CANCELLER_ROLE"),
} as const;

const FLOOR = BigInt(1 * DAY);
const CEILING = BigInt(30 * DAY);
const DEPLOYED_DELAY = BigInt(2 * DAY);

/** A signer for `address` (a contract, here), funded so it can pay for gas. */
async function impersonate(address: string): Promise<HardhatEthersSigner> {
  await impersonateAccount(address);
  await setBalance(address, 100n * CRP);
  return ethers.getSigner(address);
}

/** The fixture plus a signer for the timelock's own address, the only caller allowed to update the delay. */
async function asTimelock() {
  const fixture = await loadFixture(deployCorpusFixture);
  const self = await impersonate(await fixture.timelock.getAddress());
  return { ...fixture, self };
}

/**
 * Every current holder of each timelock role, rebuilt from RoleGranted/RoleRevoked events
 * (AccessControl is not enumerable, so the events are the complete record).
 */
async function roleHolders(timelock: CorpusTimelock, fromBlock: number): Promise<Record<string, string[]>> {
  const changes = [
    ...(await timelock.queryFilter(timelock.filters.RoleGranted(), fromBlock)).map((e) => ({ e, granted: true })),
    ...(await timelock.queryFilter(timelock.filters.RoleRevoked(), fromBlock)).map((e) => ({ e, granted: false })),
  ].sort((a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index);

  const holders = new Map<string, Set<string>>();
  for (const { e, granted } of changes) {
    const set = holders.get(e.args.role) ?? new Set<string>();
    if (granted) set.add(e.args.account);
    else set.delete(e.args.account);
    holders.set(e.args.role, set);
  }
  return Object.fromEntries(Object.entries(ROLES).map(([name, role]) => [name, [...(holders.get(role) ?? [])].sort()]));
}

describe("CorpusTimelock", () => {
  describe("deployment", () => {
    it("has a minimum delay of 2 days, within the 1 to 30 day bounds", async () => {
      const { timelock } = await loadFixture(deployCorpusFixture);
      expect(await timelock.getMinDelay()).to.equal(DEPLOYED_DELAY);
      expect(await timelock.MIN_DELAY_FLOOR()).to.equal(FLOOR);
      expect(await timelock.MIN_DELAY_CEILING()).to.equal(CEILING);
    });

    it("gives the governor PROPOSER_ROLE and CANCELLER_ROLE and lets anyone execute", async () => {
      const { timelock, governor } = await loadFixture(deployCorpusFixture);
      expect(await timelock.hasRole(ROLES.PROPOSER_ROLE, governor)).to.equal(true);
      expect(await timelock.hasRole(ROLES.CANCELLER_ROLE, governor)).to.equal(true);
      expect(await timelock.hasRole(ROLES.EXECUTOR_ROLE, ZeroAddress)).to.equal(true);
      expect(await timelock.hasRole(ROLES.DEFAULT_ADMIN_ROLE, timelock)).to.equal(true);
    });

    it("leaves the deployer and the guardian with no role at all", async () => {
      const { timelock, deployer, guardian } = await loadFixture(deployCorpusFixture);
      for (const account of [deployer, guardian]) {
        for (const role of Object.values(ROLES)) {
          expect(await timelock.hasRole(role, account), `${account.address} holds ${role}`).to.equal(false);
        }
      }
    });

    it("has exactly these role holders: admin the timelock, proposer and canceller the governor, executor anyone", async () => {
      const { timelock, governor, addressBook } = await loadFixture(deployCorpusFixture);
      const timelockAddress = await timelock.getAddress();
      const governorAddress = await governor.getAddress();

      expect(await roleHolders(timelock, addressBook.startBlock)).to.deep.equal({
        DEFAULT_ADMIN_ROLE: [timelockAddress],
        PROPOSER_ROLE: [governorAddress],
        EXECUTOR_ROLE: [ZeroAddress],
        CANCELLER_ROLE: [governorAddress],
      });
    });
  });

  describe("constructor", () => {
    for (const minDelay of [FLOOR, CEILING]) {
      it(`accepts a minimum delay at the bound of ${minDelay} seconds`, async () => {
        const { deployer } = await loadFixture(deployCorpusFixture);
        const timelock = await new CorpusTimelock__factory(deployer).deploy(minDelay, [], [], ZeroAddress);
        expect(await timelock.getMinDelay()).to.equal(minDelay);
      });
    }

    for (const minDelay of [0n, FLOOR - 1n, CEILING + 1n]) {
      it(`rejects a minimum delay of ${minDelay} seconds with CorpusTimelockDelayOutOfBounds`, async () => {
        const { deployer } = await loadFixture(deployCorpusFixture);
        const factory = new CorpusTimelock__factory(deployer);
        await expect(factory.deploy(minDelay, [], [], ZeroAddress))
          .to.be.revertedWithCustomError(factory, "CorpusTimelockDelayOutOfBounds")
          .withArgs(minDelay, FLOOR, CEILING);
      });
    }
  });

  describe("updateDelay", () => {
    describe("called by anyone but the timelock", () => {
      for (const [label, newDelay] of [
        ["an in-bounds", 3n * FLOOR],
        ["a too-short", FLOOR - 1n],
        ["a too-long", CEILING + 1n],
      ] as const) {
        it(`with ${label} value reverts TimelockUnauthorizedCaller(caller) and keeps the delay`, async () => {
          const { timelock, stranger } = await loadFixture(deployCorpusFixture);
          await expect(timelock.connect(stranger).updateDelay(newDelay))
            .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
            .withArgs(stranger.address);
          expect(await timelock.getMinDelay()).to.equal(DEPLOYED_DELAY);
        });
      }

      it("when it is the governor (a proposer, not the timelock) reverts TimelockUnauthorizedCaller(governor)", async () => {
        const { timelock, governor } = await loadFixture(deployCorpusFixture);
        const governorSigner = await impersonate(await governor.getAddress());

        await expect(timelock.connect(governorSigner).updateDelay(3n * FLOOR))
          .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
          .withArgs(governorSigner.address);
        expect(await timelock.getMinDelay()).to.equal(DEPLOYED_DELAY);
      });
    });

    describe("called by the timelock itself", () => {
      for (const newDelay of [FLOOR, CEILING]) {
        it(`to the bound of ${newDelay} seconds sets the delay and emits MinDelayChange`, async () => {
          const { timelock, self } = await asTimelock();
          await expect(timelock.connect(self).updateDelay(newDelay))
            .to.emit(timelock, "MinDelayChange")
            .withArgs(DEPLOYED_DELAY, newDelay);
          expect(await timelock.getMinDelay()).to.equal(newDelay);
        });
      }

      for (const [label, newDelay] of [
        ["one second below the floor", FLOOR - 1n],
        ["one second above the ceiling", CEILING + 1n],
        ["zero", 0n],
      ] as const) {
        it(`to ${label} reverts CorpusTimelockDelayOutOfBounds(delay, min, max) and keeps the delay`, async () => {
          const { timelock, self } = await asTimelock();
          await expect(timelock.connect(self).updateDelay(newDelay))
            .to.be.revertedWithCustomError(timelock, "CorpusTimelockDelayOutOfBounds")
            .withArgs(newDelay, FLOOR, CEILING);
          expect(await timelock.getMinDelay()).to.equal(DEPLOYED_DELAY);
        });
      }
    });

    describe("through an operation the governor schedules", () => {
      /** Schedules `updateDelay(newDelay)` as the governor and waits out the minimum delay. */
      async function scheduleUpdate(newDelay: bigint) {
        const fixture = await loadFixture(deployCorpusFixture);
        const { timelock, governor } = fixture;
        const proposer = await impersonate(await governor.getAddress());
        const call = {
          target: await timelock.getAddress(),
          data: timelock.interface.encodeFunctionData("updateDelay", [newDelay]),
          salt: id(`updateDelay(${newDelay})`),
        };
        await timelock.connect(proposer).schedule(call.target, 0n, call.data, ZeroHash, call.salt, DEPLOYED_DELAY);
        await time.increase(DEPLOYED_DELAY);
        const execute = () =>
          timelock.connect(fixture.stranger).execute(call.target, 0n, call.data, ZeroHash, call.salt);
        return { ...fixture, execute };
      }

      it("with an in-bounds delay, once ready, is executed by anyone and changes the delay", async () => {
        const { timelock, execute } = await scheduleUpdate(7n * FLOOR);
        await expect(execute())
          .to.emit(timelock, "MinDelayChange")
          .withArgs(DEPLOYED_DELAY, 7n * FLOOR);
        expect(await timelock.getMinDelay()).to.equal(7n * FLOOR);
      });

      it("with an out-of-bounds delay fails at execution with CorpusTimelockDelayOutOfBounds", async () => {
        const { timelock, execute } = await scheduleUpdate(CEILING + 1n);
        await expect(execute())
          .to.be.revertedWithCustomError(timelock, "CorpusTimelockDelayOutOfBounds")
          .withArgs(CEILING + 1n, FLOOR, CEILING);
        expect(await timelock.getMinDelay()).to.equal(DEPLOYED_DELAY);
      });
    });
  });
});
