/**
 * The daemon's durable state: how far it has scanned (with the hashes of the last blocks, to notice a
 * reorg) and the duties it has found and not finished. Written to a temporary file, fsynced and renamed over
 * the old one, so a kill at any moment leaves either the old state or the new one, never a torn file.
 */
import fs from "node:fs";
import path from "node:path";
import { type Duty, dutyKey } from "./duties";

/** Checkpoint hashes kept: a reorg older than all of them rescans from the deployment's first block. */
export const KEPT_HASHES = 64;

export interface DaemonState {
  /** Guards against reusing a state directory for another chain, deployment or operator. */
  identity: string;
  /** The last block scanned, or -1 before the first scan. */
  scannedBlock: number;
  /** Hashes of recent scanned blocks, by number (at most {@link KEPT_HASHES}). */
  hashes: Record<string, string>;
  /** Unfinished duties by {@link dutyKey}. */
  duties: Record<string, Duty>;
}

/** Thrown when a state file belongs to another chain, deployment or operator. */
export class DaemonStateMismatchError extends Error {
  readonly code = "STATE_MISMATCH";
  constructor(file: string, expected: string, found: string) {
    super(`${file} belongs to ${found}, not ${expected}: use another --data-dir`);
    this.name = "DaemonStateMismatchError";
  }
}

const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v), 1);
const fromJson = (text: string) =>
  JSON.parse(text, (_k, v: unknown) =>
    typeof v === "object" && v !== null && "$bigint" in v ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as unknown;

export class StateFile {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, "state.json");
  }

  /** The saved state, or a fresh one starting at `startBlock - 1`. */
  load(identity: string, startBlock: number): DaemonState {
    if (!fs.existsSync(this.file)) return { identity, scannedBlock: startBlock - 1, hashes: {}, duties: {} };
    const state = fromJson(fs.readFileSync(this.file, "utf8")) as DaemonState;
    if (state.identity !== identity) throw new DaemonStateMismatchError(this.file, identity, state.identity);
    return state;
  }

  save(state: DaemonState): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.tmp`;
    const fd = fs.openSync(temporary, "w", 0o600);
    try {
      fs.writeSync(fd, toJson(state));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, this.file);
    // The rename itself is durable once the directory is synced.
    const dirFd = fs.openSync(path.dirname(this.file), "r");
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }
}

/** Adds duties not yet known; returns the ones that were new. */
export function addDuties(state: DaemonState, duties: readonly Duty[]): Duty[] {
  const added: Duty[] = [];
  for (const duty of duties) {
    const key = dutyKey(duty);
    if (state.duties[key] !== undefined) continue;
    state.duties[key] = duty;
    added.push(duty);
  }
  return added;
}

/** Records the hash of a checkpoint's block, keeping the last {@link KEPT_HASHES} checkpoints. */
export function rememberHash(state: DaemonState, block: number, hash: string): void {
  state.hashes[String(block)] = hash;
  const numbers = Object.keys(state.hashes)
    .map(Number)
    .sort((a, b) => b - a);
  for (const old of numbers.slice(KEPT_HASHES)) delete state.hashes[String(old)];
}
