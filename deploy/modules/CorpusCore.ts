import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ZeroAddress, id } from "ethers";

/** TimelockController role ids (keccak256 of the role name), as OpenZeppelin defines them. */
export const TIMELOCK_ROLES = {
  DEFAULT_ADMIN_ROLE: "0x0000000000000000000000000000000000000000000000000000000000000000",
  PROPOSER_ROLE: id("PROPOSER_ROLE"),
  EXECUTOR_ROLE: id("EXECUTOR_ROLE"),
  CANCELLER_ROLE: id("CANCELLER_ROLE"),
} as const;

/**
 * The protocol's spine: the timelock (treasury and owner of everything), the CRP token and the governor.
 *
 * The deployer is the timelock's admin only for the length of this module: it grants the governor the
 * right to queue and cancel, lets anyone execute a ready operation, then renounces. The token never
 * gives the deployer a role at all.
 */
const CorpusCoreModule = buildModule("CorpusCore", (m) => {
  const deployer = m.getAccount(0);

  const timelock = m.contract("CorpusTimelock", [
    m.getParameter("timelockMinDelay"),
    [],
    [ZeroAddress], // anyone may execute an operation once its delay has passed
    deployer,
  ]);

  const token = m.contract("CorpusToken", [
    timelock,
    m.getParameter("treasuryAllocation"),
    m.getParameter("allocationRecipients"),
    m.getParameter("allocationAmounts"),
  ]);

  const governor = m.contract("CorpusGovernor", [
    token,
    timelock,
    m.getParameter("votingDelay"),
    m.getParameter("votingPeriod"),
    m.getParameter("proposalThresholdBps"),
    m.getParameter("quorumPercent"),
  ]);

  const grantProposer = m.call(timelock, "grantRole", [TIMELOCK_ROLES.PROPOSER_ROLE, governor], {
    id: "grantGovernorProposer",
  });
  const grantCanceller = m.call(timelock, "grantRole", [TIMELOCK_ROLES.CANCELLER_ROLE, governor], {
    id: "grantGovernorCanceller",
  });
  m.call(timelock, "renounceRole", [TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer], {
    id: "renounceDeployerAdmin",
    after: [grantProposer, grantCanceller],
  });

  return { timelock, token, governor };
});

export default CorpusCoreModule;
