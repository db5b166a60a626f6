/**
 * The package as a consumer gets it: `npm pack` of the built sdk/dist, installed into a fresh project next to
 * the ethers, viem and TypeScript versions this repo uses, then loaded from ESM and CommonJS and type-checked
 * under `moduleResolution: nodenext`. Needs the build: `npm run build -w @corpus-protocol/sdk`.
 */
import { expect } from "chai";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface } from "ethers";
import { hashJson } from "../src/content-hash";
import { CORPUS_ERRORS } from "../src/generated/errors";

const SDK_DIR = path.join(__dirname, "..");
const ROOT = path.join(SDK_DIR, "..");
const PACKAGE = "@corpus-protocol/sdk";

/** A JSON document whose canonical hash the packaged `hashJson` must reproduce (keys out of order, nested). */
const SAMPLE_SPEC = { labels: ["cat", "dog"], instructions: "Label each image", limits: { perWorker: 50, ok: true } };
/** The same document as a file a user would have: other key order, indented. */
const SAMPLE_SPEC_FILE = `{\n  "limits": { "ok": true, "perWorker": 50 },\n  "instructions": "Label each image",\n  "labels": ["cat", "dog"]\n}\n`;
/** Revert data of `TasksInvalidReward(0, 12345)`, which the packaged `decodeRevert` must name and type. */
const REVERT_DATA = new Interface(["error TasksInvalidReward(uint256 reward, uint256 max)"]).encodeErrorResult(
  "TasksInvalidReward",
  [0n, 12345n],
);

/** The version of `name` installed in the repo (read from disk: ethers' exports map hides its package.json). */
function repoVersion(name: string): string {
  const file = path.join(ROOT, "node_modules", name, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** The environment for child processes, without what `npm run` exports about the repo's own package. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/.test(key) || key === "npm_config_local_prefix" || key.startsWith("TS_NODE_")) {
      continue;
    }
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: childEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** Runs a command that must succeed; returns its stdout, or throws with everything it printed. */
function mustRun(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(
      `\`${command} ${args.join(" ")}\` in ${cwd} exited with ${result.status ?? result.signal}` +
        `${result.error ? ` (${result.error.message})` : ""}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Runs `code` with node in the consumer project (as ESM or CommonJS) and parses the JSON it prints last. */
function evalIn(project: string, code: string, as: "esm" | "cjs"): Record<string, unknown> {
  const args = as === "esm" ? ["--input-type=module", "-e", code] : ["-e", code];
  const lines = mustRun(process.execPath, args, project).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

// The sample integration a consumer would write, type-checked against the packed declarations.
const ETHERS_SAMPLE = `import {
  CorpusClient,
  CorpusInputError,
  hashJson,
  isCorpusContractError,
  type PostTaskInput,
  type Task,
} from "@corpus-protocol/sdk";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";

export async function postLabelingTask(rpcUrl: string, key: string): Promise<bigint | undefined> {
  const provider = new JsonRpcProvider(rpcUrl);
  const reader = await CorpusClient.connect(provider);
  const before: bigint = await reader.tasks.count();
  const client = await CorpusClient.connect(new Wallet(key, provider), { confirmations: 2, multicallBatchSize: 100 });
  const input: PostTaskInput = {
    token: client.deployment.contracts.CorpusToken,
    reward: parseUnits("100", 18),
    slots: 10,
    deadline: new Date(Date.now() + 7 * 86_400_000),
    reviewWindow: 86_400,
    panelSize: 3,
    quorum: 2n,
    workerBond: parseUnits("10", 18),
    kind: "labeling",
    specUri: "ipfs://bafy/spec.json",
    specHash: hashJson({ instructions: "Label each image", labels: ["cat", "dog"] }),
    funding: "approve",
  };
  try {
    const { taskId, escrow, receipt } = await client.tasks.post(input);
    const block: number = receipt.blockNumber;
    const [task]: Task[] = await reader.tasks.getMany([taskId]);
    const reward: bigint | undefined = task?.reward;
    console.log(before, escrow, block, reward);
    return taskId;
  } catch (e) {
    if (isCorpusContractError(e, "TasksInvalidReward")) {
      const max: bigint = e.args.max;
      const reward: bigint = e.args.reward;
      // @ts-expect-error the error's arguments are typed: max is a bigint
      const notAString: string = e.args.max;
      // @ts-expect-error TasksInvalidReward has no \`slots\` argument
      console.log(e.args.slots, notAString);
      const name: "TasksInvalidReward" = e.errorName;
      console.log(name, max, reward, e.description);
      return undefined;
    }
    if (e instanceof CorpusInputError) console.log(e.field, e.reason);
    throw e;
  }
}

export async function wrongInputs(client: CorpusClient): Promise<void> {
  // @ts-expect-error not an error any Corpus contract declares
  isCorpusContractError(new Error("x"), "NotACorpusError");
  await client.tasks.post({
    reward: 1n,
    slots: 1,
    deadline: 1,
    reviewWindow: 1,
    panelSize: 1,
    quorum: 1,
    // @ts-expect-error not a task kind
    kind: "painting",
    specUri: "ipfs://x",
    specHash: "0x",
  });
  // @ts-expect-error a task input needs a reward
  await client.tasks.post({ slots: 1, deadline: 1, reviewWindow: 1, panelSize: 1, quorum: 1, kind: 0, specUri: "", specHash: "" });
}
`;

const VIEM_SAMPLE = `import { corpusTasksAbi, deploymentFor } from "@corpus-protocol/sdk/viem";
import { decodeFunctionResult, encodeFunctionData, type Hex } from "viem";

export function getTaskCall(taskId: bigint): { to: string; data: Hex } {
  const data = encodeFunctionData({ abi: corpusTasksAbi, functionName: "getTask", args: [taskId] });
  return { to: deploymentFor(1).contracts.CorpusTasks, data };
}

export function rewardOf(returned: Hex): { reward: bigint; requester: Hex; cancelled: boolean } {
  const task = decodeFunctionResult({ abi: corpusTasksAbi, functionName: "getTask", data: returned });
  return { reward: task.reward, requester: task.requester, cancelled: task.cancelled };
}
`;

const VIEM_NEGATIVE = `import { corpusTasksAbi } from "@corpus-protocol/sdk/viem";
import { decodeFunctionResult, encodeFunctionData } from "viem";

// Every line below must be a type error: tsc fails on an unused @ts-expect-error.
// @ts-expect-error the registry has no function notAFunction
encodeFunctionData({ abi: corpusTasksAbi, functionName: "notAFunction", args: [1n] });
// @ts-expect-error the registry has no function notAFunction
decodeFunctionResult({ abi: corpusTasksAbi, functionName: "notAFunction", data: "0x" });
// @ts-expect-error getTask takes a uint256 id, not a string
encodeFunctionData({ abi: corpusTasksAbi, functionName: "getTask", args: ["1"] });
const task = decodeFunctionResult({ abi: corpusTasksAbi, functionName: "getTask", data: "0x" });
// @ts-expect-error a task's reward is a bigint
export const reward: string = task.reward;
`;

const CJS_SAMPLE = `import sdk = require("@corpus-protocol/sdk");
import nodeHelpers = require("@corpus-protocol/sdk/node");
import viemEntry = require("@corpus-protocol/sdk/viem");
import ethers = require("ethers");

export async function taskCount(rpcUrl: string, saltDir: string): Promise<bigint> {
  const client = await sdk.CorpusClient.connect(new ethers.JsonRpcProvider(rpcUrl), {
    saltStore: new nodeHelpers.FileSaltStore(saltDir),
  });
  const specHash: string = await nodeHelpers.hashFile("spec.json", { as: "json" });
  const abiLength: number = viemEntry.corpusTasksAbi.length;
  const error = sdk.decodeRevert("0x");
  if (sdk.isCorpusContractError(error, "TasksInvalidSlots")) {
    const max: bigint = error.args.max;
    console.log(max);
  }
  console.log(specHash, abiLength);
  return client.tasks.count();
}
`;

describe("The packed SDK in a consumer project", function () {
  let tmp: string;
  let project: string;
  let tarball: string;
  let packed: string[];

  before(function () {
    this.timeout(180_000);
    if (!fs.existsSync(path.join(SDK_DIR, "dist", "index.mjs"))) {
      throw new Error("sdk/dist is missing: run `npm run build -w @corpus-protocol/sdk` before the consumer test");
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-sdk-consumer-"));
    const pack = JSON.parse(mustRun("npm", ["pack", "--pack-destination", tmp, "--json"], SDK_DIR)) as {
      filename: string;
    }[];
    tarball = path.join(tmp, pack[0]!.filename);
    packed = mustRun("tar", ["-tzf", tarball], tmp)
      .split("\n")
      .filter((line) => line !== "");

    project = path.join(tmp, "app");
    fs.mkdirSync(path.join(project, "src"), { recursive: true });
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "corpus-sdk-consumer", version: "0.0.0", private: true, type: "module" }, null, 2),
    );
    mustRun(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
        `ethers@${repoVersion("ethers")}`,
        `typescript@${repoVersion("typescript")}`,
        `viem@${repoVersion("viem")}`,
      ],
      project,
    );
    fs.writeFileSync(path.join(project, "spec.json"), SAMPLE_SPEC_FILE);
  });

  after(function () {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("imports from ESM: the client, the error table, hashing and revert decoding work", function () {
    const out = evalIn(
      project,
      `import { CorpusClient, CORPUS_ERRORS, hashJson, decodeRevert, isCorpusContractError } from "${PACKAGE}";
       import { corpusTasksAbi } from "${PACKAGE}/viem";
       import { hashFile } from "${PACKAGE}/node";
       const e = decodeRevert(${JSON.stringify(REVERT_DATA)});
       console.log(JSON.stringify({
         connect: typeof CorpusClient.connect,
         errors: Object.keys(CORPUS_ERRORS).length,
         hash: hashJson(${JSON.stringify(SAMPLE_SPEC)}),
         fileHash: await hashFile("spec.json", { as: "json" }),
         decoded: isCorpusContractError(e, "TasksInvalidReward") ? String(e.args.max) : null,
         abi: Array.isArray(corpusTasksAbi) && corpusTasksAbi.some((f) => f.name === "getTask"),
       }));`,
      "esm",
    );
    const errorCount = Object.keys(CORPUS_ERRORS).length;
    expect(errorCount).to.be.greaterThan(150);
    expect(out).to.deep.equal({
      connect: "function",
      errors: errorCount,
      hash: hashJson(SAMPLE_SPEC),
      fileHash: hashJson(SAMPLE_SPEC),
      decoded: "12345",
      abi: true,
    });
  });

  it("requires from CommonJS: the main entry, ./viem and ./node", function () {
    const out = evalIn(
      project,
      `const sdk = require("${PACKAGE}");
       const viemEntry = require("${PACKAGE}/viem");
       const nodeHelpers = require("${PACKAGE}/node");
       const e = sdk.decodeRevert(${JSON.stringify(REVERT_DATA)});
       console.log(JSON.stringify({
         connect: typeof sdk.CorpusClient.connect,
         errors: Object.keys(sdk.CORPUS_ERRORS).length,
         hash: sdk.hashJson(${JSON.stringify(SAMPLE_SPEC)}),
         decoded: sdk.isCorpusContractError(e, "TasksInvalidReward") ? String(e.args.max) : null,
         tasksAbi: Array.isArray(viemEntry.corpusTasksAbi) && viemEntry.corpusTasksAbi.some((f) => f.name === "getTask"),
         deploymentFor: typeof viemEntry.deploymentFor,
         fileSaltStore: typeof nodeHelpers.FileSaltStore,
         hashFile: typeof nodeHelpers.hashFile,
       }));`,
      "cjs",
    );
    expect(out).to.deep.equal({
      connect: "function",
      errors: Object.keys(CORPUS_ERRORS).length,
      hash: hashJson(SAMPLE_SPEC),
      decoded: "12345",
      tasksAbi: true,
      deploymentFor: "function",
      fileSaltStore: "function",
      hashFile: "function",
    });
  });

  it("loads the viem entry without ethers, and the main entry with it", function () {
    const ethersLoadedAfter = (entry: string) =>
      evalIn(
        project,
        `require(${JSON.stringify(entry)});
         const loaded = Object.keys(require.cache).some((f) => f.includes("/node_modules/ethers/"));
         console.log(JSON.stringify({ loaded }));`,
        "cjs",
      ).loaded;
    expect(ethersLoadedAfter(`${PACKAGE}/viem`)).to.equal(false);
    expect(ethersLoadedAfter(PACKAGE)).to.equal(true);
  });

  it("packs dist and the README, with every file the exports map names, and no sources, tests or tarballs", function () {
    expect(packed.every((entry) => entry.startsWith("package/"))).to.equal(true);
    const files = packed.map((entry) => entry.slice("package/".length));
    expect(files.filter((f) => /^(src|test)\//.test(f) || f.endsWith(".tgz"))).to.deep.equal([]);
    expect(files.filter((f) => !f.startsWith("dist/") && f !== "package.json" && f !== "README.md")).to.deep.equal([]);
    if (fs.existsSync(path.join(SDK_DIR, "README.md"))) expect(files).to.include("README.md");

    const manifest = JSON.parse(mustRun("tar", ["-xzOf", tarball, "package/package.json"], tmp)) as {
      main: string;
      module: string;
      types: string;
      exports: Record<string, unknown>;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      bundleDependencies?: unknown;
      bundledDependencies?: unknown;
      peerDependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.exports).sort()).to.deep.equal([".", "./node", "./package.json", "./viem"]);
    const targets = new Set<string>([manifest.main, manifest.module, manifest.types]);
    const collect = (node: unknown): void => {
      if (typeof node === "string") targets.add(node);
      else if (node !== null && typeof node === "object") Object.values(node).forEach(collect);
    };
    collect(manifest.exports);
    const missing = [...targets].map((t) => t.replace(/^\.\//, "")).filter((t) => !files.includes(t));
    expect(missing, "files the manifest points to but the tarball lacks").to.deep.equal([]);
    expect(targets.size).to.be.greaterThan(12);

    expect(manifest.dependencies ?? {}).to.deep.equal({});
    expect(manifest.optionalDependencies ?? {}).to.deep.equal({});
    expect(manifest.bundleDependencies ?? manifest.bundledDependencies).to.equal(undefined);
    expect(Object.keys(manifest.peerDependencies ?? {})).to.deep.equal(["ethers"]);
    // Nothing of the package's own was installed beside it.
    expect(fs.existsSync(path.join(project, "node_modules", PACKAGE, "node_modules"))).to.equal(false);
  });

  it("type-checks an ethers integration, a viem one (wrong function names rejected) and a CommonJS one", function () {
    this.timeout(120_000);
    const src = path.join(project, "src");
    fs.writeFileSync(path.join(src, "ethers-sample.ts"), ETHERS_SAMPLE);
    fs.writeFileSync(path.join(src, "viem-sample.ts"), VIEM_SAMPLE);
    fs.writeFileSync(path.join(src, "viem-negative.ts"), VIEM_NEGATIVE);
    fs.writeFileSync(path.join(src, "cjs-sample.cts"), CJS_SAMPLE);
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          noEmit: true,
          // The package's own declarations are checked too, not only what the samples use of them.
          skipLibCheck: false,
          types: [],
        },
        include: ["src"],
      }),
    );
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
    const result = run(process.execPath, [tsc, "-p", "tsconfig.json", "--listFiles", "--pretty", "false"], project);
    const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
    // --listFiles prints absolute paths; everything else is a diagnostic.
    const diagnostics = lines.filter((line) => !path.isAbsolute(line));
    expect(diagnostics, "tsc diagnostics").to.deep.equal([]);
    expect(result.status, result.stderr).to.equal(0);
    const listed = lines.map((f) => path.relative(project, f.trim()));
    const dist = path.join("node_modules", PACKAGE, "dist");
    // ESM files read the `import` declarations, the .cts file the `require` ones.
    expect(listed).to.include.members([
      path.join("src", "ethers-sample.ts"),
      path.join("src", "viem-sample.ts"),
      path.join("src", "viem-negative.ts"),
      path.join("src", "cjs-sample.cts"),
      path.join(dist, "index.d.mts"),
      path.join(dist, "viem.d.mts"),
      path.join(dist, "index.d.ts"),
      path.join(dist, "viem.d.ts"),
      path.join(dist, "node.d.ts"),
    ]);
  });
});
