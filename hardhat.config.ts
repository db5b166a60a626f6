import { HardhatUserConfig, vars } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "hardhat-contract-sizer";
import "./tasks/solc-from-npm";
import "./tasks/deploy";
import "./tasks/governance";
import "./tasks/sdk-sources";

/** One pinned compiler, the same as the npm `solc` package (checked in tasks/solc-from-npm.ts). */
const SOLC_VERSION = "0.8.30";
/** The EVM the contracts target; the in-process network runs the same hardfork. */
const EVM_VERSION = "prague";

// Remote networks take their RPC URL and deployer key from Hardhat configuration
// variables (`npx hardhat vars set CORPUS_RPC_URL`), never from committed files.
const remoteAccounts = vars.has("CORPUS_DEPLOYER_KEY") ? [vars.get("CORPUS_DEPLOYER_KEY")] : [];

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 10_000 }, evmVersion: EVM_VERSION },
      },
    ],
    overrides: {
      // The registry is optimized for size: at 10,000 runs it exceeds EIP-170's 24 KiB.
      "contracts/tasks/CorpusTasks.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: EVM_VERSION },
      },
    },
  },
  networks: {
    hardhat: { hardfork: EVM_VERSION },
    localhost: { url: "http://127.0.0.1:8545" },
    // Any local node by URL (the SDK's end-to-end tests start hardhat node and anvil on free ports).
    local: { url: process.env.CORPUS_RPC_URL ?? "http://127.0.0.1:8545" },
    remote: {
      url: vars.get("CORPUS_RPC_URL", "http://127.0.0.1:8545"),
      accounts: remoteAccounts,
    },
  },
  // Ignition modules and their per-chain journals live under deploy/.
  paths: { ignition: "deploy" },
  typechain: {
    outDir: "sdk/src/typechain",
    target: "ethers-v6",
  },
  gasReporter: { enabled: false },
  contractSizer: { runOnCompile: false, strict: true },
  // `hardhat test --parallel` (npm test) runs the files on both cores of a CI machine.
  mocha: { timeout: 120_000, jobs: 2 },
};

export default config;
