import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { BrowserProvider, type Eip1193Provider, Result, id } from "ethers";
import { CRP } from "../helpers/fixtures";
import { type SdkFixture, sdkFixture } from "../helpers/sdk";
import {
  CorpusContractError,
  CorpusInputError,
  MULTICALL3_CANONICAL_ADDRESS,
  Multicall,
  type ReadCall,
  isCorpusContractError,
  readCall,
} from "../../sdk/src";
import { type Multicall3, Multicall3__factory } from "../../sdk/src/typechain";

/** Awaits `promise` and returns what it rejected with (fails the test if it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail("expected the promise to reject");
}

/** An ethers `Result` (or a value holding some) as plain arrays, so two reads compare with deep equality. */
function plain(value: unknown): unknown {
  if (value instanceof Result) return value.toArray(true);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** An EIP-1193 provider over Hardhat's that counts (and records the method of) every JSON-RPC request. */
function countingProvider(): { eip1193: Eip1193Provider; count(): number; methods: string[]; reset(): void } {
  const inner = hre.network.provider;
  const methods: string[] = [];
  return {
    eip1193: {
      request(args: { method: string; params?: unknown[] | Record<string, unknown> }) {
        methods.push(args.method);
        return inner.request(args as { method: string; params?: unknown[] });
      },
    },
    count: () => methods.length,
    methods,
    reset: () => {
      methods.length = 0;
    },
  };
}

/** A minimal CRP task (1 slot of 1 CRP + `n` wei, so each task's reward tells it apart; no bond). */
async function minimalTask(f: SdkFixture, deadline: bigint, n: number) {
  return {
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
  };
}

/** The SDK fixture with three tasks by alice and one submission (#1, by bob, to task #2). */
async function readsFixture() {
  const f = await loadFixture(sdkFixture);
  const deadline = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 7n * 86_400n;
  await f.token.connect(f.alice).approve(await f.tasks.getAddress(), 1_000n * CRP);
  for (let n = 1; n <= 3; n++) await f.tasks.connect(f.alice).createTask(await minimalTask(f, deadline, n));
  await f.tasks.connect(f.bob).submit(2n, id("work"), "ipfs://work");
  const multicall = Multicall3__factory.connect(f.addressBook.multicall3!, f.deployer);
  return { ...f, multicall };
}

describe("SDK: batched reads (Multicall3)", function () {
  describe("the Multicall3 contract", function () {
    /** The target and calldata of `taskCount()`, or of `getSubmission(id)` when an id is given. */
    async function call3(
      f: { tasks: SdkFixture["tasks"] },
      method: "taskCount" | "getSubmission",
      args: bigint[] = [],
    ) {
      const callData =
        method === "taskCount"
          ? f.tasks.interface.encodeFunctionData("taskCount")
          : f.tasks.interface.encodeFunctionData("getSubmission", [args[0]!]);
      return { target: await f.tasks.getAddress(), callData };
    }

    it("is the contract the address book records (not the canonical address on the local chain)", async function () {
      const f = await loadFixture(readsFixture);
      expect(f.addressBook.multicall3).to.be.a("string");
      expect(f.addressBook.multicall3).to.not.equal(MULTICALL3_CANONICAL_ADDRESS);
      expect((await f.clientFor()).multicall.address).to.equal(f.addressBook.multicall3);
      expect(await hre.ethers.provider.getCode(f.addressBook.multicall3!)).to.not.equal("0x");
    });

    it("aggregate3 returns each call's success and return data, in order", async function () {
      const f = await loadFixture(readsFixture);
      const token = await f.token.getAddress();
      const calls: Multicall3.Call3Struct[] = [
        { ...(await call3(f, "taskCount")), allowFailure: false },
        {
          target: token,
          allowFailure: false,
          callData: f.token.interface.encodeFunctionData("balanceOf", [f.alice.address]),
        },
        { ...(await call3(f, "getSubmission", [1n])), allowFailure: false },
        // An account without code: the call succeeds and returns nothing.
        { target: f.stranger.address, allowFailure: false, callData: "0x1234" },
      ];
      const results = await f.multicall.aggregate3.staticCall(calls);
      expect(results.map((r) => r.success)).to.deep.equal([true, true, true, true]);
      expect(results.map((r) => r.returnData)).to.deep.equal([
        f.tasks.interface.encodeFunctionResult("taskCount", [3n]),
        f.token.interface.encodeFunctionResult("balanceOf", [await f.token.balanceOf(f.alice.address)]),
        f.tasks.interface.encodeFunctionResult("getSubmission", [await f.tasks.getSubmission(1n)]),
        "0x",
      ]);
      // As a transaction too (the batch holds no state; it must simply not revert).
      const receipt = await (await f.multicall.aggregate3(calls)).wait();
      expect(receipt?.status).to.equal(1);
    });

    it("a failing call with allowFailure true reports success false and its revert data; the others still run", async function () {
      const f = await loadFixture(readsFixture);
      const unknown = f.tasks.interface.encodeErrorResult("TasksUnknownSubmission", [999n]);
      const calls = [
        { ...(await call3(f, "taskCount")), allowFailure: true },
        { ...(await call3(f, "getSubmission", [999n])), allowFailure: true },
        // A selector the token does not have: it reverts with no data.
        { target: await f.token.getAddress(), allowFailure: true, callData: "0xdeadbeef" },
        { ...(await call3(f, "taskCount")), allowFailure: false },
      ];
      const results = await f.multicall.aggregate3.staticCall(calls);
      const three = f.tasks.interface.encodeFunctionResult("taskCount", [3n]);
      expect(results.map((r) => [r.success, r.returnData])).to.deep.equal([
        [true, three],
        [false, unknown],
        [false, "0x"],
        [true, three],
      ]);
      const receipt = await (await f.multicall.aggregate3(calls)).wait();
      expect(receipt?.status).to.equal(1);
    });

    it("a failing call with allowFailure false reverts the batch with Multicall3CallFailed(index, returnData)", async function () {
      const f = await loadFixture(readsFixture);
      const unknown = f.tasks.interface.encodeErrorResult("TasksUnknownSubmission", [999n]);
      await expect(
        f.multicall.aggregate3([
          { ...(await call3(f, "taskCount")), allowFailure: false },
          { ...(await call3(f, "getSubmission", [998n])), allowFailure: true },
          { ...(await call3(f, "getSubmission", [999n])), allowFailure: false },
          { ...(await call3(f, "taskCount")), allowFailure: false },
        ]),
      )
        .to.be.revertedWithCustomError(f.multicall, "Multicall3CallFailed")
        .withArgs(2n, unknown);
      // The first call of the batch failing names index 0, and empty revert data is passed on as is.
      await expect(
        f.multicall.aggregate3([
          { target: await f.token.getAddress(), allowFailure: false, callData: "0xdeadbeef" },
          { ...(await call3(f, "taskCount")), allowFailure: false },
        ]),
      )
        .to.be.revertedWithCustomError(f.multicall, "Multicall3CallFailed")
        .withArgs(0n, "0x");
    });

    it("an empty batch returns []", async function () {
      const f = await loadFixture(readsFixture);
      expect(await f.multicall.aggregate3.staticCall([])).to.deep.equal([]);
      const receipt = await (await f.multicall.aggregate3([])).wait();
      expect(receipt?.status).to.equal(1);
    });

    it("getBlockNumber returns the number of the block it is read at", async function () {
      const f = await loadFixture(readsFixture);
      await mine(3);
      const latest = await hre.ethers.provider.getBlockNumber();
      expect(await f.multicall.getBlockNumber()).to.equal(BigInt(latest));
      expect(await f.multicall.getBlockNumber({ blockTag: latest - 2 })).to.equal(BigInt(latest - 2));
      // Inside a batch, too (what a client reads alongside its calls).
      const [result] = await f.multicall.aggregate3.staticCall(
        [
          {
            target: await f.multicall.getAddress(),
            allowFailure: false,
            callData: f.multicall.interface.encodeFunctionData("getBlockNumber"),
          },
        ],
        { blockTag: latest - 1 },
      );
      expect(result!.returnData).to.equal(f.multicall.interface.encodeFunctionResult("getBlockNumber", [latest - 1]));
    });
  });

  describe("client.multicall", function () {
    it("readMany returns what direct calls return, in call order", async function () {
      const f = await loadFixture(readsFixture);
      const client = await f.clientFor();
      const { CorpusTasks: tasks, CorpusToken: token } = client.contracts;
      const calls: ReadCall<unknown>[] = [
        readCall(tasks, "getTask", [3n]),
        readCall(token, "balanceOf", [f.alice.address]),
        readCall(tasks, "taskCount", []),
        readCall(tasks, "getSubmission", [1n]),
        readCall(tasks, "getTask", [1n]),
        readCall(tasks, "escrowFor", [5n * CRP, 2n]),
      ];
      const values = await client.multicall.readMany(calls);
      expect(values).to.have.length(6);
      expect(plain(values[0])).to.deep.equal(plain(await tasks.getTask(3n)));
      expect(values[1]).to.equal(await token.balanceOf(f.alice.address));
      expect(values[2]).to.equal(3n);
      expect(plain(values[3])).to.deep.equal(plain(await tasks.getSubmission(1n)));
      expect(plain(values[4])).to.deep.equal(plain(await tasks.getTask(1n)));
      expect(plain(values[5])).to.deep.equal(plain(await tasks.escrowFor(5n * CRP, 2n)));
      // One output is returned bare, a struct as the same typed Result ethers returns (fields by name).
      const [task] = await client.multicall.readMany([readCall(tasks, "getTask", [2n])]);
      expect(task!.requester).to.equal(f.alice.address);
      expect(task!.slots).to.equal(1n);
      expect(task!.reward).to.equal(CRP + 2n);
    });

    it("trySettled reports a failing call in place as a decoded CorpusContractError", async function () {
      const f = await loadFixture(readsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const settled = await client.multicall.trySettled<unknown>([
        readCall(tasks, "taskCount", []),
        readCall(tasks, "getSubmission", [999n]),
        readCall(tasks, "getTask", [1n]),
        readCall(tasks, "getTask", [77n]),
      ]);
      expect(settled).to.have.length(4);
      expect(settled[0]).to.deep.equal({ ok: true, value: 3n });
      const failed = settled[1]!;
      if (failed.ok) expect.fail("getSubmission(999) should have failed");
      expect(failed.error).to.be.instanceOf(CorpusContractError);
      expect(isCorpusContractError(failed.error, "TasksUnknownSubmission")).to.equal(true);
      if (!isCorpusContractError(failed.error, "TasksUnknownSubmission")) return;
      expect(failed.error.errorName).to.equal("TasksUnknownSubmission");
      expect(failed.error.args).to.deep.equal({ submissionId: 999n });
      expect(failed.error.data).to.equal(tasks.interface.encodeErrorResult("TasksUnknownSubmission", [999n]));
      expect(failed.error.contracts).to.include("CorpusTasks");
      const third = settled[2]!;
      if (!third.ok) expect.fail("getTask(1) should have succeeded");
      expect(plain(third.value)).to.deep.equal(plain(await tasks.getTask(1n)));
      const fourth = settled[3]!;
      if (fourth.ok) expect.fail("getTask(77) should have failed");
      expect(isCorpusContractError(fourth.error, "TasksUnknownTask")).to.equal(true);
      expect((fourth.error as CorpusContractError<"TasksUnknownTask">).args).to.deep.equal({ taskId: 77n });
    });

    it("readMany throws the first failing call's decoded error", async function () {
      const f = await loadFixture(readsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const error = await rejectionOf(
        client.multicall.readMany([
          readCall(tasks, "getSubmission", [1n]),
          readCall(tasks, "getSubmission", [999n]),
          readCall(tasks, "getSubmission", [1000n]),
        ]),
      );
      expect(error).to.be.instanceOf(CorpusContractError);
      expect(isCorpusContractError(error, "TasksUnknownSubmission")).to.equal(true);
      expect((error as CorpusContractError<"TasksUnknownSubmission">).args).to.deep.equal({ submissionId: 999n });
      // The module reads that batch: getSubmissions and getMany throw the same typed error.
      const viaModule = await rejectionOf(client.tasks.getSubmissions([1n, 999n]));
      expect(isCorpusContractError(viaModule, "TasksUnknownSubmission")).to.equal(true);
      expect((viaModule as CorpusContractError<"TasksUnknownSubmission">).args.submissionId).to.equal(999n);
    });

    it("an empty batch is [] without a request, and a batchSize below 1 is refused", async function () {
      const f = await loadFixture(readsFixture);
      const counting = countingProvider();
      const multicall = new Multicall(new BrowserProvider(counting.eip1193), f.addressBook.multicall3!);
      const tasks = f.tasks;
      counting.reset();
      expect(await multicall.readMany([])).to.deep.equal([]);
      expect(await multicall.trySettled([])).to.deep.equal([]);
      expect(counting.methods).to.deep.equal([]);
      for (const batchSize of [0, -1, 1.5]) {
        const error = await rejectionOf(multicall.readMany([readCall(tasks, "taskCount", [])], { batchSize }));
        expect(error).to.be.instanceOf(CorpusInputError);
        expect((error as CorpusInputError).field).to.equal("batchSize");
      }
      expect(counting.methods).to.deep.equal([]);
    });

    it("connect refuses a multicallBatchSize below 1 with a CorpusInputError", async function () {
      const f = await loadFixture(readsFixture);
      const error = await rejectionOf(f.clientFor(undefined, { multicallBatchSize: 0 }));
      expect(error).to.be.instanceOf(CorpusInputError);
      expect((error as CorpusInputError).field).to.equal("multicallBatchSize");
    });

    it("splits a batch by batchSize into that many eth_calls, with identical results", async function () {
      const f = await loadFixture(readsFixture);
      const counting = countingProvider();
      const multicall = new Multicall(new BrowserProvider(counting.eip1193), f.addressBook.multicall3!);
      const tasks = f.tasks;
      const calls = [
        readCall(tasks, "getTask", [1n]),
        readCall(tasks, "getTask", [2n]),
        readCall(tasks, "getTask", [3n]),
        readCall(tasks, "getTask", [2n]),
        readCall(tasks, "getTask", [1n]),
        readCall(tasks, "getTask", [3n]),
        readCall(tasks, "getTask", [1n]),
      ];
      const direct = [];
      for (const taskId of [1n, 2n, 3n, 2n, 1n, 3n, 1n]) direct.push(plain(await tasks.getTask(taskId)));
      await multicall.readMany(calls); // the provider's network detection, once
      for (const [batchSize, chunks] of [
        [1, 7],
        [2, 4],
        [3, 3],
        [6, 2],
        [7, 1],
        [250, 1],
      ] as const) {
        counting.reset();
        const values = await multicall.readMany(calls, { batchSize });
        expect(values.map(plain), `batchSize ${batchSize}`).to.deep.equal(direct);
        const ethCalls = counting.methods.filter((m) => m === "eth_call").length;
        expect(ethCalls, `eth_calls with batchSize ${batchSize}`).to.equal(chunks);
      }
    });

    it("reads at the given blockTag", async function () {
      const f = await loadFixture(readsFixture);
      const client = await f.clientFor();
      const tasks = client.contracts.CorpusTasks;
      const before = await hre.ethers.provider.getBlockNumber();
      const deadline = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;
      await f.tasks.connect(f.alice).createTask(await minimalTask(f, deadline, 4));
      const calls = [readCall(tasks, "taskCount", []), readCall(tasks, "taskCount", [])];
      expect(await client.multicall.readMany(calls)).to.deep.equal([4n, 4n]);
      expect(await client.multicall.readMany(calls, { blockTag: before })).to.deep.equal([3n, 3n]);
      expect(await client.multicall.readMany(calls, { blockTag: before, batchSize: 1 })).to.deep.equal([3n, 3n]);
    });
  });

  describe("JSON-RPC requests", function () {
    const TASKS = 500;

    /** The SDK fixture with 500 one-slot tasks by alice. */
    async function manyTasksFixture() {
      const f = await loadFixture(sdkFixture);
      const tasks = f.tasks.connect(f.alice);
      const deadline = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp) + 30n * 86_400n;
      await f.token.connect(f.alice).approve(await f.tasks.getAddress(), 10_000n * CRP);
      for (let n = 1; n <= TASKS; n++) await tasks.createTask(await minimalTask(f, deadline, n));
      return f;
    }

    it("reads 500 tasks in at most 5 JSON-RPC requests", async function () {
      const f = await loadFixture(manyTasksFixture);
      expect(await f.tasks.taskCount()).to.equal(BigInt(TASKS));
      const counting = countingProvider();
      const client = await f.clientFor(new BrowserProvider(counting.eip1193));
      const ids = Array.from({ length: TASKS }, (_, i) => BigInt(i + 1));

      counting.reset();
      const tasks = await client.tasks.getMany(ids);
      // The SDK's own requests: one block number (so both chunks read the same block) and two eth_calls of
      // 250 tasks each. ethers' BrowserProvider (no static network) adds a chain-id check before calls, how
      // many depends on its cache timing: those count toward the limit but are not the SDK's to fix.
      const sdkRequests = counting.methods.filter((m) => m !== "eth_chainId").sort();
      expect(sdkRequests, counting.methods.join(", ")).to.deep.equal(["eth_blockNumber", "eth_call", "eth_call"]);
      expect(counting.methods.length, counting.methods.join(", ")).to.be.at.most(5);
      expect(counting.count()).to.equal(5);
      expect(counting.count()).to.be.at.most(5);

      expect(tasks).to.have.length(TASKS);
      for (const i of [0, 1, 123, 249, 250, 251, 377, 498, 499]) {
        expect(plain(tasks[i]), `task ${i + 1}`).to.deep.equal(plain(await f.tasks.getTask(BigInt(i + 1))));
      }
      // Every task is the one asked for, in order: task n's reward is 1 CRP + n wei.
      expect(tasks.map((t) => t.reward)).to.deep.equal(ids.map((n) => CRP + n));
      expect(tasks.map((t) => t.requester)).to.deep.equal(Array<string>(TASKS).fill(f.alice.address));
    });
  });
});
