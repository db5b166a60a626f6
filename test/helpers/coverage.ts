import hre from "hardhat";

/**
 * True while `hardhat coverage` runs the suite. Instrumented contracts are many times slower, and coverage
 * needs every path once, not thousands of random runs: property tests run fewer cases and the statistical
 * distribution checks (which cover nothing new) are skipped. `npm test` always runs them in full.
 */
export const UNDER_COVERAGE = Boolean(
  (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING,
);

/** The number of property-test runs: `full` normally, a tenth (at least 3) under coverage. */
export function propertyRuns(full: number): number {
  return UNDER_COVERAGE ? Math.max(3, Math.ceil(full / 10)) : full;
}
