import type { ContractTransactionResponse } from "ethers";

/** Records the gas of named operations, in the order they were measured. */
export class GasMeter {
  readonly figures: Record<string, number> = {};
  /** Extra Markdown sections (scaling tables) appended to the report. */
  readonly sections: string[] = [];

  /** Waits for `tx` and records its gas under `name`; returns the receipt. */
  async record(name: string, tx: Promise<ContractTransactionResponse> | ContractTransactionResponse) {
    return this.recordReceipt(name, await (await tx).wait());
  }

  /** Records the gas of a transaction already mined. */
  recordReceipt<R extends { gasUsed: bigint }>(name: string, receipt: R | null): R {
    if (receipt === null) throw new Error(`${name}: transaction was not mined`);
    this.recordValue(name, Number(receipt.gasUsed));
    return receipt;
  }

  /** Records a figure computed from several transactions (a mean, say). */
  recordValue(name: string, gas: number): void {
    if (name in this.figures) throw new Error(`${name}: measured twice`);
    this.figures[name] = gas;
  }
}
