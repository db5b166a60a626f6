/**
 * Follows the chain from the daemon's checkpoint: finds the operator's new duties (and, for a keeper, the
 * draws that become possible) in blocks up to `head - confirmations`, and notices a reorg of the blocks it has
 * already scanned by their hashes. After a reorg it rewinds to the last checkpoint whose hash still matches,
 * forgets the duties drawn after it, and scans again: duties that survived the reorg are found again (once:
 * they are keyed), and every duty is checked against the chain's state before anything is sent, so a rescan
 * never makes the daemon act twice.
 */
import type { CorpusClient } from "@corpus-protocol/sdk";
import { type Duty, drawsIn, dutiesIn } from "./duties";
import { type DaemonState, addDuties, rememberHash } from "./state";

export interface ScanResult {
  head: number;
  /** Duties seen for the first time. */
  added: Duty[];
  /** Set when a reorg was detected: the block scanning rewound to. */
  rewoundTo?: number;
}

export interface ScannerOptions {
  /** Blocks behind the head that are scanned (0: the head itself). */
  confirmations: number;
  /** At most this many blocks per step, so a long catch-up checkpoints as it goes. */
  maxRange: number;
  /** Also collect draws (keeper mode). */
  keeper: boolean;
}

export class ChainScanner {
  constructor(
    private readonly client: CorpusClient,
    private readonly operator: string,
    private readonly state: DaemonState,
    private readonly options: ScannerOptions,
  ) {}

  /** One step: reorg check, then the next range of confirmed blocks. */
  async step(): Promise<ScanResult> {
    const provider = this.client.provider;
    const head = await provider.getBlockNumber();
    const rewoundTo = await this.checkReorg();
    const from = this.state.scannedBlock + 1;
    const to = Math.min(head - this.options.confirmations, from + this.options.maxRange - 1);
    if (to < from) return { head, added: [], rewoundTo };

    const before = await provider.getBlock(to);
    const [duties, draws] = await Promise.all([
      dutiesIn(this.client, this.operator, from, to),
      this.options.keeper ? drawsIn(this.client, from, to) : Promise.resolve([]),
    ]);
    const after = await provider.getBlock(to);
    // A reorg while the logs were read: they may mix two chains; read them again next step.
    if (before === null || after === null || before.hash !== after.hash || after.hash === null) {
      return { head, added: [], rewoundTo };
    }
    const added = addDuties(this.state, [...duties, ...draws]);
    this.state.scannedBlock = to;
    rememberHash(this.state, to, after.hash);
    return { head, added, rewoundTo };
  }

  /** Rewinds the checkpoint past blocks whose hashes changed; the block rewound to, if any. */
  private async checkReorg(): Promise<number | undefined> {
    const scanned = this.state.scannedBlock;
    const known = this.state.hashes[String(scanned)];
    if (known === undefined) return undefined;
    const block = await this.client.provider.getBlock(scanned);
    if (block !== null && block.hash === known) return undefined;

    const remembered = Object.keys(this.state.hashes)
      .map(Number)
      .filter((n) => n < scanned)
      .sort((a, b) => b - a);
    let forkPoint = this.client.deployment.startBlock - 1;
    for (const number of remembered) {
      const candidate = await this.client.provider.getBlock(number);
      if (candidate !== null && candidate.hash === this.state.hashes[String(number)]) {
        forkPoint = number;
        break;
      }
    }
    for (const key of Object.keys(this.state.hashes)) if (Number(key) > forkPoint) delete this.state.hashes[key];
    // Duties drawn in the replaced blocks may not exist on the new chain; those that do are found again.
    for (const [key, duty] of Object.entries(this.state.duties))
      if (duty.block > forkPoint) delete this.state.duties[key];
    this.state.scannedBlock = forkPoint;
    return forkPoint;
  }
}
