/**
 * How the daemon reaches a verdict on a submission, for a panel seat and for a jury seat alike: read the
 * task's spec and the submission's URI from their events, fetch both and check them against their on-chain
 * hashes, then ask the task's review policy. Content that is missing, too large or not what its hash says is
 * rejected with that reason; a spec that cannot be read, an unreachable host, or a policy that fails or times
 * out gives no verdict at all (the caller tries again later and never attests blindly).
 */
import { type CorpusClient, type JsonValue, type Submission, hashBytes } from "@corpus-protocol/sdk";
import { type ContentFetcher, fetchVerified } from "./content";
import type { PolicySet } from "./policies";
import { runPolicy } from "./policies";
import type { Verdict } from "./policy";

/** No verdict could be reached now: the spec is unreadable or a policy failed. The cause says which. */
export class NoVerdictError extends Error {
  readonly code = "NO_VERDICT";
  constructor(
    readonly stage: "spec" | "content" | "policy",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "NoVerdictError";
  }
}

export interface Judgement extends Verdict {
  policy: string;
}

export class Judge {
  /** Parsed specs by their content hash: the same hash is the same document, whatever task or chain. */
  private readonly specs = new Map<string, JsonValue>();

  constructor(
    private readonly client: CorpusClient,
    private readonly fetcher: ContentFetcher,
    private readonly policies: PolicySet,
    private readonly policyTimeoutMs: number,
  ) {}

  async judge(submissionId: bigint, submission?: Submission): Promise<Judgement> {
    const sub = submission ?? (await this.client.tasks.getSubmission(submissionId));
    const [task, spec, uri] = await Promise.all([
      this.client.tasks.get(sub.taskId),
      this.spec(sub.taskId),
      this.submissionUri(submissionId),
    ]);
    const policy = this.policies.policyFor(sub.taskId, task.kind);
    const content = await this.fetch("content", () => fetchVerified(this.fetcher, uri, sub.contentHash));
    if (!content.ok) return { accept: false, reason: content.reason, policy: "content check" };
    try {
      const verdict = await runPolicy(
        policy,
        {
          taskId: sub.taskId,
          task,
          submissionId,
          submission: sub,
          spec,
          content: content.bytes,
          fetch: (u: string) => this.fetcher.fetch(u),
        },
        this.policyTimeoutMs,
      );
      return { ...verdict, policy: policy.name };
    } catch (error) {
      throw new NoVerdictError("policy", `policy ${policy.name} gave no verdict: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The task's spec as JSON, checked against its hash. */
  private async spec(taskId: bigint): Promise<JsonValue> {
    // Read from the chain every time (never cached by id): after a reorg, task `taskId` may be another task.
    const tasks = this.client.contracts.CorpusTasks;
    const [created] = await this.client.queryEvents(tasks, tasks.filters.TaskCreated(taskId));
    if (created === undefined) throw new NoVerdictError("spec", `task ${taskId} has no TaskCreated event`);
    const { specUri, specHash } = created.args;
    const cached = this.specs.get(specHash);
    if (cached !== undefined) return cached;
    const fetched = await this.fetch("spec", () => fetchVerified(this.fetcher, specUri, specHash));
    if (!fetched.ok) throw new NoVerdictError("spec", `the spec of task ${taskId} at ${specUri}: ${fetched.reason}`);
    let spec: JsonValue;
    try {
      spec = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fetched.bytes)) as JsonValue;
    } catch (error) {
      throw new NoVerdictError("spec", `the spec of task ${taskId} is not JSON (${hashBytes(fetched.bytes)})`, {
        cause: error,
      });
    }
    this.specs.set(specHash, spec);
    return spec;
  }

  /** Where the submission's content is, from its `Submitted` event. */
  private async submissionUri(submissionId: bigint): Promise<string> {
    const tasks = this.client.contracts.CorpusTasks;
    const [submitted] = await this.client.queryEvents(tasks, tasks.filters.Submitted(submissionId));
    if (submitted === undefined)
      throw new NoVerdictError("content", `submission ${submissionId} has no Submitted event`);
    return submitted.args.uri;
  }

  /** A fetch whose transient failure (host unreachable, timeout) is a {@link NoVerdictError}. */
  private async fetch<T>(stage: "spec" | "content", run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new NoVerdictError(stage, `${stage} unavailable for now: ${(error as Error).message}`, { cause: error });
    }
  }
}
