#!/usr/bin/env node
/**
 * A `solc` executable for Foundry, over the npm `solc` package (the same pinned compiler Hardhat uses):
 * forge cannot download compilers here. It answers the two calls forge makes: `--version`, and
 * `--standard-json` with the input on stdin (forge sends every source's content, so no import callback).
 */
"use strict";
// A plain Node script (forge executes it), so CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const solc = require("solc");

if (process.argv.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!process.argv.includes("--standard-json")) {
  process.stderr.write("scripts/forge/solc.cjs only supports --version and --standard-json\n");
  process.exit(1);
}
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => process.stdout.write(solc.compile(input)));
