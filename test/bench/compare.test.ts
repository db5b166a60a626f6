import { expect } from "chai";
import { changesTable, compareGas, failsGate } from "../../scripts/bench/compare";

describe("gas snapshot comparison", () => {
  it("passes when every operation is unchanged, better, or worse by at most 2%", () => {
    const changes = compareGas({ a: 100_000, b: 100_000, c: 100_000 }, { a: 100_000, b: 90_000, c: 102_000 });
    expect(changes.map((c) => c.verdict)).to.deep.equal(["same", "better", "worse"]);
    expect(failsGate(changes)).to.equal(false);
  });

  it("fails when an operation is more than 2% worse, and the table shows it", () => {
    const changes = compareGas({ a: 100_000 }, { a: 102_001 });
    expect(changes[0]?.verdict).to.equal("regression");
    expect(failsGate(changes)).to.equal(true);
    expect(changesTable(changes)).to.contain("| a | 100000 | 102001 | +2.00% | regression |");
  });

  it("fails when an operation is new or was removed, so the snapshot is updated on purpose", () => {
    expect(failsGate(compareGas({}, { a: 1 }))).to.equal(true);
    expect(failsGate(compareGas({ a: 1 }, {}))).to.equal(true);
    expect(compareGas({ a: 1 }, {})[0]?.verdict).to.equal("removed");
  });

  it("says so when nothing moved", () => {
    expect(changesTable(compareGas({ a: 5 }, { a: 5 }))).to.equal("No operation moved.");
  });
});
