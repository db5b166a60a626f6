/**
 * What commands print. Results go to stdout: readable lines by default, one JSON document with `--json` (for
 * scripts; bigints as decimal strings). Progress of long waits goes to stderr, so it never mixes into JSON.
 */
import type { FailureReport } from "./errors";

export interface Output {
  readonly json: boolean;
  /** A command's result: `human` lines by default, `data` as JSON with `--json`. */
  result(data: unknown, human: () => string): void;
  /** A progress note on stderr ("sent 0x…, waiting to be mined"). */
  progress(message: string): void;
  /** A failure, on stderr (as JSON with `--json`). */
  failure(report: FailureReport): void;
}

/** JSON with bigints written as decimal strings (JSON has no integers beyond 2^53). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), indent);
}

export function createOutput(json: boolean, streams = { out: process.stdout, err: process.stderr }): Output {
  return {
    json,
    result(data, human) {
      streams.out.write(`${json ? toJson(data) : human()}\n`);
    },
    progress(message) {
      streams.err.write(`${message}\n`);
    },
    failure(report) {
      if (json) {
        const { exitCode: _exitCode, ...error } = report;
        streams.err.write(`${toJson({ error }, 0)}\n`);
      } else {
        // A contract error's message already starts with its name.
        const message = report.message.startsWith(`${report.name}: `)
          ? report.message.slice(report.name.length + 2)
          : report.message;
        streams.err.write(`error: ${report.name}: ${message}\n`);
      }
    },
  };
}
