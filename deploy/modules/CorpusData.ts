import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";
import CorpusTasksModule from "./CorpusTasks";

/**
 * The Data NFT: datasets and models minted from finished tasks of the registry. Admin goes to the timelock
 * (also its treasury) and the pause to the guardian in the constructor; it needs no role anywhere else.
 */
const CorpusDataModule = buildModule("CorpusData", (m) => {
  const { timelock } = m.useModule(CorpusCoreModule);
  const { tasks } = m.useModule(CorpusTasksModule);
  const data = m.contract("CorpusData", [
    tasks,
    timelock,
    m.getParameter("guardian"),
    m.getParameter("initialParameters"),
    m.getParameter("allowedTokens"),
  ]);
  return { data };
});

export default CorpusDataModule;
