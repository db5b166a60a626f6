import type { BlockTag, Provider } from "ethers";
import { toCorpusError } from "./errors/decode";
import { CorpusInputError } from "./errors/sdk-errors";
import type { TypedContractEvent, TypedDeferredTopicFilter, TypedEventLog, TypedListener } from "./typechain/common";

/** A TypeChain contract's typed `queryFilter` and `on`/`off`, which every Corpus binding has. */
export interface EventSource {
  queryFilter<TEvent extends TypedContractEvent>(
    filter: TypedDeferredTopicFilter<TEvent>,
    fromBlock?: BlockTag,
    toBlock?: BlockTag,
  ): Promise<TypedEventLog<TEvent>[]>;
  on<TEvent extends TypedContractEvent>(
    filter: TypedDeferredTopicFilter<TEvent>,
    listener: TypedListener<TEvent>,
  ): Promise<unknown>;
  off<TEvent extends TypedContractEvent>(
    filter: TypedDeferredTopicFilter<TEvent>,
    listener?: TypedListener<TEvent>,
  ): Promise<unknown>;
}

/** A TypeChain contract that can be queried for its typed events. */
export type EventContract = EventSource;

export interface EventQueryOptions {
  /** First block (default: the block the deployment started at). */
  fromBlock?: number;
  /** Last block (default: the latest when the query starts). */
  toBlock?: number;
  /** Blocks per `eth_getLogs` request (default 5,000): public RPCs cap the range a request may span. */
  pageSize?: number;
}

/**
 * Pages through `[fromBlock, toBlock]` in ranges of `pageSize` blocks and yields each page's events,
 * typed by the filter: `for await (const page of pageEvents(tasks, tasks.filters.TaskCreated(), p))`.
 * When a node refuses a range as too large, the page is halved and retried.
 */
export async function* pageEvents<TEvent extends TypedContractEvent>(
  contract: EventContract,
  filter: TypedDeferredTopicFilter<TEvent>,
  options: Required<Pick<EventQueryOptions, "fromBlock">> & EventQueryOptions,
  provider: Provider,
): AsyncGenerator<TypedEventLog<TEvent>[]> {
  const pageSize = options.pageSize ?? 5_000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new CorpusInputError("pageSize", "must be a positive integer");
  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  if (options.fromBlock < 0 || options.fromBlock > toBlock + 1) {
    throw new CorpusInputError("fromBlock", `must be between 0 and toBlock + 1 (${toBlock + 1})`, options.fromBlock);
  }
  let from = options.fromBlock;
  let span = pageSize;
  while (from <= toBlock) {
    const to = Math.min(from + span - 1, toBlock);
    let page: TypedEventLog<TEvent>[];
    try {
      page = await contract.queryFilter(filter, from, to);
    } catch (error) {
      if (span > 1 && isRangeTooLarge(error)) {
        span = Math.ceil(span / 2);
        continue;
      }
      throw toCorpusError(error);
    }
    yield page;
    from = to + 1;
  }
}

/** Collects every event of {@link pageEvents} into one array, in chain order. */
export async function queryEvents<TEvent extends TypedContractEvent>(
  contract: EventContract,
  filter: TypedDeferredTopicFilter<TEvent>,
  options: Required<Pick<EventQueryOptions, "fromBlock">> & EventQueryOptions,
  provider: Provider,
): Promise<TypedEventLog<TEvent>[]> {
  const all: TypedEventLog<TEvent>[] = [];
  for await (const page of pageEvents(contract, filter, options, provider)) all.push(...page);
  return all;
}

/**
 * Calls `listener` with each new event matching `filter`, typed; returns the function that stops it.
 * (ethers polls `eth_getLogs` over HTTP and subscribes over WebSocket.)
 */
export async function watchEvents<TEvent extends TypedContractEvent>(
  contract: EventContract,
  filter: TypedDeferredTopicFilter<TEvent>,
  listener: TypedListener<TEvent>,
): Promise<() => Promise<void>> {
  // ethers hands a filter subscription's listener only the event payload (its args undecoded), so the
  // typed call TypeChain promises — the event's arguments, then the log — is made here from the payload.
  const typed = ((...received: unknown[]) => {
    const payload = received.at(-1) as { log?: { args?: unknown[] } & object; args?: unknown[] } | undefined;
    const log = payload?.log ?? payload;
    const args = (log as { args?: unknown[] } | undefined)?.args ?? payload?.args ?? [];
    (listener as (...a: unknown[]) => void)(...args, log);
  }) as TypedListener<TEvent>;
  await contract.on(filter, typed);
  return async () => {
    await contract.off(filter, typed);
  };
}

/** Whether a node refused a log query for its range or result size (wording differs per provider). */
function isRangeTooLarge(error: unknown): boolean {
  let text = error instanceof Error ? error.message : String(error);
  try {
    text += ` ${JSON.stringify(error, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`;
  } catch {
    // A circular error object: its message is all there is to read.
  }
  // Range wording only: a rate limit ("429 … limit exceeded") must not shrink the pages.
  return /block range|range (is )?too (large|wide)|too many (results|logs)|returned more than|response size/i.test(
    text,
  );
}
