import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";

/**
 * Validator staking and its default randomness source. Admin goes to the timelock and the pause to the
 * guardian in the constructor; the deployer is a bootstrap admin only until the top-level module `Corpus`
 * has granted the protocol contracts their roles, then renounces.
 */
const CorpusStakingModule = buildModule("CorpusStaking", (m) => {
  const deployer = m.getAccount(0);
  const { token, timelock } = m.useModule(CorpusCoreModule);
  const randomness = m.contract("PrevrandaoRandomness");
  const staking = m.contract("CorpusStaking", [
    token,
    timelock,
    m.getParameter("guardian"),
    randomness,
    m.getParameter("minimumStake"),
    m.getParameter("unbondingPeriod"),
    m.getParameter("slashRewardBps"),
    deployer,
  ]);
  return { randomness, staking };
});

export default CorpusStakingModule;
