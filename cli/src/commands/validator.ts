/** `corpus validator run`: the validator daemon (see validator/run.ts). */
import type { Command } from "commander";
import { contextOf } from "../context";
import type { ValidatorFlags } from "../validator/options";
import { runValidator } from "../validator/run";

export function registerValidatorCommands(program: Command): void {
  const validator = program.command("validator").description("the validator daemon");
  validator
    .command("run")
    .description("review assigned submissions, serve on juries, and (with --keeper) draw panels and juries")
    .option("--data-dir <dir>", "checkpoint, duties and salts (default: <home>/validator/<chainId>-<operator>)")
    .option("--poll-interval <ms>", "pause between steps")
    .option("--scan-confirmations <n>", "blocks behind the head to scan (reorg safety)")
    .option("--metrics-host <host>", "address of the /metrics and /health endpoint")
    .option("--metrics-port <port>", "port of the /metrics and /health endpoint (0: any free port)")
    .option("--no-metrics", "serve no HTTP endpoint")
    .option("--keeper", "also draw panels and juries whose seeds are ready")
    .option("--ipfs-gateway <url>", "HTTP gateway for ipfs:// URIs")
    .option("--policy-timeout <ms>", "longest a review policy may take")
    .option("--log-level <level>", "trace, debug, info, warn or error")
    .action(async (_opts: object, command: Command) => {
      const { flags, config } = contextOf<ValidatorFlags>(command);
      await runValidator(config(), flags);
    });
}
