// solidity-coverage: json-summary feeds scripts/ci/check-coverage.ts, which enforces the thresholds.
module.exports = {
  istanbulReporter: ["text-summary", "json-summary", "lcov"],
  skipFiles: ["test/"],
  configureYulOptimizer: true,
};
