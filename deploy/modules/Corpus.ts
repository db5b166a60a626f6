import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CorpusCoreModule from "./CorpusCore";
import CorpusStakingModule from "./CorpusStaking";

/** The whole protocol; each contract issue adds its module here. */
const CorpusModule = buildModule("Corpus", (m) => {
  const core = m.useModule(CorpusCoreModule);
  const staking = m.useModule(CorpusStakingModule);
  return { ...core, ...staking };
});

export default CorpusModule;
