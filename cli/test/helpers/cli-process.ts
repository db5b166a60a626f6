/**
 * The built CLI (`cli/dist/bin.js`) as the tests' user runs it: one-shot commands with `runCli`, and the
 * validator daemon as a long-running child in a process group of its own (so `kill -9` reaches it and nothing
 * it started), with its pino log lines parsed as they arrive.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GroupChild, childEnv, signalGroup } from "../../../sdk/test/e2e/local-node";

export const CLI_BIN = path.resolve(__dirname, "..", "..", "dist", "bin.js");
/** The password every test keystore is encrypted with. */
export const TEST_PASSWORD = "correct horse battery staple";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `corpus <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): CliResult {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    env: childEnv({ CORPUS_PASSWORD: TEST_PASSWORD, ...env }),
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runCli` that must succeed; returns its parsed `--json` output. */
export function runCliJson<T>(args: string[], env: Record<string, string> = {}): T {
  const result = runCli([...args, "--json"], env);
  if (result.status !== 0) {
    throw new Error(`corpus ${args.join(" ")} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** A fresh CLI home with the account of `privateKey` imported and a config file for the node and deployment. */
export function operatorHome(options: {
  privateKey: string;
  rpcUrl: string;
  deploymentFile: string;
  validator?: Record<string, unknown>;
}): { home: string; address: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-cli-home-"));
  const imported = runCliJson<{ address: string }>(["--home", home, "account", "import"], {
    CORPUS_PRIVATE_KEY: options.privateKey,
  });
  const config = {
    rpcUrl: options.rpcUrl,
    deployment: options.deploymentFile,
    ...(options.validator === undefined ? {} : { validator: options.validator }),
  };
  fs.writeFileSync(path.join(home, "config.json"), JSON.stringify(config, null, 2));
  return { home, address: imported.address };
}

/** One pino log line of the daemon. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A running `corpus validator run`. */
export class DaemonProcess {
  readonly logs: LogLine[] = [];
  private readonly proc: GroupChild;
  private partial = "";

  constructor(
    readonly home: string,
    args: string[] = [],
  ) {
    this.proc = new GroupChild(
      process.execPath,
      [CLI_BIN, "--home", home, "validator", "run", ...args],
      childEnv({
        CORPUS_PASSWORD: TEST_PASSWORD,
      }),
    );
    this.proc.child.stdout?.on("data", (chunk: Buffer) => this.parse(chunk.toString("utf8")));
  }

  private parse(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ level: 60, msg: `unparsed: ${line}` });
      }
    }
  }

  get pid(): number {
    const pid = this.proc.pid;
    if (pid === undefined) throw new Error("the daemon has no pid");
    return pid;
  }

  /** Everything it wrote, for failure messages. */
  get output(): string {
    return String(this.proc.output);
  }

  get exited(): boolean {
    return this.proc.exit !== undefined;
  }

  /** Resolves with the first log line matching `predicate`, or fails after `timeoutMs` with the log tail. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found !== undefined) return found;
      if (this.exited) throw new Error(`the daemon exited:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms:\n${this.output}`);
      await sleep(100);
    }
  }

  /** The port its /metrics and /health endpoint bound. */
  async metricsPort(): Promise<number> {
    const line = await this.waitForLog((l) => l.msg === "serving /metrics and /health");
    return line.port as number;
  }

  /** `kill -9` of its whole process group: no handler runs, nothing is flushed. */
  async kill9(): Promise<void> {
    signalGroup(this.pid, "SIGKILL");
    await this.proc.exited;
    this.proc.reapGroup();
  }

  /** SIGTERM, and wait until the group is gone. */
  async stop(): Promise<void> {
    await this.proc.terminate(Date.now() + 30_000);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a defined value, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
