/** The daemon's durable state and its settings: unit tests, no chain. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { CliConfigError } from "../../src/errors";
import { type Duty, dutyKey } from "../../src/validator/duties";
import { DEFAULT_SETTINGS, resolveSettings } from "../../src/validator/options";
import { DaemonStateMismatchError, KEPT_HASHES, StateFile, addDuties, rememberHash } from "../../src/validator/state";

const review = (submissionId: bigint, round = 0n, block = 10): Duty => ({
  kind: "review",
  submissionId,
  round,
  reviewDeadline: 2n ** 40n,
  block,
});

describe("validator daemon state", function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-state-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("starts one block before the deployment, then round-trips duties with their bigints", function () {
    const file = new StateFile(dir);
    const state = file.load("chain 1, operator A", 100);
    expect(state.scannedBlock).to.equal(99);
    addDuties(state, [review(7n), { kind: "jury", disputeId: 3n, round: 1n, commitEnd: 5n, revealEnd: 6n, block: 12 }]);
    state.scannedBlock = 120;
    file.save(state);
    const loaded = new StateFile(dir).load("chain 1, operator A", 100);
    expect(loaded).to.deep.equal(state);
    expect((loaded.duties["review:7:0"] as { submissionId: bigint }).submissionId).to.equal(7n);
  });

  it("refuses a state file of another chain, deployment or operator", function () {
    const file = new StateFile(dir);
    file.save(file.load("chain 1, operator A", 0));
    expect(() => file.load("chain 1, operator B", 0)).to.throw(DaemonStateMismatchError, /operator A/);
  });

  it("writes atomically: no temporary file is left, and the file is only readable by its owner", function () {
    const file = new StateFile(dir);
    file.save(file.load("x", 0));
    expect(fs.readdirSync(dir)).to.deep.equal(["state.json"]);
    expect(fs.statSync(file.file).mode & 0o777).to.equal(0o600);
  });

  it("keeps one duty per key however often it is found (a rescan, a restart)", function () {
    const state = new StateFile(dir).load("x", 0);
    expect(addDuties(state, [review(1n), review(2n)])).to.have.length(2);
    expect(addDuties(state, [review(1n), review(1n, 1n)])).to.deep.equal([review(1n, 1n)]);
    expect(Object.keys(state.duties).sort()).to.deep.equal(["review:1:0", "review:1:1", "review:2:0"]);
    expect(dutyKey({ kind: "draw-jury", id: 4n, round: 2n, readyBlock: 9n, block: 1 })).to.equal("draw-jury:4:2");
  });

  it(`remembers the hashes of the last ${KEPT_HASHES} checkpoints`, function () {
    const state = new StateFile(dir).load("x", 0);
    for (let block = 1; block <= KEPT_HASHES + 10; block++) rememberHash(state, block * 3, `0x${block}`);
    const kept = Object.keys(state.hashes).map(Number);
    expect(kept).to.have.length(KEPT_HASHES);
    expect(Math.min(...kept)).to.equal(11 * 3);
  });
});

describe("validator daemon settings", function () {
  it("defaults < config file < flags, with the file's relative paths resolved against it", function () {
    const settings = resolveSettings(
      { pollIntervalMs: 500, keeper: true, dataDir: "state", metrics: { host: "0.0.0.0", port: 9000 } },
      { pollInterval: "100", metricsPort: "0" },
      "/etc/corpus",
    );
    expect(settings.pollIntervalMs).to.equal(100);
    expect(settings.keeper).to.equal(true);
    expect(settings.dataDir).to.equal("/etc/corpus/state");
    expect(settings.metrics).to.deep.equal({ host: "0.0.0.0", port: 0 });
    expect(settings.policyTimeoutMs).to.equal(DEFAULT_SETTINGS.policyTimeoutMs);
    expect(resolveSettings(undefined, { metrics: false }, "/").metrics).to.equal(false);
  });

  it("names what is wrong: an unknown key, a bad type, a malformed flag", function () {
    expect(() => resolveSettings({ pollIntervalMS: 5 }, {}, "/")).to.throw(CliConfigError, /additional properties/);
    expect(() => resolveSettings({ confirmations: -1 }, {}, "/")).to.throw(CliConfigError, /confirmations/);
    expect(() => resolveSettings({}, { pollInterval: "fast" }, "/")).to.throw(CliConfigError, /--poll-interval/);
    expect(() => resolveSettings({}, { logLevel: "loud" }, "/")).to.throw(CliConfigError, /logLevel/);
  });
});
