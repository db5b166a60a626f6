import { expect } from "chai";
import hre from "hardhat";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";

interface SolcBuild {
  version: string;
  longVersion: string;
  compilerPath: string;
  isSolcJs: boolean;
}

describe("compiler from the npm solc package", () => {
  it("hands Hardhat the installed solcjs build for the configured version, without downloading", async () => {
    const version = hre.config.solidity.compilers[0]?.version;
    const build = (await hre.run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, {
      quiet: true,
      solcVersion: version,
    })) as SolcBuild;
    expect(build.version).to.equal(version);
    expect(build.isSolcJs).to.equal(true);
    expect(build.compilerPath).to.match(/node_modules\/solc\/soljson\.js$/);
    expect(build.longVersion).to.match(new RegExp(`^${version?.replace(/\./g, "\\.")}\\+commit\\.[0-9a-f]+$`));
  });

  it("refuses a configured version other than the installed package, naming both and what to change", async () => {
    let message = "";
    try {
      await hre.run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, { quiet: true, solcVersion: "0.8.19" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.contain("asks for 0.8.19");
    expect(message).to.contain(`"solc" is ${hre.config.solidity.compilers[0]?.version}`);
    expect(message).to.contain('pin "solc": "0.8.19" in package.json');
  });
});
