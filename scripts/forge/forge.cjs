#!/usr/bin/env node
/**
 * Runs Foundry's `forge` with the arguments given: the binary from the npm platform package
 * `@foundry-rs/forge-linux-amd64` (an optional dependency, installed on Linux x64, as CI runs), else a
 * `forge` on the PATH. npm's `@foundry-rs/forge` wrapper cannot be used: its lock entries name platform
 * packages the registry does not have, which breaks `npm ci`.
 */
"use strict";
// A plain Node script, so CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { spawnSync } = require("node:child_process");

function forgeBinary() {
  try {
    return require.resolve("@foundry-rs/forge-linux-amd64/bin/forge");
  } catch {
    return "forge";
  }
}

const result = spawnSync(forgeBinary(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  process.stderr.write(
    `Cannot run forge (${result.error.message}). On Linux x64 \`npm ci\` installs it; elsewhere install Foundry.\n`,
  );
  process.exit(1);
}
process.exit(result.status ?? 1);
