import type { Command } from "commander";

export function registerTaskCommands(_program: Command): void {}
