import type { Provider, Signer } from "ethers";
import { type CorpusDeploymentRecord, MULTICALL3_CANONICAL_ADDRESS, deploymentFor } from "./addresses";
import { CorpusInputError } from "./errors/sdk-errors";
import { type EventQueryOptions, type EventContract, pageEvents, queryEvents, watchEvents } from "./events";
import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog, TypedListener } from "./typechain/common";
import type { ClientContext } from "./internal/context";
import { type CorpusContracts, connectContracts } from "./internal/contracts";
import { read } from "./internal/transact";
import { DataModule } from "./modules/data";
import { DisputesModule } from "./modules/disputes";
import { GovernanceModule } from "./modules/governance";
import { StakingModule } from "./modules/staking";
import { TasksModule } from "./modules/tasks";
import { TokenModule } from "./modules/token";
import { Multicall, requireBatchSize } from "./multicall";
import { MemorySaltStore, type SaltStore } from "./salt-store";

export interface CorpusClientOptions {
  /** The deployment to use; by default the one recorded for the connected chain. */
  deployment?: CorpusDeploymentRecord;
  /** Where jurors' salts are kept between commit and reveal (default: in memory; use a durable one). */
  saltStore?: SaltStore;
  /** Confirmations each transaction waits for (default 1). */
  confirmations?: number;
  /** Calls per batched read request (default 250). */
  multicallBatchSize?: number;
  /** Called with each transaction's hash as soon as it is sent, before it is mined (progress, logs). */
  onTransactionSent?: (hash: string) => void;
}

/**
 * The Corpus client: typed modules over every contract of a deployment, for an ethers v6 provider
 * (reads) or signer (reads and writes).
 *
 * ```ts
 * const corpus = await CorpusClient.connect(signer);
 * const { taskId } = await corpus.tasks.post({ reward, slots: 10, deadline, ... });
 * ```
 */
export class CorpusClient {
  readonly token: TokenModule;
  readonly staking: StakingModule;
  readonly tasks: TasksModule;
  readonly disputes: DisputesModule;
  readonly data: DataModule;
  readonly governance: GovernanceModule;

  private constructor(private readonly ctx: ClientContext) {
    this.token = new TokenModule(ctx);
    this.staking = new StakingModule(ctx);
    this.tasks = new TasksModule(ctx);
    this.disputes = new DisputesModule(ctx);
    this.data = new DataModule(ctx);
    this.governance = new GovernanceModule(ctx);
  }

  /** Connects to the deployment on the runner's chain (from the address book unless one is given). */
  static async connect(runner: Signer | Provider, options: CorpusClientOptions = {}): Promise<CorpusClient> {
    const signer = isSigner(runner) ? runner : undefined;
    const provider = signer ? signer.provider : (runner as Provider);
    if (provider === null || provider === undefined) {
      throw new CorpusInputError("runner", "the signer must be connected to a provider");
    }
    const { chainId } = await read(() => provider.getNetwork());
    const deployment = options.deployment ?? deploymentFor(chainId);
    if (BigInt(deployment.chainId) !== chainId) {
      throw new CorpusInputError("deployment", `is for chain ${deployment.chainId}, the provider is on ${chainId}`);
    }
    const confirmations = options.confirmations ?? 1;
    if (!Number.isInteger(confirmations) || confirmations < 1) {
      throw new CorpusInputError("confirmations", "must be a positive integer", confirmations);
    }
    if (options.multicallBatchSize !== undefined) requireBatchSize(options.multicallBatchSize, "multicallBatchSize");
    const ctx: ClientContext = {
      provider,
      signer,
      chainId,
      deployment,
      contracts: connectContracts(deployment, runner),
      multicall: new Multicall(
        provider,
        deployment.multicall3 ?? MULTICALL3_CANONICAL_ADDRESS,
        options.multicallBatchSize,
      ),
      saltStore: options.saltStore ?? new MemorySaltStore(),
      confirmations,
      onTransactionSent: options.onTransactionSent,
    };
    return new CorpusClient(ctx);
  }

  /** The chain the client is connected to. */
  get chainId(): bigint {
    return this.ctx.chainId;
  }

  /** The deployment in use: addresses and start block. */
  get deployment(): CorpusDeploymentRecord {
    return this.ctx.deployment;
  }

  /** The typed TypeChain contracts, for anything the modules do not wrap. */
  get contracts(): CorpusContracts {
    return this.ctx.contracts;
  }

  /** Batched reads through Multicall3 (`client.multicall.readMany([readCall(...), ...])`). */
  get multicall(): Multicall {
    return this.ctx.multicall;
  }

  /** The signer, if the client has one. */
  get signer(): Signer | undefined {
    return this.ctx.signer;
  }

  /** The provider. */
  get provider(): Provider {
    return this.ctx.provider;
  }

  /**
   * Typed historical events, paged through block ranges from the deployment's first block:
   * `await client.queryEvents(tasks, tasks.filters.TaskCreated(undefined, requester))`.
   */
  async queryEvents<TEvent extends TypedContractEvent>(
    contract: EventContract,
    filter: TypedDeferredTopicFilter<TEvent>,
    options: EventQueryOptions = {},
  ): Promise<TypedEventLog<TEvent>[]> {
    return queryEvents(contract, filter, this.rangeFrom(options), this.ctx.provider);
  }

  /** {@link queryEvents} one block range at a time, for histories too long to hold at once. */
  pageEvents<TEvent extends TypedContractEvent>(
    contract: EventContract,
    filter: TypedDeferredTopicFilter<TEvent>,
    options: EventQueryOptions = {},
  ): AsyncGenerator<TypedEventLog<TEvent>[]> {
    return pageEvents(contract, filter, this.rangeFrom(options), this.ctx.provider);
  }

  /** Calls `listener` with each new matching event, typed; resolves to the function that stops it. */
  async watchEvents<TEvent extends TypedContractEvent>(
    contract: EventContract,
    filter: TypedDeferredTopicFilter<TEvent>,
    listener: TypedListener<TEvent>,
  ): Promise<() => Promise<void>> {
    return watchEvents(contract, filter, listener);
  }

  private rangeFrom(options: EventQueryOptions) {
    return { ...options, fromBlock: options.fromBlock ?? this.ctx.deployment.startBlock };
  }
}

function isSigner(runner: Signer | Provider): runner is Signer {
  return (
    typeof (runner as Signer).signTransaction === "function" && typeof (runner as Signer).getAddress === "function"
  );
}
