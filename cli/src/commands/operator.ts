import type { Command } from "commander";

export function registerOperatorCommands(_program: Command): void {}
