import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Result, id } from "ethers";
import { CRP } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import { rejectionOf } from "../helpers/sdk-assertions";
import {
  CorpusError,
  CorpusInputError,
  CorpusRpcError,
  type CorpusTasks,
  type EventContract,
  type TypedEventLog,
} from "../../sdk/src";

/** What identifies an event and what it says, comparable with deep equality. */
function summary(events: readonly TypedEventLog<CorpusTasks["filters"]["TaskCreated"]>[]) {
  return events.map((e) => ({
    block: e.blockNumber,
    tx: e.transactionHash,
    index: e.index,
    args: [...e.args],
  }));
}

/** Posts a minimal one-slot task as `requester`; returns the task id and the block it was created in. */
async function createTask(f: SdkFixture, requester: HardhatEthersSigner, n: number) {
  const deadline = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 7n * 86_400n;
  const tx = await f.tasks.connect(requester).createTask({
    token: await f.token.getAddress(),
    reward: CRP + BigInt(n),
    slots: 1n,
    deadline,
    reviewWindow: 86_400n,
    panelSize: 3n,
    quorum: 2n,
    workerBond: 0n,
    kind: 0n,
    specUri: `ipfs://spec/${n}`,
    specHash: id(`spec ${n}`),
  });
  const receipt = (await tx.wait())!;
  return receipt.blockNumber;
}

/**
 * Five tasks across blocks with gaps: alice posts #1, #3 and #5, bob #2 and #4; `blocks` are the blocks they
 * were created in, and `last` the chain's head once everything is done (two empty blocks after #5).
 */
async function eventsFixture() {
  const f = await loadFixture(sdkFixture);
  for (const who of [f.alice, f.bob]) await f.token.connect(who).approve(await f.tasks.getAddress(), 1_000n * CRP);
  const blocks: number[] = [];
  blocks.push(await createTask(f, f.alice, 1));
  await mine(2);
  blocks.push(await createTask(f, f.bob, 2));
  blocks.push(await createTask(f, f.alice, 3));
  await mine(1);
  blocks.push(await createTask(f, f.bob, 4));
  blocks.push(await createTask(f, f.alice, 5));
  await mine(2);
  return { ...f, blocks, last: await hre.ethers.provider.getBlockNumber() };
}

/**
 * A node that refuses log queries spanning more than `maxSpan` blocks (with `refusal`), delegating the rest
 * to `inner`; `calls` records each range asked for.
 */
function rangeLimitedSource(inner: CorpusTasks, maxSpan: number, refusal: () => Error) {
  const calls: [number, number][] = [];
  const source: EventContract = {
    queryFilter: async (filter, fromBlock, toBlock) => {
      // pageEvents always asks for numbered blocks.
      const [from, to] = [Number(fromBlock), Number(toBlock)];
      calls.push([from, to]);
      if (to - from + 1 > maxSpan) throw refusal();
      return inner.queryFilter(filter, from, to);
    },
    on: (filter, listener) => inner.on(filter, listener),
    off: (filter, listener) => inner.off(filter, listener),
  };
  return { source, calls };
}

describe("SDK: events", function () {
  describe("queryEvents and pageEvents", function () {
    it("queryEvents returns what queryFilter returns over the same range, typed, from the deployment's first block", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const events = await client.queryEvents(tasks, tasks.filters.TaskCreated());
      const direct = await tasks.queryFilter(tasks.filters.TaskCreated(), f.addressBook.startBlock, f.last);
      expect(events).to.have.length(5);
      expect(summary(events)).to.deep.equal(summary(direct));
      expect(events.map((e) => e.args.taskId)).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
      expect(events.map((e) => e.args.requester)).to.deep.equal([
        f.alice.address,
        f.bob.address,
        f.alice.address,
        f.bob.address,
        f.alice.address,
      ]);
      expect(events.map((e) => e.blockNumber)).to.deep.equal(f.blocks);
      expect(events[2]!.args.reward).to.equal(CRP + 3n);
      expect(events[2]!.args.specUri).to.equal("ipfs://spec/3");
      // The default range starts at the deployment's first block and ends at the head.
      const { source, calls } = rangeLimitedSource(tasks, Infinity, () => new Error("unreachable"));
      await client.queryEvents(source, tasks.filters.TaskCreated());
      expect(calls).to.deep.equal([[f.addressBook.startBlock, f.last]]);
    });

    it("gives identical results, in order, whatever the page size", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const range = { fromBlock: f.blocks[0]! - 1, toBlock: f.last };
      const whole = summary(await client.queryEvents(tasks, tasks.filters.TaskCreated(), range));
      expect(whole.map((e) => e.args[0])).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
      for (const pageSize of [1, 2, 3, 1000]) {
        const paged = await client.queryEvents(tasks, tasks.filters.TaskCreated(), { ...range, pageSize });
        expect(summary(paged), `pageSize ${pageSize}`).to.deep.equal(whole);
      }
    });

    it("pageEvents yields one page per range of pageSize blocks, each holding that range's events", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const fromBlock = f.blocks[0]!;
      const toBlock = f.last; // 10 blocks: #1, two empty, #2, #3, one empty, #4, #5, two empty
      expect(toBlock - fromBlock + 1).to.equal(10);
      for (const [pageSize, pages] of [
        [1, 10],
        [2, 5],
        [3, 4],
        [9, 2],
        [10, 1],
        [5000, 1],
      ] as const) {
        const seen: number[][] = [];
        for await (const page of client.pageEvents(tasks, tasks.filters.TaskCreated(), {
          fromBlock,
          toBlock,
          pageSize,
        })) {
          seen.push(page.map((e) => e.blockNumber));
        }
        expect(seen, `pages of ${pageSize}`).to.have.length(pages);
        // Page i covers [fromBlock + i * pageSize, ...] and holds exactly the task blocks in it.
        seen.forEach((blocks, i) => {
          const start = fromBlock + i * pageSize;
          const end = Math.min(start + pageSize - 1, toBlock);
          expect(blocks, `page ${i} of ${pageSize}`).to.deep.equal(f.blocks.filter((b) => b >= start && b <= end));
        });
      }
      // pageSize 2 in full: [#1, empty] [empty, #2] [#3, empty] [#4, #5] [empty, empty]
      const counts: number[] = [];
      for await (const page of client.pageEvents(tasks, tasks.filters.TaskCreated(), {
        fromBlock,
        toBlock,
        pageSize: 2,
      })) {
        counts.push(page.length);
      }
      expect(counts).to.deep.equal([1, 1, 1, 2, 0]);
    });

    it("filters by indexed arguments (TaskCreated by requester)", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const byAlice = await client.queryEvents(tasks, tasks.filters.TaskCreated(undefined, f.alice.address), {
        pageSize: 2,
      });
      const byBob = await client.queryEvents(tasks, tasks.filters.TaskCreated(undefined, f.bob.address));
      const byCarol = await client.queryEvents(tasks, tasks.filters.TaskCreated(undefined, f.carol.address));
      const fourth = await client.queryEvents(tasks, tasks.filters.TaskCreated(4n));
      expect(byAlice.map((e) => e.args.taskId)).to.deep.equal([1n, 3n, 5n]);
      expect(byBob.map((e) => e.args.taskId)).to.deep.equal([2n, 4n]);
      expect(byCarol).to.deep.equal([]);
      expect(fourth.map((e) => [e.args.taskId, e.args.requester, e.blockNumber])).to.deep.equal([
        [4n, f.bob.address, f.blocks[3]],
      ]);
    });

    it("refuses a fromBlock past toBlock + 1 or below 0, and a pageSize below 1, with a CorpusInputError", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const filter = tasks.filters.TaskCreated();
      const past = await rejectionOf(client.queryEvents(tasks, filter, { fromBlock: f.last + 2, toBlock: f.last }));
      expect(past).to.be.instanceOf(CorpusInputError);
      expect((past as CorpusInputError).field).to.equal("fromBlock");
      expect((past as CorpusInputError).value).to.equal(f.last + 2);
      // toBlock defaults to the head.
      const pastHead = await rejectionOf(client.queryEvents(tasks, filter, { fromBlock: f.last + 2 }));
      expect((pastHead as CorpusInputError).field).to.equal("fromBlock");
      const negative = await rejectionOf(client.queryEvents(tasks, filter, { fromBlock: -1 }));
      expect((negative as CorpusInputError).field).to.equal("fromBlock");
      for (const pageSize of [0, -5, 2.5]) {
        const error = await rejectionOf(client.queryEvents(tasks, filter, { pageSize }));
        expect(error).to.be.instanceOf(CorpusInputError);
        expect((error as CorpusInputError).field).to.equal("pageSize");
      }
      // The empty range just past the end is allowed, and empty.
      expect(await client.queryEvents(tasks, filter, { fromBlock: f.last + 1, toBlock: f.last })).to.deep.equal([]);
    });
  });

  describe("a node that refuses large ranges", function () {
    it("halves the page until the node accepts it, and returns every event", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const { source, calls } = rangeLimitedSource(tasks, 3, () => new Error("block range too large"));
      const a = f.blocks[0]!;
      const range = { fromBlock: a, toBlock: a + 9 };
      const events = await client.queryEvents(source, tasks.filters.TaskCreated(), { ...range, pageSize: 10 });
      // 10 blocks refused, 5 refused, then pages of 3 to the end (the span stays halved).
      expect(calls).to.deep.equal([
        [a, a + 9],
        [a, a + 4],
        [a, a + 2],
        [a + 3, a + 5],
        [a + 6, a + 8],
        [a + 9, a + 9],
      ]);
      const direct = await tasks.queryFilter(tasks.filters.TaskCreated(), range.fromBlock, range.toBlock);
      expect(direct).to.have.length(5);
      expect(summary(events)).to.deep.equal(summary(direct));
    });

    it("recognises a refusal wrapped the way ethers reports a JSON-RPC error", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const refusal = () =>
        Object.assign(new Error("could not coalesce error"), {
          code: "UNKNOWN_ERROR",
          error: { code: -32602, message: "eth_getLogs is limited to a 4 block range" },
        });
      const { source, calls } = rangeLimitedSource(tasks, 4, refusal);
      const a = f.blocks[0]!;
      const events = await client.queryEvents(source, tasks.filters.TaskCreated(), {
        fromBlock: a,
        toBlock: f.last,
        pageSize: 16,
      });
      // 10 blocks: 16 → refused (all 10), 8 → refused, 4 → accepted from then on.
      expect(calls).to.deep.equal([
        [a, f.last],
        [a, a + 7],
        [a, a + 3],
        [a + 4, a + 7],
        [a + 8, f.last],
      ]);
      expect(events.map((e) => e.args.taskId)).to.deep.equal([1n, 2n, 3n, 4n, 5n]);
    });

    it("surfaces the refusal as a CorpusError once a single block is refused", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const refusal = new Error("block range too large");
      const { source, calls } = rangeLimitedSource(tasks, 0, () => refusal);
      const a = f.blocks[0]!;
      const error = await rejectionOf(
        client.queryEvents(source, tasks.filters.TaskCreated(), { fromBlock: a, toBlock: a + 5, pageSize: 4 }),
      );
      expect(calls).to.deep.equal([
        [a, a + 3],
        [a, a + 1],
        [a, a],
      ]);
      expect(error).to.be.instanceOf(CorpusRpcError);
      expect((error as CorpusRpcError).cause).to.equal(refusal);
    });

    it("surfaces any other error as a CorpusError at once, without retrying", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const failure = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
      const { source, calls } = rangeLimitedSource(tasks, 0, () => failure);
      const a = f.blocks[0]!;
      const pages = client.pageEvents(source, tasks.filters.TaskCreated(), { fromBlock: a, toBlock: a + 9 });
      const error = await rejectionOf(pages.next());
      expect(calls).to.deep.equal([[a, a + 9]]);
      expect(error).to.be.instanceOf(CorpusError);
      expect(error).to.be.instanceOf(CorpusRpcError);
      expect((error as CorpusRpcError).rpcCode).to.equal("ECONNREFUSED");
      expect((error as CorpusRpcError).cause).to.equal(failure);
      expect((error as Error).message).to.contain("ECONNREFUSED 127.0.0.1:8545");
    });

    it("does not mistake a rate limit for a range refusal", async function () {
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const rateLimited = new Error("429 Too Many Requests: rate limit exceeded");
      const { source, calls } = rangeLimitedSource(tasks, 0, () => rateLimited);
      const a = f.blocks[0]!;
      const error = await rejectionOf(
        client.queryEvents(source, tasks.filters.TaskCreated(), { fromBlock: a, toBlock: a + 9, pageSize: 8 }),
      );
      expect(calls).to.deep.equal([[a, a + 7]]);
      expect(error).to.be.instanceOf(CorpusRpcError);
    });
  });

  describe("watchEvents", function () {
    it("delivers each new matching event to the listener, and the returned function stops it", async function () {
      this.timeout(30_000);
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor(f.carol);
      const tasks = client.contracts.CorpusTasks;
      // The event's decoded args, from the listener's last argument (the event payload).
      const lastArgs = (args: unknown[]) => (args[args.length - 1] as { args: Result }).args.toArray();
      const seen: unknown[][] = [];
      const seenByBob: unknown[][] = [];
      const stop = await client.watchEvents(tasks, tasks.filters.TaskCreated(), (...args: unknown[]) => {
        seen.push(lastArgs(args));
      });
      const stopBob = await client.watchEvents(
        tasks,
        tasks.filters.TaskCreated(undefined, f.bob.address),
        (...args: unknown[]) => {
          seenByBob.push(lastArgs(args));
        },
      );
      expect(await tasks.listenerCount(tasks.filters.TaskCreated())).to.equal(1);
      try {
        await createTask(f, f.alice, 6);
        await waitUntil(() => seen.length > 0, 10_000, "no TaskCreated event within 10 s");
        await sleep(300); // a few more of the provider's 50 ms polls, for bob's watcher to (not) fire
        const [created] = await tasks.queryFilter(tasks.filters.TaskCreated(6n));
        expect(seen).to.deep.equal([[...created!.args]]);
        expect(seen[0]!.slice(0, 2)).to.deep.equal([6n, f.alice.address]);
        expect(seenByBob, "bob's watcher filters by requester").to.deep.equal([]);

        await stop();
        await stopBob();
        expect(await tasks.listenerCount(tasks.filters.TaskCreated())).to.equal(0);
        // Stopped: a later task by bob reaches neither watcher.
        await createTask(f, f.bob, 7);
        await mine(2);
        await sleep(500);
        expect(seen).to.have.length(1);
        expect(seenByBob).to.deep.equal([]);
      } finally {
        // Stopping twice is harmless; this only matters when an expectation above failed.
        await stop();
        await stopBob();
      }
      // A new watch sees the next one (so the silence above is the stop, not a dead provider).
      const again: unknown[][] = [];
      const stopAgain = await client.watchEvents(tasks, tasks.filters.TaskCreated(), (...args: unknown[]) => {
        again.push(lastArgs(args));
      });
      try {
        await createTask(f, f.bob, 8);
        await waitUntil(() => again.length > 0, 10_000, "no TaskCreated event within 10 s");
      } finally {
        await stopAgain();
      }
      expect(again.map((a) => a[0])).to.deep.equal([8n]);
      expect(seen).to.have.length(1);
    });

    it("calls the listener with the event's typed args", async function () {
      this.timeout(30_000);
      const f = await loadFixture(eventsFixture);
      const client = await f.clientFor(f.carol);
      const tasks = client.contracts.CorpusTasks;
      const seen: { taskId: unknown; requester: unknown; reward: unknown; specUri: unknown }[] = [];
      const stop = await client.watchEvents(
        tasks,
        tasks.filters.TaskCreated(),
        (taskId, requester, _token, _kind, reward, _slots, _deadline, _escrow, _specHash, specUri) => {
          seen.push({ taskId, requester, reward, specUri });
        },
      );
      try {
        await createTask(f, f.alice, 6);
        await waitUntil(() => seen.length > 0, 10_000, "no TaskCreated event within 10 s");
      } finally {
        await stop();
      }
      expect(seen).to.deep.equal([
        { taskId: 6n, requester: f.alice.address, reward: CRP + 6n, specUri: "ipfs://spec/6" },
      ]);
    });
  });
});

/** Resolves after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 25 ms until it holds, or fails with `message` after `ms` milliseconds. */
async function waitUntil(condition: () => boolean, ms: number, message: string): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(message);
    await sleep(25);
  }
}
