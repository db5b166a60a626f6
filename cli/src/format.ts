/** How the CLI writes and reads amounts and times for people (JSON output keeps raw wei and unix seconds). */
import { formatUnits, parseUnits } from "ethers";
import { CliConfigError } from "./errors";

/** `1234.5 CRP` from wei (18 decimals), without trailing zeros. */
export function crp(wei: bigint): string {
  const text = formatUnits(wei, 18);
  return `${text.endsWith(".0") ? text.slice(0, -2) : text} CRP`;
}

/** Wei from a decimal CRP amount typed by a person (`10000`, `12.5`); a named error if it is not one. */
export function parseCrp(field: string, text: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) {
    throw new CliConfigError(field, `"${text}" is not an amount of CRP (a decimal number, at most 18 decimals)`);
  }
  return parseUnits(text.trim(), 18);
}

/** A positive integer argument (ids, counts). */
export function parseCount(field: string, text: string, min = 1n): bigint {
  if (!/^\d+$/.test(text.trim()) || BigInt(text.trim()) < min) {
    throw new CliConfigError(field, `"${text}" is not an integer >= ${min}`);
  }
  return BigInt(text.trim());
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** Seconds from `90`, `30m`, `12h`, `7d` or `2w`. */
export function parseDuration(field: string, text: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (match === null) throw new CliConfigError(field, `"${text}" is not a duration (like 90, 30m, 12h, 7d, 2w)`);
  return Number(match[1]) * UNITS[match[2] || "s"]!;
}

/** A unix time as ISO 8601 with how far it is from `now` ("in 6 d 23 h", "3 h ago"). */
export function when(unix: bigint, now: number = Math.floor(Date.now() / 1000)): string {
  if (unix === 0n) return "-";
  const iso = new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");
  const delta = Number(unix) - now;
  return `${iso} (${delta >= 0 ? `in ${span(delta)}` : `${span(-delta)} ago`})`;
}

function span(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return m > 0 ? `${m} min` : `${seconds} s`;
}

/** `label: value` lines, aligned. */
export function lines(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join("\n");
}
