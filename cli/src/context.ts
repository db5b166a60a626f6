/** What every command's action starts from: its flags (with the globals), the resolved config, the output. */
import type { Command } from "commander";
import { type GlobalFlags, type ResolvedConfig, resolveConfig } from "./config";
import { type Output, createOutput } from "./output";

export interface CommandContext<Flags> {
  flags: Flags & GlobalFlags;
  output: Output;
  /** Resolved on first use: commands that need no node (account new) never require an RPC URL. */
  config(): ResolvedConfig;
}

export function contextOf<Flags>(command: Command): CommandContext<Flags> {
  const flags = command.optsWithGlobals<Flags & GlobalFlags>();
  let resolved: ResolvedConfig | undefined;
  return {
    flags,
    output: createOutput(flags.json === true),
    config: () => (resolved ??= resolveConfig(flags)),
  };
}
