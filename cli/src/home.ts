import os from "node:os";
import path from "node:path";
import type { GlobalFlags } from "./config";
import { ENV } from "./env";

/** The CLI's home directory (`--home`, `CORPUS_HOME`, or `~/.corpus`): keystores, config, validator state. */
export function homeOf(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = [flags.home, env[ENV.home]].find((v) => v !== undefined && v !== "");
  return path.resolve(chosen ?? path.join(os.homedir(), ".corpus"));
}
