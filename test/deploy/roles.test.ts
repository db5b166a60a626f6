import { expect } from "chai";
import hre from "hardhat";
import { Contract, Interface, ZeroAddress, ZeroHash, getAddress, id } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCorpusFixture } from "../helpers/fixtures";

type Corpus = Awaited<ReturnType<typeof deployCorpusFixture>>;

/** OpenZeppelin AccessControl's events, to read role changes from any contract whatever its ABI. */
const ACCESS_CONTROL_EVENTS = new Interface([
  "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
  "event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)",
]);

/** Everything one deployed contract says about its roles. */
interface RoleReport {
  name: string;
  address: string;
  contract: Contract;
  /** Whether the contract answers `hasRole` (AccessControl). */
  hasAccessControl: boolean;
  /** Role id → name, from every `*_ROLE()` constant of the ABI, DEFAULT_ADMIN_ROLE and every role an event named. */
  roles: Map<string, string>;
  /** Role id → holders, replayed from every RoleGranted/RoleRevoked the contract ever emitted. */
  holders: Map<string, Set<string>>;
  /** Every account a role event ever named. */
  accountsSeen: Set<string>;
  /** Every role event, in order, as `Granted|Revoked role account`. */
  history: string[];
}

/** Reads the role constants and the whole role-event history of every contract of the address book. */
async function roleReports(c: Corpus): Promise<RoleReport[]> {
  const reports: RoleReport[] = [];
  for (const [name, address] of Object.entries(c.addressBook.contracts)) {
    const abi = new Interface((await hre.artifacts.readArtifact(name)).abi);
    const contract = new Contract(address, abi, hre.ethers.provider);
    const hasAccessControl = abi.getFunction("hasRole") !== null;

    const roles = new Map<string, string>();
    if (hasAccessControl) roles.set(ZeroHash, "DEFAULT_ADMIN_ROLE");
    for (const fragment of abi.fragments) {
      if (
        fragment.type === "function" &&
        "name" in fragment &&
        typeof fragment.name === "string" &&
        fragment.name.endsWith("_ROLE")
      ) {
        const roleId = (await contract.getFunction(fragment.name).staticCall()) as string;
        roles.set(roleId, fragment.name);
      }
    }

    const holders = new Map<string, Set<string>>();
    const accountsSeen = new Set<string>();
    const history: string[] = [];
    const logs = await hre.ethers.provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
    for (const log of logs) {
      const event = ACCESS_CONTROL_EVENTS.parseLog(log);
      if (event === null) continue;
      const role = event.args.getValue("role") as string;
      const account = getAddress(event.args.getValue("account") as string);
      if (!roles.has(role)) roles.set(role, `unnamed role ${role}`);
      accountsSeen.add(account);
      const set = holders.get(role) ?? new Set<string>();
      if (event.name === "RoleGranted") set.add(account);
      else set.delete(account);
      holders.set(role, set);
      history.push(`${event.name.slice(4)} ${roles.get(role)} ${account}`);
    }
    reports.push({ name, address, contract, hasAccessControl, roles, holders, accountsSeen, history });
  }
  return reports;
}

async function hasRole(report: RoleReport, role: string, account: string): Promise<boolean> {
  return (await report.contract.getFunction("hasRole").staticCall(role, account)) as boolean;
}

/** A readable name for an address: a contract of the address book, a named signer or address(0). */
function label(c: Corpus, address: string): string {
  for (const [name, at] of Object.entries(c.addressBook.contracts)) if (getAddress(at) === address) return name;
  if (address === ZeroAddress) return "address(0)";
  const signers = {
    deployer: c.deployer,
    guardian: c.guardian,
    alice: c.alice,
    bob: c.bob,
    carol: c.carol,
    dave: c.dave,
    erin: c.erin,
    frank: c.frank,
    grace: c.grace,
    heidi: c.heidi,
    stranger: c.stranger,
  };
  for (const [name, signer] of Object.entries(signers)) if (signer.address === address) return name;
  return address;
}

/**
 * Who must hold which role once deployment is over, for every contract of the address book
 * (a contract without roles maps to `{}`). A contract added to the address book fails the suite until
 * it is listed here.
 */
const EXPECTED_HOLDERS: Record<string, Record<string, string[]>> = {
  CorpusToken: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    MINTER_ROLE: ["CorpusTimelock"],
  },
  CorpusTimelock: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    PROPOSER_ROLE: ["CorpusGovernor"],
    CANCELLER_ROLE: ["CorpusGovernor"],
    EXECUTOR_ROLE: ["address(0)"],
  },
  CorpusGovernor: {},
  PrevrandaoRandomness: {},
  CorpusStaking: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    GUARDIAN_ROLE: ["guardian"],
    LOCKER_ROLE: ["CorpusDisputes", "CorpusTasks"],
    SLASHER_ROLE: ["CorpusDisputes", "CorpusTasks"],
  },
  CorpusDisputes: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    GUARDIAN_ROLE: ["guardian"],
  },
  CorpusTasks: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    GUARDIAN_ROLE: ["guardian"],
  },
  CorpusTasksLens: {},
  CorpusData: {
    DEFAULT_ADMIN_ROLE: ["CorpusTimelock"],
    GUARDIAN_ROLE: ["guardian"],
  },
};

describe("deployed roles", () => {
  it("every contract of the address book has a compiled artifact and code at its address", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const names = Object.keys(c.addressBook.contracts);
    expect(names).to.include.members(["CorpusToken", "CorpusTimelock", "CorpusGovernor"]);
    for (const [name, address] of Object.entries(c.addressBook.contracts)) {
      expect(await hre.artifacts.artifactExists(name), `artifact of ${name}`).to.equal(true);
      expect(await hre.ethers.provider.getCode(address), `code of ${name}`).to.not.equal("0x");
    }
  });

  it("finds every role constant of the ABIs: MINTER_ROLE on the token; PROPOSER, EXECUTOR, CANCELLER on the timelock", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const byName = new Map((await roleReports(c)).map((r) => [r.name, r]));
    expect([...(byName.get("CorpusToken")?.roles.entries() ?? [])]).to.have.deep.members([
      [ZeroHash, "DEFAULT_ADMIN_ROLE"],
      [id("MINTER_ROLE"), "MINTER_ROLE"],
    ]);
    expect([...(byName.get("CorpusTimelock")?.roles.entries() ?? [])]).to.have.deep.members([
      [ZeroHash, "DEFAULT_ADMIN_ROLE"],
      [id("PROPOSER_ROLE"), "PROPOSER_ROLE"],
      [id("EXECUTOR_ROLE"), "EXECUTOR_ROLE"],
      [id("CANCELLER_ROLE"), "CANCELLER_ROLE"],
    ]);
    expect(byName.get("CorpusGovernor")?.hasAccessControl).to.equal(false);
  });

  it("the deployer holds no role, of any name or from any event, on any contract of the address book", async () => {
    const c = await loadFixture(deployCorpusFixture);
    for (const report of await roleReports(c)) {
      if (!report.hasAccessControl) {
        expect(report.history, `${report.name} has no roles, so it emits no role events`).to.deep.equal([]);
        continue;
      }
      for (const [role, roleName] of report.roles) {
        expect(
          await hasRole(report, role, c.deployer.address),
          `deployer holds ${roleName} on ${report.name}`,
        ).to.equal(false);
        expect([...(report.holders.get(role) ?? [])]).to.not.include(c.deployer.address);
      }
    }
  });

  it("no contract of the address book is owned by the deployer", async () => {
    const c = await loadFixture(deployCorpusFixture);
    for (const report of await roleReports(c)) {
      for (const getter of ["owner", "pendingOwner"]) {
        if (report.contract.interface.getFunction(getter) === null) continue;
        const owner = (await report.contract.getFunction(getter).staticCall()) as string;
        expect(owner, `${report.name}.${getter}()`).to.not.equal(c.deployer.address);
      }
    }
  });

  it("every role's current holders are exactly the expected ones, and hasRole agrees with the event history", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const reports = await roleReports(c);
    expect(reports.map((r) => r.name)).to.have.members(Object.keys(EXPECTED_HOLDERS));
    for (const report of reports) {
      const actual: Record<string, string[]> = {};
      for (const [role, roleName] of report.roles) {
        const holders = [...(report.holders.get(role) ?? [])].map((a) => label(c, a)).sort();
        if (holders.length > 0) actual[roleName] = holders;
        // Every account ever named by an event holds the role exactly when the replayed history says so.
        for (const account of report.accountsSeen) {
          expect(
            await hasRole(report, role, account),
            `${report.name}.hasRole(${roleName}, ${label(c, account)})`,
          ).to.equal(report.holders.get(role)?.has(account) ?? false);
        }
      }
      const expected = Object.fromEntries(
        Object.entries(EXPECTED_HOLDERS[report.name] ?? {}).map(([role, who]) => [role, [...who].sort()]),
      );
      expect(actual, `holders on ${report.name}`).to.deep.equal(expected);
    }
  });

  it("every role is administered by DEFAULT_ADMIN_ROLE, which only the timelock holds", async () => {
    const c = await loadFixture(deployCorpusFixture);
    for (const report of await roleReports(c)) {
      if (!report.hasAccessControl) continue;
      for (const [role, roleName] of report.roles) {
        const admin = (await report.contract.getFunction("getRoleAdmin").staticCall(role)) as string;
        expect(admin, `admin of ${roleName} on ${report.name}`).to.equal(ZeroHash);
      }
      expect([...(report.holders.get(ZeroHash) ?? [])]).to.deep.equal([await c.timelock.getAddress()]);
    }
  });

  it("the deployer's temporary timelock admin role was granted at construction and renounced, and the token never granted it anything", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const byName = new Map((await roleReports(c)).map((r) => [r.name, r]));
    const deployer = c.deployer.address;
    const timelock = await c.timelock.getAddress();
    const governor = await c.governor.getAddress();
    const history = byName.get("CorpusTimelock")?.history ?? [];
    expect(history).to.have.length(6);
    // The constructor's grants, in order.
    expect(history.slice(0, 3)).to.deep.equal([
      `Granted DEFAULT_ADMIN_ROLE ${timelock}`,
      `Granted DEFAULT_ADMIN_ROLE ${deployer}`,
      `Granted EXECUTOR_ROLE ${ZeroAddress}`,
    ]);
    // Ignition sends the two independent grants in either order, then the renounce that depends on both.
    expect(history.slice(3, 5)).to.have.members([
      `Granted PROPOSER_ROLE ${governor}`,
      `Granted CANCELLER_ROLE ${governor}`,
    ]);
    expect(history[5]).to.equal(`Revoked DEFAULT_ADMIN_ROLE ${deployer}`);
    expect(byName.get("CorpusToken")?.accountsSeen).to.not.include(deployer);
  });
});
