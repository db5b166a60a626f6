// solidity-coverage: json-summary feeds scripts/ci/check-coverage.ts, which enforces the thresholds.
// `npm run coverage` runs every contract test; the SDK's own tests (test/sdk, but for the Multicall3 contract's
// tests there) and the economics model (test/sim) add no contract paths and run in `npm test` only.
module.exports = {
  istanbulReporter: ["text-summary", "json-summary", "lcov"],
  skipFiles: ["test/"],
  configureYulOptimizer: true,
};
