import path from "node:path";
import { task } from "hardhat/config";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";

/** After every compile, regenerate the SDK's ABI, error and address-book sources from the artifacts. */
task(TASK_COMPILE).setAction(async (args, hre, runSuper) => {
  const result: unknown = await runSuper(args);
  const { generateSdkSources } = await import("../scripts/sdk/generate-sources");
  await generateSdkSources(hre.artifacts, path.resolve(hre.config.paths.root));
  return result;
});
