import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";
import CorpusStakingModule from "./CorpusStaking";

/**
 * Dispute resolution: Corpus's own arbitrator. Admin goes to the timelock and the pause to the guardian in
 * the constructor; the deployer is a bootstrap admin only until the top-level module `Corpus` has allowed
 * the task registry's unfunded disputes, then renounces. Its staking roles are granted by `Corpus`.
 */
const CorpusDisputesModule = buildModule("CorpusDisputes", (m) => {
  const deployer = m.getAccount(0);
  const { timelock } = m.useModule(CorpusCoreModule);
  const { staking } = m.useModule(CorpusStakingModule);
  const disputes = m.contract("CorpusDisputes", [
    staking,
    timelock,
    m.getParameter("guardian"),
    m.getParameter("initialParameters"),
    deployer,
  ]);
  return { disputes };
});

export default CorpusDisputesModule;
