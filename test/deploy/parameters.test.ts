import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import {
  DeploymentParametersError,
  PARAMETERS_DIR,
  loadParameters,
  parametersPath,
  parseParameters,
} from "../../deploy/parameters";
import { CRP, DAY } from "../helpers/fixtures";

/** The raw JSON of the local chain's parameters file, freshly parsed so each test may mutate it. */
function localRaw(): {
  governance: Record<string, unknown>;
  token: { treasuryAllocation: unknown; allocations: Record<string, unknown>[] };
  [key: string]: unknown;
} {
  return JSON.parse(fs.readFileSync(parametersPath(31337), "utf8"));
}

function expectRejected(raw: unknown, message: RegExp) {
  expect(() => parseParameters(raw, "test.json"))
    .to.throw(DeploymentParametersError, message)
    .with.property("name", "DeploymentParametersError");
}

describe("deployment parameters", () => {
  describe("parseParameters against the contracts' bounds (nothing is deployed from a file that would fail halfway)", () => {
    const cases: [string, (raw: ReturnType<typeof localRaw>) => void, RegExp][] = [
      [
        "a voting delay of 0",
        (raw) => (raw.governance.votingDelay = 0),
        /governance\.votingDelay must be between 3600 and 2592000/,
      ],
      [
        "a timelock delay over 30 days",
        (raw) => (raw.governance.timelockMinDelay = 31 * DAY),
        /governance\.timelockMinDelay must be between/,
      ],
      [
        "a quorum of 51%",
        (raw) => (raw.governance.quorumPercent = 51),
        /governance\.quorumPercent must be between 1 and 50/,
      ],
      [
        "a fractional minimum stake",
        (raw) => ((raw.staking as Record<string, unknown>).minimumStake = "10000.5"),
        /staking\.minimumStake must be a whole number of CRP/,
      ],
      [
        "a slash reward over 50%",
        (raw) => ((raw.staking as Record<string, unknown>).slashRewardBps = 5_001),
        /staking\.slashRewardBps must be between 0 and 5000/,
      ],
      [
        "a protocol fee over 10%",
        (raw) => ((raw.tasks as Record<string, unknown>).protocolFeeBps = 1_001),
        /tasks\.protocolFeeBps must be between 0 and 1000/,
      ],
      [
        "a review stake of 0",
        (raw) => ((raw.tasks as Record<string, unknown>).reviewStake = "0"),
        /tasks\.reviewStake must be between/,
      ],
      [
        "a liveness penalty above the review stake",
        (raw) => ((raw.tasks as Record<string, unknown>).livenessPenalty = "1001"),
        /tasks\.livenessPenalty must not exceed tasks\.reviewStake/,
      ],
      [
        "no panel rounds",
        (raw) => ((raw.tasks as Record<string, unknown>).maxPanelRounds = 0),
        /tasks\.maxPanelRounds must be between 1 and 5/,
      ],
    ];
    for (const [what, mutate, message] of cases) {
      it(`rejects ${what}, naming the field and its bounds`, () => {
        const raw = localRaw();
        mutate(raw);
        expectRejected(raw, message);
      });
    }

    it("reports every violation of a file at once", () => {
      const raw = localRaw();
      raw.governance.quorumPercent = 0;
      (raw.tasks as Record<string, unknown>).maxPanelRounds = 9;
      expectRejected(raw, /governance\.quorumPercent.*; tasks\.maxPanelRounds/);
    });
  });

  describe("parseParameters", () => {
    it("accepts the local parameters file and converts CRP amounts to wei", () => {
      const parameters = parseParameters(localRaw());
      expect(parameters.governance).to.deep.equal({
        timelockMinDelay: 2 * DAY,
        votingDelay: DAY,
        votingPeriod: 5 * DAY,
        proposalThresholdBps: 10,
        quorumPercent: 4,
      });
      expect(parameters.token.treasuryAllocation).to.equal(500_000_000n * CRP);
      expect(parameters.token.allocations).to.have.length(8);
      for (const allocation of parameters.token.allocations) expect(allocation.amount).to.equal(10_000_000n * CRP);
      expect(parameters.token.allocations[0]?.to).to.equal("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    });

    it("converts fractional CRP exactly, down to one wei", () => {
      const raw = localRaw();
      raw.token.treasuryAllocation = "1.000000000000000001";
      expect(parseParameters(raw).token.treasuryAllocation).to.equal(CRP + 1n);
    });

    it("checksums a lower-case allocation address", () => {
      const raw = localRaw();
      raw.token.allocations = [{ to: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", amount: "50000000" }];
      expect(parseParameters(raw).token.allocations).to.deep.equal([
        { to: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", amount: 50_000_000n * CRP },
      ]);
    });

    it("refuses an empty allocation list: with everything in the treasury, no proposal could ever pass", () => {
      const raw = localRaw();
      raw.token.allocations = [];
      expectRejected(raw, /token\.allocations hold 0 of 500000000 CRP, but the treasury never votes/);
    });

    it("rejects a root that is not an object", () => {
      expectRejected([], /test\.json: root must be an object/);
      expectRejected(null, /test\.json: root must be an object/);
    });

    it("rejects a missing governance section, naming it", () => {
      const raw = localRaw();
      delete (raw as Record<string, unknown>).governance;
      expectRejected(raw, /test\.json: governance must be an object/);
    });

    it("rejects a missing token section, naming it", () => {
      const raw = localRaw();
      delete (raw as Record<string, unknown>).token;
      expectRejected(raw, /test\.json: token must be an object/);
    });

    it("rejects allocations that are not an array, naming the field", () => {
      const raw = localRaw();
      (raw.token as Record<string, unknown>).allocations = { to: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" };
      expectRejected(raw, /test\.json: token\.allocations must be an array/);
    });

    for (const field of ["timelockMinDelay", "votingDelay", "votingPeriod", "proposalThresholdBps", "quorumPercent"]) {
      it(`rejects a missing governance.${field}, naming it`, () => {
        const raw = localRaw();
        delete raw.governance[field];
        expectRejected(raw, new RegExp(`governance\\.${field} must be a non-negative integer, got undefined`));
      });
    }

    for (const [why, value] of [
      ["fractional", 86400.5],
      ["a string", "86400"],
      ["beyond the safe integer range", 2 ** 53],
      ["null", null],
    ] as const) {
      it(`rejects a voting delay that is ${why}, naming governance.votingDelay`, () => {
        const raw = localRaw();
        raw.governance.votingDelay = value;
        expectRejected(raw, /test\.json: governance\.votingDelay must be a non-negative integer/);
      });
    }

    it("rejects a negative number, naming the field", () => {
      const raw = localRaw();
      raw.governance.quorumPercent = -1;
      expectRejected(raw, /test\.json: governance\.quorumPercent must be a non-negative integer, got -1/);
    });

    for (const [why, value] of [
      ["a JSON number", 500000000],
      ["scientific notation", "5e8"],
      ["thousands separators", "500,000,000"],
      ["a negative amount", "-1"],
      ["more than 18 decimals", "1.0000000000000000001"],
      ["a trailing dot", "1."],
      ["a unit", "500000000 CRP"],
      ["an empty string", ""],
    ] as const) {
      it(`rejects a treasury allocation with ${why}, naming token.treasuryAllocation`, () => {
        const raw = localRaw();
        raw.token.treasuryAllocation = value;
        expectRejected(raw, /test\.json: token\.treasuryAllocation must be a decimal string of whole CRP/);
      });
    }

    it("rejects a malformed allocation amount, naming its index", () => {
      const raw = localRaw();
      raw.token.allocations[2] = { to: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", amount: "ten" };
      expectRejected(
        raw,
        /test\.json: token\.allocations\[2\]\.amount must be a decimal string of whole CRP, got "ten"/,
      );
    });

    for (const [why, to] of [
      ["that is too short", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293"],
      ["that is not hex", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BZ"],
      ["with a wrong checksum", "0x3c44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
      ["given as an ENS name", "alice.eth"],
      ["that is missing", undefined],
    ] as const) {
      it(`rejects an allocation address ${why}, naming its index`, () => {
        const raw = localRaw();
        raw.token.allocations[1] = { to, amount: "1" };
        expectRejected(raw, /test\.json: token\.allocations\[1\]\.to must be an address/);
      });
    }

    it("rejects an allocation that is not an object, naming its index", () => {
      const raw = localRaw();
      (raw.token.allocations as unknown[])[0] = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
      expectRejected(raw, /test\.json: token\.allocations\[0\] must be an object/);
    });
  });

  describe("loadParameters", () => {
    it("loads the local chain's file (31337) as parseParameters reads it", () => {
      expect(loadParameters(31337)).to.deep.equal(parseParameters(localRaw()));
      expect(loadParameters(31337n)).to.deep.equal(parseParameters(localRaw()));
    });

    it("for a chain without a parameters file, names the file to create and the template to start from", () => {
      expect(() => loadParameters(424242))
        .to.throw(
          DeploymentParametersError,
          /No deployment parameters for chain 424242: create .*deploy\/parameters\/424242\.json/,
        )
        .with.property("message")
        .that.matches(/example-remote\.json/);
    });

    it("the remote template is refused until CRP outside the treasury can reach quorum (it must be filled in)", () => {
      const raw = JSON.parse(fs.readFileSync(path.join(PARAMETERS_DIR, "example-remote.json"), "utf8")) as {
        token: { treasuryAllocation: string; allocations: { to: string; amount: string }[] };
      };
      expect(() => parseParameters(raw, "example-remote.json")).to.throw(
        DeploymentParametersError,
        /token\.allocations hold 0 of 600000000 CRP, but the treasury never votes: allocate at least governance\.quorumPercent \(4%\)/,
      );
      // 4% of the supply outside the treasury is the least that can govern; one CRP less is refused.
      raw.token.treasuryAllocation = "576000000";
      raw.token.allocations = [{ to: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", amount: "24000000" }];
      expect(parseParameters(raw).token.allocations).to.have.length(1);
      raw.token.allocations = [{ to: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", amount: "23999999" }];
      expect(() => parseParameters(raw)).to.throw(DeploymentParametersError, /token\.allocations hold 23999999 of/);
    });
  });
});
