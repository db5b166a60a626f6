import type { ContractTransactionResponse } from "ethers";

/** Records the gas of named operations, in the order they were measured. */
export class GasMeter {
  readonly figures: Record<string, number> = {};
  /** Extra Markdown sections (scaling tables) appended to the report. */
  readonly sections: string[] = [];

  /** Waits for `tx` and records its gas under `name`; returns the receipt. */
  async record(name: string, tx: Promise<ContractTransactionResponse> | ContractTransactionResponse) {
    const receipt = await (await tx).wait();
    if (receipt === null) throw new Error(`${name}: transaction was not mined`);
    if (name in this.figures) throw new Error(`${name}: measured twice`);
    this.figures[name] = Number(receipt.gasUsed);
    return receipt;
  }
}
