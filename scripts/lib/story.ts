import type { ContractTransactionResponse } from "ethers";
import { formatEther } from "ethers";

/** A readable log of who did what and what it cost, for the demo. */
export class Story {
  private readonly steps: { actor: string; action: string; gas: bigint }[] = [];

  chapter(title: string): void {
    console.log(`\n## ${title}\n`);
  }

  note(text: string): void {
    console.log(`   ${text}`);
  }

  /** Sends a transaction, waits for it and records the step with its gas. */
  async step(actor: string, action: string, tx: Promise<ContractTransactionResponse>) {
    return this.record(actor, action, await (await tx).wait());
  }

  /** Records a step whose transaction something else (a script, the SDK) sent and waited for. */
  record<R extends { gasUsed: bigint }>(actor: string, action: string, receipt: R | null | undefined): R {
    if (receipt === null || receipt === undefined) throw new Error(`${action}: transaction was not mined`);
    this.steps.push({ actor, action, gas: receipt.gasUsed });
    const gas = receipt.gasUsed.toLocaleString("en-US").padStart(9);
    console.log(`   ${actor.padEnd(10)} ${action.padEnd(64)} ${gas} gas`);
    return receipt;
  }

  /** Prints a table of balances, in CRP. */
  balances(rows: [string, bigint][]): void {
    for (const [who, amount] of rows) console.log(`   ${who.padEnd(24)} ${crp(amount).padStart(22)} CRP`);
  }

  summary(): void {
    const total = this.steps.reduce((sum, s) => sum + s.gas, 0n);
    console.log(`\n${this.steps.length} transactions, ${total.toLocaleString("en-US")} gas in all.`);
  }
}

/** Formats wei as CRP with thousands separators and no trailing zero decimals. */
export function crp(amount: bigint): string {
  const [whole = "0", fraction = ""] = formatEther(amount).split(".");
  const grouped = BigInt(whole).toLocaleString("en-US");
  const trimmed = fraction.replace(/0+$/, "");
  return trimmed ? `${grouped}.${trimmed}` : grouped;
}
