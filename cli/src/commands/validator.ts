import type { Command } from "commander";

export function registerValidatorCommands(_program: Command): void {}
