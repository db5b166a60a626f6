/**
 * `npm run bench:sdk`: what the SDK costs a dapp.
 *
 * - JSON-RPC requests: 500 one-slot tasks on a fresh in-process deployment, read through the SDK over an ethers
 *   `BrowserProvider` whose EIP-1193 transport counts every request: `tasks.getMany` of all 500 (Multicall3),
 *   `tasks.get` of one, and the naive way (500 `getTask` calls) for comparison.
 * - Bundle size: the built `sdk/dist` bundled by esbuild as an app would (ESM, minified, ethers external):
 *   only `CorpusClient`, the whole main entry, and the viem entry; raw and gzip -9 bytes.
 *
 * Requests are counted on a warm client (after its first request), with the network re-checked before each
 * call as a dapp's BrowserProvider does by default, and with `staticNetwork` (no re-checks).
 *
 * Fails if reading the 500 tasks takes more than 5 requests, if the batched read disagrees with the naive
 * one, if the viem entry pulls in ethers, or if sdk/dist is missing (`npm run build -w @corpus-protocol/sdk`).
 */
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import hre from "hardhat";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { deployCorpus } from "../../deploy/deploy-corpus";
import { CorpusClient, type Task } from "../../sdk/src";
import { IERC20__factory } from "../../sdk/src/typechain";
import { namedAccounts } from "../lib/accounts";
import { defaultTaskParams, escrowOf } from "../lib/tasks-setup";

const ROOT = path.join(__dirname, "..", "..");
const SDK = path.join(ROOT, "sdk");
const DIST = path.join(SDK, "dist");
const TASKS = 500;
/** Most JSON-RPC requests reading 500 tasks may take. */
const MAX_REQUESTS_FOR_500 = 5;

/** An EIP-1193 transport that records the method of every request it forwards. */
class CountingTransport implements Eip1193Provider {
  methods: string[] = [];

  constructor(private readonly inner: EIP1193Provider) {}

  async request(request: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    this.methods.push(request.method);
    return this.inner.request(request as RequestArguments);
  }

  /** Runs `action` and returns its result with the requests it made (by method) and its wall time. */
  async measure<T>(action: () => Promise<T>): Promise<{ result: T; requests: number; byMethod: string; ms: number }> {
    this.methods = [];
    const start = performance.now();
    const result = await action();
    const ms = performance.now() - start;
    const counts = new Map<string, number>();
    for (const m of this.methods) counts.set(m, (counts.get(m) ?? 0) + 1);
    const byMethod = [...counts].map(([m, n]) => `${m} ×${n}`).join(", ");
    return { result, requests: this.methods.length, byMethod, ms };
  }
}

/** A table with a header row, columns padded; numeric-looking cells right-aligned. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (/^[\d.,]+( ms)?$/.test(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Tasks as comparable text: every field, in order, bigints included. */
const asText = (tasks: readonly Task[]) =>
  JSON.stringify(tasks, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

async function requestFigures(failures: string[]): Promise<string[][]> {
  const d = await deployCorpus(hre, { writeAddressBook: false });
  const { alice } = await namedAccounts();

  // 500 one-slot tasks from one account: one approval for all the escrow, then direct registry calls.
  const setupStart = performance.now();
  const params = await defaultTaskParams(d, { slots: 1n, workerBond: 0n });
  const escrow = await escrowOf(d, params);
  const token = IERC20__factory.connect(await d.token.getAddress(), alice);
  await (await token.approve(await d.tasks.getAddress(), escrow * BigInt(TASKS))).wait();
  const registry = d.tasks.connect(alice);
  for (let i = 0; i < TASKS; i++) await registry.createTask(params);
  const count = await d.tasks.taskCount();
  if (count !== BigInt(TASKS)) throw new Error(`Expected ${TASKS} tasks, the registry has ${count}`);
  console.log(`Set up ${TASKS} tasks in ${fmt(Math.round(performance.now() - setupStart))} ms.\n`);
  const ids = Array.from({ length: TASKS }, (_, i) => BigInt(i + 1));

  const rows: string[][] = [["read", "provider", "requests", "by method", "time"]];
  // As a dapp gets it (the network re-checked before each call), and with the network pinned.
  for (const [label, staticNetwork] of [
    ["BrowserProvider", false],
    ["…staticNetwork", true],
  ] as const) {
    const transport = new CountingTransport(hre.network.provider);
    const provider = new BrowserProvider(transport, undefined, { staticNetwork });
    const client = await CorpusClient.connect(provider, { deployment: d.addressBook });
    try {
      // Warm: ethers' first request after connecting re-detects the chain once (one more eth_chainId), which
      // a running dapp has long paid; counting it would charge it to whichever read comes first. (Not with
      // getBlockNumber: ethers would serve the batch's own block-number request from its 250 ms cache.)
      await provider.send("eth_chainId", []);
      const many = await transport.measure(() => client.tasks.getMany(ids));
      const one = await transport.measure(() => client.tasks.get(ids[TASKS - 1]!));
      const naive = await transport.measure(async () => {
        const tasks: Task[] = [];
        for (const id of ids) tasks.push(await client.contracts.CorpusTasks.getTask(id));
        return tasks;
      });
      const row = (name: string, m: { requests: number; byMethod: string; ms: number }) => [
        name,
        label,
        fmt(m.requests),
        m.byMethod,
        `${fmt(Math.round(m.ms))} ms`,
      ];
      rows.push(
        row(`tasks.getMany(${TASKS} ids)`, many),
        row("tasks.get(1 id)", one),
        row(`${TASKS} × getTask (naive)`, naive),
      );

      if (many.result.length !== TASKS || many.result.some((t) => t.requester !== alice.address)) {
        failures.push(`${label}: tasks.getMany did not return the ${TASKS} tasks alice posted`);
      }
      if (asText(many.result) !== asText(naive.result)) {
        failures.push(`${label}: tasks.getMany and the naive getTask calls disagree`);
      }
      if (asText([one.result]) !== asText([naive.result[TASKS - 1]!])) {
        failures.push(`${label}: tasks.get disagrees with getTask`);
      }
      if (!staticNetwork && many.requests > MAX_REQUESTS_FOR_500) {
        failures.push(
          `tasks.getMany of ${TASKS} tasks took ${many.requests} JSON-RPC requests (${many.byMethod}); ` +
            `at most ${MAX_REQUESTS_FOR_500} allowed`,
        );
      }
    } finally {
      provider.destroy();
    }
  }
  return rows;
}

async function bundleFigures(failures: string[]): Promise<string[][]> {
  const index = path.join(DIST, "index.mjs");
  const viem = path.join(DIST, "viem.mjs");
  const bundles: { name: string; options: BuildOptions }[] = [
    {
      name: "{ CorpusClient } only",
      options: { stdin: { contents: `export { CorpusClient } from ${JSON.stringify(index)};`, resolveDir: SDK } },
    },
    { name: "main entry, whole (index.mjs)", options: { entryPoints: [index] } },
    { name: "viem entry, whole (viem.mjs)", options: { entryPoints: [viem] } },
    {
      name: "{ corpusTasksAbi } only (viem)",
      options: { stdin: { contents: `export { corpusTasksAbi } from ${JSON.stringify(viem)};`, resolveDir: SDK } },
    },
  ];
  const rows: string[][] = [["bundle", "minified bytes", "gzip -9 bytes", "imports ethers"]];
  for (const { name, options } of bundles) {
    const result = await build({
      ...options,
      bundle: true,
      format: "esm",
      minify: true,
      platform: "neutral",
      external: ["ethers"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.contents;
    const importsEthers = Object.values(result.metafile.outputs).some((o) =>
      o.imports.some((i) => i.path === "ethers"),
    );
    rows.push([name, fmt(code.byteLength), fmt(gzipSync(code, { level: 9 }).byteLength), importsEthers ? "yes" : "no"]);
    if (name.includes("viem") && importsEthers) failures.push(`${name} imports ethers: a viem app would bundle it`);
  }
  return rows;
}

/** The newest file under `dir` (by modification time). */
function newestUnder(dir: string): { file: string; mtime: number } {
  let newest = { file: dir, mtime: 0 };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const mtime = fs.statSync(file).mtimeMs;
    if (mtime > newest.mtime) newest = { file, mtime };
  }
  return newest;
}

async function main() {
  if (hre.network.name !== "hardhat") throw new Error("The SDK benchmark runs on the in-process network only.");
  for (const entry of ["index.mjs", "viem.mjs"]) {
    if (!fs.existsSync(path.join(DIST, entry))) {
      console.error(`sdk/dist/${entry} is missing: build the SDK first (npm run build -w @corpus-protocol/sdk).`);
      process.exitCode = 1;
      return;
    }
  }
  const source = newestUnder(path.join(SDK, "src"));
  if (source.mtime > fs.statSync(path.join(DIST, "index.mjs")).mtimeMs) {
    console.warn(
      `Warning: ${path.relative(ROOT, source.file)} is newer than sdk/dist: the bundle figures are of an older ` +
        "build (npm run build -w @corpus-protocol/sdk).\n",
    );
  }

  const failures: string[] = [];
  console.log("# JSON-RPC requests (in-process Hardhat network)\n");
  console.log(table(await requestFigures(failures)));
  console.log("\n# Bundle size (esbuild: ESM, minified, platform neutral, ethers external)\n");
  console.log(table(await bundleFigures(failures)));

  if (failures.length > 0) {
    console.error(`\nSDK benchmark failed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
