import { DataModel } from "./data-model";
import { DisputesModel } from "./disputes-model";
import { RegistryModel } from "./registry-model";
import { type StakeState, StakingModel } from "./staking-model";
import type { Cast, Parameters } from "./terms";

/**
 * A plain TypeScript model of what the Corpus contracts owe every account, for the SDK model-based test
 * (test/sdk/model.test.ts). It knows nothing of the SDK: each rule is the protocol's as the interfaces and
 * audits state it, applied at the block time `t` the transaction was mined at; only what is random on-chain
 * (who a draw picks) and the clock are handed in.
 */
export class ProtocolModel {
  /** The latest block's timestamp and number, as last observed. */
  now = 0n;
  block = 0;
  readonly staking: StakingModel;
  readonly registry: RegistryModel;
  readonly disputes: DisputesModel;
  readonly data: DataModel;
  /** Labels of this run's steps (for the report of a failing run) and the milestones it reached. */
  readonly trace: string[] = [];
  readonly reached = new Set<string>();

  constructor(
    readonly params: Parameters,
    readonly cast: Cast,
    stakes: Map<string, StakeState>,
  ) {
    this.staking = new StakingModel(params.staking, stakes);
    this.registry = new RegistryModel(params.tasks, cast, this.staking);
    this.disputes = new DisputesModel(params.disputes, cast, this.staking, this.registry);
    this.data = new DataModel(params.data, cast);
  }
}
