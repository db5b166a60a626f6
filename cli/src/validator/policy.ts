/**
 * Review policies: how a validator decides whether a submission is acceptable. A policy is one small
 * interface; the daemon chooses one per task (by task id, then kind, then the default) from its config.
 *
 * The daemon only calls a policy with content whose hash it has already checked against the chain. A
 * policy that throws, or does not answer within the daemon's time limit, produces no attestation: the
 * daemon never attests without a verdict.
 */
import type { JsonValue, Submission, Task } from "@corpus-protocol/sdk";

/** What a policy is given to judge one submission. */
export interface ReviewInput {
  taskId: bigint;
  task: Task;
  submissionId: bigint;
  submission: Submission;
  /** The task's spec document (fetched from its URI, hash-checked, parsed as JSON). */
  spec: JsonValue;
  /** The submission's bytes (hash-checked). */
  content: Uint8Array;
  /** Fetches another document a spec refers to (same schemes and limits as the daemon's fetcher). */
  fetch(uri: string): Promise<Uint8Array>;
  /** Aborted when the daemon's time limit for the review is reached. */
  signal: AbortSignal;
}

/** A policy's decision; `reason` is hashed into the attestation and logged. */
export interface Verdict {
  accept: boolean;
  reason: string;
}

export interface ReviewPolicy {
  /** A short name for logs and metrics. */
  readonly name: string;
  review(input: ReviewInput): Promise<Verdict>;
}

/**
 * What a policy module exports (a built-in, or a file named in the config by path): a factory given the
 * policy's options from the config file and the directory relative paths in them are resolved against.
 */
export type PolicyFactory = (options: Record<string, unknown>, context: { baseDir: string }) => ReviewPolicy;
