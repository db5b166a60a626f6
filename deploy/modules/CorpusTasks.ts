import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";
import CorpusDisputesModule from "./CorpusDisputes";
import CorpusStakingModule from "./CorpusStaking";

/**
 * The task registry. Its roles are given in the constructor (admin to the timelock, pause to the
 * guardian); payment tokens besides CRP come from the parameters, later ones from governance. Its arbitrator is
 * `CorpusDisputes` (governance may switch it). Its staking roles are granted by the module `Corpus`.
 */
const CorpusTasksModule = buildModule("CorpusTasks", (m) => {
  const { timelock } = m.useModule(CorpusCoreModule);
  const { staking } = m.useModule(CorpusStakingModule);
  const { disputes } = m.useModule(CorpusDisputesModule);
  const tasks = m.contract("CorpusTasks", [
    staking,
    timelock,
    m.getParameter("guardian"),
    disputes,
    m.getParameter("initialParameters"),
    m.getParameter("allowedTokens"),
  ]);
  // Stateless paginated listings over the registry (kept apart for the registry's size limit).
  const tasksLens = m.contract("CorpusTasksLens");
  return { tasks, tasksLens };
});

export default CorpusTasksModule;
