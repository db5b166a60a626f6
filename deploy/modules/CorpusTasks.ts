import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ZeroAddress } from "ethers";
import CorpusCoreModule from "./CorpusCore";
import CorpusStakingModule from "./CorpusStaking";

/**
 * The task registry. Its roles are given in the constructor (admin to the timelock, pause to the
 * guardian); payment tokens besides CRP come from the parameters, later ones from governance. It has no arbitrator until dispute
 * resolution is deployed and governance sets one. Its staking roles are granted by the module `Corpus`.
 */
const CorpusTasksModule = buildModule("CorpusTasks", (m) => {
  const { timelock } = m.useModule(CorpusCoreModule);
  const { staking } = m.useModule(CorpusStakingModule);
  const tasks = m.contract("CorpusTasks", [
    staking,
    timelock,
    m.getParameter("guardian"),
    ZeroAddress,
    m.getParameter("initialParameters"),
    m.getParameter("allowedTokens"),
  ]);
  // Stateless paginated listings over the registry (kept apart for the registry's size limit).
  const tasksLens = m.contract("CorpusTasksLens");
  return { tasks, tasksLens };
});

export default CorpusTasksModule;
