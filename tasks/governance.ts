/**
 * DAO governance from the command line: `npx hardhat gov:<step> --proposal <file> --network <name>`.
 * The logic lives in scripts/governance/; these tasks only parse arguments and print results.
 */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

interface ProposalArgs {
  proposal: string;
  from?: string;
}

async function context(hre: HardhatRuntimeEnvironment, args: ProposalArgs) {
  const { loadGovernanceContext } = await import("../scripts/governance/actions");
  const signer = args.from ? await hre.ethers.getSigner(args.from) : undefined;
  return loadGovernanceContext(hre, args.proposal, signer);
}

function govTask(name: string, description: string) {
  return task(name, description)
    .addParam("proposal", "Path to the proposal JSON file", undefined, types.inputFile)
    .addOptionalParam("from", "Address of the account that signs (default: the first account)");
}

govTask("gov:propose", "Submit a proposal to the Corpus governor").setAction(async (args: ProposalArgs, hre) => {
  const { propose } = await import("../scripts/governance/actions");
  const { proposalId, receipt } = await propose(await context(hre, args));
  console.log(`Proposed ${proposalId} (gas ${receipt?.gasUsed})`);
});

govTask("gov:vote", "Vote on an active proposal")
  .addParam("support", "for | against | abstain")
  .addOptionalParam("reason", "A reason recorded on-chain", "")
  .setAction(async (args: ProposalArgs & { support: string; reason: string }, hre) => {
    const { vote } = await import("../scripts/governance/actions");
    const ctx = await context(hre, args);
    const { receipt } = await vote(ctx, args.support, args.reason);
    console.log(`Voted ${args.support} on ${ctx.proposalId} (gas ${receipt?.gasUsed})`);
  });

govTask("gov:queue", "Queue a succeeded proposal in the timelock").setAction(async (args: ProposalArgs, hre) => {
  const { queue } = await import("../scripts/governance/actions");
  const { eta } = await queue(await context(hre, args));
  console.log(`Queued; executable from ${new Date(Number(eta) * 1000).toISOString()} (timestamp ${eta})`);
});

govTask("gov:execute", "Execute a queued proposal after the timelock delay").setAction(
  async (args: ProposalArgs, hre) => {
    const { execute } = await import("../scripts/governance/actions");
    const { receipt } = await execute(await context(hre, args));
    console.log(`Executed (gas ${receipt?.gasUsed})`);
  },
);

govTask("gov:status", "Show a proposal's state, votes and quorum").setAction(async (args: ProposalArgs, hre) => {
  const { status } = await import("../scripts/governance/actions");
  const result = await status(await context(hre, args));
  console.log(JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
});
