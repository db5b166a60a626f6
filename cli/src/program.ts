/**
 * The `corpus` command tree. Global flags apply to every command; each command group lives in its own file
 * under commands/. Failures are reported once, here, as a named error with a one-line cause.
 */
import { Command, CommanderError } from "commander";
import { registerAccountCommands } from "./commands/account";
import { registerOperatorCommands } from "./commands/operator";
import { registerTaskCommands } from "./commands/task";
import { registerValidatorCommands } from "./commands/validator";
import { EXIT, describeFailure } from "./errors";
import { createOutput } from "./output";

export function buildProgram(): Command {
  const program = new Command("corpus")
    .description("Corpus operator CLI: accounts, stake, tasks, and the validator daemon")
    .version("0.1.0")
    .option("--network <name>", "a network from the config file (or the built-in localhost)")
    .option("--rpc-url <url>", "JSON-RPC endpoint (overrides the network's)")
    .option("--deployment <file>", "address book JSON (default: the SDK's book for the chain)")
    .option("--keystore <file>", "encrypted keystore to sign with")
    .option("--config <file>", "config file (default: <home>/config.json)")
    .option("--home <dir>", "the CLI's directory: keystores, config, validator state (default: ~/.corpus)")
    .option("--confirmations <n>", "blocks to wait for after each transaction")
    .option("--json", "print results as JSON (for scripts)")
    .showHelpAfterError()
    .exitOverride();
  registerAccountCommands(program);
  registerOperatorCommands(program);
  registerTaskCommands(program);
  registerValidatorCommands(program);
  return program;
}

/** Runs the CLI on `argv` and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    // commander has already printed its own usage errors, help and version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const report = describeFailure(error);
    createOutput(argv.includes("--json")).failure(report);
    return report.exitCode;
  }
}
