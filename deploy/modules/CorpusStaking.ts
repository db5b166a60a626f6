import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";

/**
 * Validator staking and its default randomness source. Every role is given in the constructor (admin to
 * the timelock, pause to the guardian), so the deployer never holds one.
 */
const CorpusStakingModule = buildModule("CorpusStaking", (m) => {
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
  ]);
  return { randomness, staking };
});

export default CorpusStakingModule;
