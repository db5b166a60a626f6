/**
 * Hardhat cannot download compilers on machines without internet access, so we
 * hand it the solcjs build shipped in the npm `solc` package instead.
 *
 * The configured compiler version and the installed `solc` package must agree:
 * otherwise the bytecode would silently come from a compiler other than the one
 * the config claims, so we fail loudly and say which one to change.
 */
import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";

interface SolcBuild {
  version: string;
  longVersion: string;
  compilerPath: string;
  isSolcJs: boolean;
}

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async ({ solcVersion }: { solcVersion: string }): Promise<SolcBuild> => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { version(): string };
    const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
    const installed = longVersion.split("+")[0];
    if (installed !== solcVersion) {
      throw new Error(
        `Solidity compiler mismatch: hardhat.config.ts asks for ${solcVersion} but the npm package "solc" is ${installed}. ` +
          `Change "solidity.version" in hardhat.config.ts or pin "solc": "${solcVersion}" in package.json so they agree.`,
      );
    }
    return {
      version: solcVersion,
      longVersion,
      compilerPath: path.join(path.dirname(require.resolve("solc")), "soljson.js"),
      isSolcJs: true,
    };
  },
);
