/**
 * Local EVM nodes for the SDK's end-to-end tests: `npx hardhat node` and anvil, each on a free loopback port
 * and in a process group of its own, plus `corpus:deploy` onto them with a throwaway address-book directory.
 *
 * Both nodes run chain id 31337 with the "test test ... junk" mnemonic's accounts unlocked (anvil's defaults
 * equal Hardhat's). Nodes still running when this process exits, or is interrupted, are killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AddressBook } from "../../../deploy/address-book";

/** The repository root (this file is sdk/test/e2e/), where hardhat.config.ts and node_modules live. */
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const HARDHAT_BOOTSTRAP = path.join(REPO_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
/** The real anvil binary; the `@foundry-rs/anvil` npm wrapper would sit between us and the node's signals. */
const ANVIL_PACKAGE_BINARY = "@foundry-rs/anvil-linux-amd64/bin/anvil";

const LOOPBACK = "127.0.0.1";
const LOCAL_CHAIN_ID = 31337;
const READY_POLL_MS = 200;
const READY_TIMEOUT_MS = 60_000;
const KILL_AFTER_MS = 5_000;
const STOP_TIMEOUT_MS = 30_000;
const DEPLOY_TIMEOUT_MS = 300_000;
/** How much of a child's output is kept for error messages (its tail). */
const OUTPUT_LIMIT = 64 * 1024;
/** Starts retried when the free port was taken between finding it and the node binding it. */
const START_ATTEMPTS = 3;

export type LocalNodeKind = "hardhat" | "anvil";

export interface LocalNode {
  readonly kind: LocalNodeKind;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The node's process id, which is also its process group's id (it is started detached). */
  readonly pid: number;
  /** Ends the node's whole process group and waits until its port refuses connections. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown by {@link startAnvil} when the anvil binary package is not installed. */
export class AnvilNotInstalledError extends Error {
  override readonly name = "AnvilNotInstalledError";
}

/** A node that did not start or stop, or a deployment that failed; `output` is the tail of the child's output. */
export class LocalNodeError extends Error {
  override readonly name = "LocalNodeError";
  constructor(
    message: string,
    readonly output = "",
  ) {
    super(output === "" ? message : `${message}\n--- output ---\n${output}`);
  }
}

/** The last {@link OUTPUT_LIMIT} characters of a child's stdout and stderr, interleaved as they arrive. */
export class OutputTail {
  private text = "";
  private truncated = false;

  attach(child: ChildProcess): void {
    child.stdout?.on("data", (chunk: Buffer) => this.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.push(chunk));
  }

  private push(chunk: Buffer): void {
    this.text += chunk.toString("utf8");
    if (this.text.length > 2 * OUTPUT_LIMIT) {
      this.text = this.text.slice(-OUTPUT_LIMIT);
      this.truncated = true;
    }
  }

  toString(): string {
    if (!this.truncated && this.text.length <= OUTPUT_LIMIT) return this.text;
    return `[...]${this.text.slice(-OUTPUT_LIMIT)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The safety net: every process group started here and not yet gone is killed when this process exits or is
// interrupted. The groups are detached, so a terminal's Ctrl-C never reaches them by itself.

const liveGroups = new Set<number>();
const TERMINATING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function killAllGroups(): void {
  for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
  liveGroups.clear();
}

/** On a signal: kill the groups, then let the signal do what it would have done had we not listened. */
function onTerminatingSignal(signal: NodeJS.Signals): void {
  killAllGroups();
  if (process.listenerCount(signal) === 1) {
    uninstallSafetyNet();
    process.kill(process.pid, signal);
  }
}

function installSafetyNet(): void {
  process.on("exit", killAllGroups);
  for (const signal of TERMINATING_SIGNALS) process.on(signal, onTerminatingSignal);
}

function uninstallSafetyNet(): void {
  process.removeListener("exit", killAllGroups);
  for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onTerminatingSignal);
}

function trackGroup(pid: number): void {
  if (liveGroups.size === 0) installSafetyNet();
  liveGroups.add(pid);
}

function untrackGroup(pid: number): void {
  if (liveGroups.delete(pid) && liveGroups.size === 0) uninstallSafetyNet();
}

/** Sends `signal` to process group `pid`; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The environment of the children: ours, without a ts-node project meant for this process's own files. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.TS_NODE_PROJECT;
  return env;
}

/** A port nothing listens on right now: listen on 127.0.0.1 port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close((error) => {
        if (error !== undefined) reject(error);
        else if (port === 0) reject(new Error(`Could not read the port of ${String(address)}`));
        else resolve(port);
      });
    });
  });
}

/** Ports handed to nodes of this process and not released yet, so two concurrent starts never share one. */
const reservedPorts = new Set<number>();

async function reservePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (!reservedPorts.has(port)) {
      reservedPorts.add(port);
      return port;
    }
  }
  throw new Error("Could not find a free port that no other local node of this process holds");
}

/** True when a JSON-RPC POST of `eth_chainId` to `url` gets a result. */
async function answersChainId(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}

/** Whether a TCP connection to the loopback `port` is refused (nothing listens there). */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

function describeExit(exit: Exit): string {
  if (exit.error !== undefined) return `failed to run (${exit.error.message})`;
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** A detached child (leader of its own process group), tracked by the safety net until it and its group end. */
export class GroupChild {
  readonly child: ChildProcess;
  readonly output = new OutputTail();
  /** Set once the leader has exited (or failed to spawn). */
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.output.attach(this.child);
    this.exited = new Promise((resolve) => {
      const settle = (exit: Exit) => {
        this.exit ??= exit;
        resolve(this.exit);
      };
      this.child.once("error", (error) => settle({ code: null, signal: null, error }));
      this.child.once("exit", (code, signal) => settle({ code, signal }));
    });
    if (this.child.pid !== undefined) trackGroup(this.child.pid);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Lets this process exit while the child runs (the safety net still kills the group then). */
  unref(): void {
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as net.Socket | null)?.unref?.();
  }

  /** SIGTERM to the group, SIGKILL after {@link KILL_AFTER_MS}; resolves once the leader and the group are gone. */
  async terminate(deadline: number): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    const killAt = Date.now() + KILL_AFTER_MS;
    let killed = false;
    // The leader must also have been reaped (its exit event), or it lingers in the group as a zombie.
    while (this.exit === undefined || signalGroup(pid, 0)) {
      if (!killed && Date.now() >= killAt) {
        signalGroup(pid, "SIGKILL");
        killed = true;
      }
      if (Date.now() > deadline) throw new LocalNodeError(`Process group ${pid} is still alive`, String(this.output));
      await sleep(50);
    }
    untrackGroup(pid);
  }

  /** After the leader exited by itself: kill whatever it left in its group and stop tracking it. */
  reapGroup(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    signalGroup(pid, "SIGKILL");
    untrackGroup(pid);
  }
}

/** Starts one node on `port` and waits until it answers `eth_chainId`. */
async function launch(kind: LocalNodeKind, command: string, args: string[], port: number): Promise<LocalNode> {
  const url = `http://${LOOPBACK}:${port}`;
  const proc = new GroupChild(command, args, childEnv());
  const deadline = Date.now() + READY_TIMEOUT_MS;

  for (;;) {
    if (proc.exit !== undefined) {
      proc.reapGroup();
      throw new LocalNodeError(`The ${kind} node on port ${port} ${describeExit(proc.exit)}`, String(proc.output));
    }
    if (await answersChainId(url)) break;
    if (Date.now() > deadline) {
      await proc.terminate(Date.now() + STOP_TIMEOUT_MS).catch(() => undefined);
      throw new LocalNodeError(
        `The ${kind} node on port ${port} did not answer eth_chainId within ${READY_TIMEOUT_MS / 1000} s`,
        String(proc.output),
      );
    }
    await Promise.race([sleep(READY_POLL_MS), proc.exited]);
  }

  const pid = proc.pid;
  if (pid === undefined) throw new LocalNodeError(`The ${kind} node answered but has no pid`);
  proc.unref();

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    await proc.terminate(deadline);
    while (!(await refusesConnections(port))) {
      if (Date.now() > deadline) {
        throw new LocalNodeError(`The ${kind} node stopped but port ${port} still accepts connections`);
      }
      await sleep(100);
    }
    reservedPorts.delete(port);
  };
  return {
    kind,
    url,
    port,
    pid,
    stop() {
      stopping ??= stop().catch((error: unknown) => {
        stopping = undefined; // a failed stop may be retried
        throw error;
      });
      return stopping;
    },
  };
}

/** {@link launch} on a fresh free port, again on another when the port was taken before the node bound it. */
async function startNode(kind: LocalNodeKind, command: string, args: (port: number) => string[]): Promise<LocalNode> {
  for (let attempt = 1; ; attempt++) {
    const port = await reservePort();
    try {
      return await launch(kind, command, args(port), port);
    } catch (error) {
      reservedPorts.delete(port);
      const portTaken = error instanceof LocalNodeError && /EADDRINUSE|address already in use/i.test(error.output);
      if (!portTaken || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/** `npx hardhat node` on a free loopback port, run from the repository root (so with its hardhat.config.ts). */
export function startHardhatNode(): Promise<LocalNode> {
  return startNode("hardhat", process.execPath, (port) => [
    HARDHAT_BOOTSTRAP,
    "node",
    "--hostname",
    LOOPBACK,
    "--port",
    String(port),
  ]);
}

/** anvil (the `@foundry-rs/anvil-linux-amd64` binary) on a free loopback port, with the contracts' hardfork. */
export function startAnvil(): Promise<LocalNode> {
  let binary: string;
  try {
    binary = require.resolve(ANVIL_PACKAGE_BINARY);
  } catch (cause) {
    return Promise.reject(
      new AnvilNotInstalledError(
        `anvil is missing: ${ANVIL_PACKAGE_BINARY} cannot be resolved (it is an optional npm dependency ` +
          `installed on Linux x64 only)`,
        { cause },
      ),
    );
  }
  return startNode("anvil", binary, (port) => [
    "--host",
    LOOPBACK,
    "--port",
    String(port),
    "--hardfork",
    "prague",
    "--silent",
  ]);
}

/**
 * Deploys Corpus onto `node` with `npx hardhat corpus:deploy --network local`, recording the address book in a
 * fresh temporary directory (never the repository's deployments/), and returns that book.
 */
export async function deployCorpusTo(node: LocalNode): Promise<AddressBook> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "corpus-e2e-deployments-"));
  try {
    const proc = new GroupChild(
      process.execPath,
      [HARDHAT_BOOTSTRAP, "corpus:deploy", "--network", "local"],
      childEnv({ CORPUS_RPC_URL: node.url, CORPUS_DEPLOYMENTS_DIR: dir }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), DEPLOY_TIMEOUT_MS)),
    );
    const exit = await Promise.race([proc.exited, timeout]).finally(() => clearTimeout(timer));
    if (exit === undefined) {
      await proc.terminate(Date.now() + STOP_TIMEOUT_MS).catch(() => undefined);
      throw new LocalNodeError(
        `corpus:deploy to ${node.url} did not finish within ${DEPLOY_TIMEOUT_MS / 1000} s`,
        String(proc.output),
      );
    }
    proc.reapGroup();
    if (exit.error !== undefined || exit.code !== 0) {
      throw new LocalNodeError(`corpus:deploy to ${node.url} ${describeExit(exit)}`, String(proc.output));
    }
    const file = path.join(dir, `${LOCAL_CHAIN_ID}.json`);
    let text: string;
    try {
      text = await fs.promises.readFile(file, "utf8");
    } catch {
      const written = await fs.promises.readdir(dir);
      throw new LocalNodeError(
        `corpus:deploy to ${node.url} wrote no ${LOCAL_CHAIN_ID}.json (it wrote: ${written.join(", ") || "nothing"})`,
        String(proc.output),
      );
    }
    return JSON.parse(text) as AddressBook;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
