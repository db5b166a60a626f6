import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";
import CorpusCoreModule, { TIMELOCK_ROLES } from "./CorpusCore";
import CorpusDataModule from "./CorpusData";
import CorpusDisputesModule from "./CorpusDisputes";
import CorpusStakingModule from "./CorpusStaking";
import CorpusTasksModule from "./CorpusTasks";

/** Staking role ids (keccak256 of the role name), as CorpusStaking defines them. */
export const STAKING_ROLES = {
  LOCKER_ROLE: id("LOCKER_ROLE"),
  SLASHER_ROLE: id("SLASHER_ROLE"),
} as const;

/**
 * The whole protocol; each contract issue adds its module here, and its staking roles to the grants below.
 * The deployer is staking's and dispute resolution's bootstrap admin only until every protocol contract has
 * its roles: the last steps renounce both, so a finished deployment leaves the deployer with no role anywhere.
 */
const CorpusModule = buildModule("Corpus", (m) => {
  const deployer = m.getAccount(0);
  const core = m.useModule(CorpusCoreModule);
  const staking = m.useModule(CorpusStakingModule);
  const disputes = m.useModule(CorpusDisputesModule);
  const tasks = m.useModule(CorpusTasksModule);
  const data = m.useModule(CorpusDataModule);

  const grants = [
    m.call(staking.staking, "grantRole", [STAKING_ROLES.LOCKER_ROLE, tasks.tasks], { id: "grantTasksLocker" }),
    m.call(staking.staking, "grantRole", [STAKING_ROLES.SLASHER_ROLE, tasks.tasks], { id: "grantTasksSlasher" }),
    m.call(staking.staking, "grantRole", [STAKING_ROLES.LOCKER_ROLE, disputes.disputes], { id: "grantDisputesLocker" }),
    m.call(staking.staking, "grantRole", [STAKING_ROLES.SLASHER_ROLE, disputes.disputes], {
      id: "grantDisputesSlasher",
    }),
  ];
  // The registry escalates a review that never agreed without a fee; only allowed arbitrables may.
  const allowUnfunded = m.call(disputes.disputes, "setUnfundedAllowed", [tasks.tasks, true], {
    id: "allowTasksUnfunded",
  });
  m.call(disputes.disputes, "renounceRole", [TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer], {
    id: "renounceDisputesBootstrapAdmin",
    after: [allowUnfunded],
  });
  m.call(staking.staking, "renounceRole", [TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer], {
    id: "renounceStakingBootstrapAdmin",
    after: grants,
  });

  return { ...core, ...staking, ...disputes, ...tasks, ...data };
});

export default CorpusModule;
