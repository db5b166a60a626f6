/** Operator commands: `stake`, `thaw`, `withdraw`, `register`, `status`, `claim`. */
import type { Command } from "commander";
import type { CorpusClient } from "@corpus-protocol/sdk";
import { isAddress } from "ethers";
import { contextOf } from "../context";
import { openClient } from "../connect";
import { CliConfigError } from "../errors";
import { crp, lines, parseCrp, when } from "../format";
import { addressOf, chooseKeystore } from "../keystore";
import { type Duty, openDuties } from "../validator/duties";

export function registerOperatorCommands(program: Command): void {
  program
    .command("stake <amount>")
    .description("stake CRP (with a permit: one transaction)")
    .action(async (amount: string, _opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const value = parseCrp("amount", amount);
      const client = await openClient(config(), output, { signer: true });
      const receipt = await client.staking.stake(value);
      const status = await client.staking.status(await client.signer!.getAddress());
      output.result(
        { staked: value, total: status.staked, tx: receipt.hash },
        () =>
          `Staked ${crp(value)} (now ${crp(status.staked)}, ${status.active ? "active" : "not active"}) in ${receipt.hash}`,
      );
    });

  program
    .command("thaw <amount>")
    .description("start unbonding free stake (withdrawable once the unbonding period is over)")
    .action(async (amount: string, _opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const value = parseCrp("amount", amount);
      const client = await openClient(config(), output, { signer: true });
      const receipt = await client.staking.thaw(value);
      const status = await client.staking.status(await client.signer!.getAddress());
      output.result(
        { thawing: status.thawing, thawEnd: status.thawEnd, tx: receipt.hash },
        () => `Thawing ${crp(status.thawing)}, withdrawable ${when(status.thawEnd)}`,
      );
    });

  program
    .command("withdraw")
    .description("withdraw thawed stake whose unbonding period is over")
    .action(async (_opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const client = await openClient(config(), output, { signer: true });
      const address = await client.signer!.getAddress();
      const before = await client.staking.status(address);
      const receipt = await client.staking.withdraw();
      output.result({ withdrawn: before.thawing, tx: receipt.hash }, () => `Withdrew ${crp(before.thawing)}`);
    });

  program
    .command("register <uri>")
    .description("set the operator URI (an endpoint or a metadata document)")
    .action(async (uri: string, _opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const client = await openClient(config(), output, { signer: true });
      const receipt = await client.staking.register(uri);
      output.result({ uri, tx: receipt.hash }, () => `Registered ${uri}`);
    });

  program
    .command("status [address]")
    .description("stake, thaws, open assignments and jury duties, and claimable balances (default: your account)")
    .action(async (address: string | undefined, _opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const resolved = config();
      if (address !== undefined && !isAddress(address))
        throw new CliConfigError("address", `"${address}" is not an address`);
      // Reading needs no key: the keystore only names the account.
      const account = address ?? addressOf(chooseKeystore(resolved.home, resolved.keystore));
      const client = await openClient(resolved, output, { signer: false });
      const report = await statusOf(client, account);
      output.result(report, () => describeStatus(report));
    });

  program
    .command("claim")
    .description("withdraw every claimable balance: review fees and payouts, juror rewards, data revenue")
    .action(async (_opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const client = await openClient(config(), output, { signer: true });
      const account = await client.signer!.getAddress();
      const due = await claimable(client, account);
      const claimed: Record<string, { amount: bigint; tx: string }> = {};
      if (due.registry > 0n) claimed.registry = { amount: due.registry, tx: (await client.tasks.withdraw()).hash };
      if (due.arbitrator > 0n) {
        claimed.arbitrator = { amount: due.arbitrator, tx: (await client.disputes.withdraw()).hash };
      }
      if (due.dataRevenue > 0n)
        claimed.dataRevenue = { amount: due.dataRevenue, tx: (await client.data.withdraw()).hash };
      output.result(claimed, () =>
        Object.keys(claimed).length === 0
          ? "Nothing to claim."
          : Object.entries(claimed)
              .map(([from, c]) => `Claimed ${crp(c.amount)} from the ${from} in ${c.tx}`)
              .join("\n"),
      );
    });
}

/** What an account can withdraw, in CRP: from the task registry, the arbitrator and the Data NFT. */
async function claimable(client: CorpusClient, account: string) {
  const [registry, arbitrator, dataRevenue] = await Promise.all([
    client.tasks.balanceOf(account),
    client.disputes.balanceOf(account),
    client.data.revenueOf(account),
  ]);
  return { registry, arbitrator, dataRevenue };
}

export interface StatusReport {
  account: string;
  stake: { staked: bigint; free: bigint; locked: bigint; thawing: bigint; thawEnd: bigint; active: boolean };
  operatorUri: string;
  duties: Duty[];
  claimable: { registry: bigint; arbitrator: bigint; dataRevenue: bigint };
}

async function statusOf(client: CorpusClient, account: string): Promise<StatusReport> {
  const [stake, operatorUri, duties, due] = await Promise.all([
    client.staking.status(account),
    client.contracts.CorpusStaking.operatorUri(account),
    openDuties(client, account),
    claimable(client, account),
  ]);
  return { account, stake, operatorUri, duties, claimable: due };
}

function describeStatus(r: StatusReport): string {
  const s = r.stake;
  const duties = r.duties.map((d) =>
    d.kind === "review"
      ? `  review submission ${d.submissionId} (round ${d.round}), attest by ${when(d.reviewDeadline)}`
      : d.kind === "jury"
        ? `  jury of dispute ${d.disputeId} (round ${d.round}), commit by ${when(d.commitEnd)}, reveal by ${when(d.revealEnd)}`
        : `  draw ${d.kind} ${d.id}`,
  );
  return [
    lines([
      ["account", r.account],
      ["active", s.active ? "yes (can be drawn)" : "no"],
      ["staked", crp(s.staked)],
      ["free", crp(s.free)],
      ["locked", crp(s.locked)],
      ["thawing", s.thawing === 0n ? "0 CRP" : `${crp(s.thawing)}, withdrawable ${when(s.thawEnd)}`],
      ["operator URI", r.operatorUri === "" ? "-" : r.operatorUri],
      [
        "claimable",
        `${crp(r.claimable.registry)} (registry), ${crp(r.claimable.arbitrator)} (arbitrator), ${crp(r.claimable.dataRevenue)} (data revenue)`,
      ],
    ]),
    `open duties: ${duties.length === 0 ? "none" : ""}`,
    ...duties,
  ].join("\n");
}
