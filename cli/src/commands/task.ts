/** Requester and worker commands: `task post`, `task show`, `task list`, `submit`. */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type CorpusClient, SUBMISSION_STATUS, TASK_KINDS, type Task, hashBytes, hashJson } from "@corpus-protocol/sdk";
import type { Command } from "commander";
import { readJsonFile } from "../config";
import { contextOf } from "../context";
import { openClient } from "../connect";
import { CliConfigError } from "../errors";
import { crp, lines, parseCount, parseCrp, parseDuration, when } from "../format";

interface PostFlags {
  reward: string;
  slots: string;
  deadline: string;
  reviewWindow: string;
  panelSize: string;
  quorum: string;
  workerBond?: string;
  kind: string;
  specUri?: string;
  token?: string;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command("task").description("post, show and list tasks");

  task
    .command("post <spec>")
    .description("post a task: hashes the spec JSON file (canonical JSON) and escrows the rewards; uploads nothing")
    .requiredOption("--reward <CRP>", "reward per accepted submission")
    .requiredOption("--slots <n>", "submissions the task pays for")
    .requiredOption("--deadline <duration>", "when submissions close, from now (90, 30m, 12h, 7d, 2w)")
    .requiredOption("--review-window <duration>", "time a panel has to review each submission")
    .requiredOption("--panel-size <n>", "validators per panel (odd)")
    .requiredOption("--quorum <n>", "agreeing attestations that decide")
    .option("--worker-bond <CRP>", "bond per submission", "0")
    .option("--kind <kind>", `${Object.keys(TASK_KINDS).join(", ")} or a number`, "labeling")
    .option("--spec-uri <uri>", "where the spec is served (default: the file's file:// URL)")
    .option("--token <address>", "payment token (default CRP)")
    .action(async (specFile: string, _opts: object, command: Command) => {
      const { flags, output, config } = contextOf<PostFlags>(command);
      const spec = readJsonFile(specFile);
      const specHash = hashJson(spec);
      const specUri = flags.specUri ?? pathToFileURL(path.resolve(specFile)).href;
      const input = {
        reward: parseCrp("--reward", flags.reward),
        slots: parseCount("--slots", flags.slots),
        reviewWindow: parseDuration("--review-window", flags.reviewWindow),
        panelSize: parseCount("--panel-size", flags.panelSize),
        quorum: parseCount("--quorum", flags.quorum),
        workerBond: parseCrp("--worker-bond", flags.workerBond ?? "0"),
        kind: /^\d+$/.test(flags.kind) ? BigInt(flags.kind) : (flags.kind as keyof typeof TASK_KINDS),
        specUri,
        specHash,
        token: flags.token,
      };
      const duration = parseDuration("--deadline", flags.deadline);
      const client = await openClient(config(), output, { signer: true });
      const latest = await client.provider.getBlock("latest");
      const deadline = BigInt((latest?.timestamp ?? Math.floor(Date.now() / 1000)) + duration);
      const { taskId, escrow, receipt } = await client.tasks.post({ ...input, deadline });
      output.result({ taskId, escrow, specHash, specUri, deadline, tx: receipt.hash }, () =>
        [
          `Posted task ${taskId}: ${crp(escrow)} escrowed, open until ${when(deadline)}`,
          `Spec hash ${specHash}: serve the spec at ${specUri} (it is hashed as canonical JSON).`,
        ].join("\n"),
      );
    });

  task
    .command("show <taskId>")
    .description("a task and its submissions")
    .action(async (id: string, _opts: object, command: Command) => {
      const { output, config } = contextOf(command);
      const taskId = parseCount("taskId", id);
      const client = await openClient(config(), output, { signer: false });
      const [t, submissions] = await Promise.all([client.tasks.get(taskId), submissionsOf(client, taskId)]);
      output.result({ taskId, ...taskJson(t), submissions }, () =>
        [
          describeTask(taskId, t),
          `submissions: ${submissions.length === 0 ? "none" : ""}`,
          ...submissions.map(
            (s) => `  ${s.submissionId}  ${s.status.padEnd(11)} ${s.worker}  ${s.contentHash}  ${s.uri}`,
          ),
        ].join("\n"),
      );
    });

  task
    .command("list")
    .description("the most recent tasks")
    .option("--limit <n>", "how many", "20")
    .option("--requester <address>", "only this requester's")
    .action(async (_opts: object, command: Command) => {
      const { flags, output, config } = contextOf<{ limit: string; requester?: string }>(command);
      const limit = parseCount("--limit", flags.limit);
      const client = await openClient(config(), output, { signer: false });
      const count = await client.tasks.count();
      const ids: bigint[] = [];
      for (let id = count; id >= 1n && BigInt(ids.length) < limit; id--) ids.push(id);
      const tasks = (await client.tasks.getMany(ids))
        .map((t, i) => ({ taskId: ids[i]!, ...taskJson(t) }))
        .filter((t) => flags.requester === undefined || t.requester.toLowerCase() === flags.requester.toLowerCase());
      output.result(tasks, () =>
        tasks.length === 0
          ? "No tasks."
          : tasks
              .map(
                (t) =>
                  `${String(t.taskId).padStart(5)}  ${crp(t.reward).padStart(14)}  ${t.accepted}/${t.slots} accepted  ` +
                  `${t.cancelled ? "cancelled" : `until ${when(t.deadline)}`}  ${t.requester}`,
              )
              .join("\n"),
      );
    });

  program
    .command("submit <taskId> <file>")
    .description(
      "submit work: hashes the file's exact bytes; the file must be served at --uri (default: its file:// URL)",
    )
    .option("--uri <uri>", "where reviewers fetch the work")
    .action(async (id: string, file: string, _opts: object, command: Command) => {
      const { flags, output, config } = contextOf<{ uri?: string }>(command);
      const taskId = parseCount("taskId", id);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (error) {
        throw new CliConfigError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      const contentHash = hashBytes(bytes);
      const uri = flags.uri ?? pathToFileURL(path.resolve(file)).href;
      const client = await openClient(config(), output, { signer: true });
      const { submissionId, receipt } = await client.tasks.submit(taskId, { contentHash, uri });
      output.result(
        { submissionId, taskId, contentHash, uri, tx: receipt.hash },
        () => `Submitted ${submissionId} to task ${taskId} (content hash ${contentHash}, at ${uri})`,
      );
    });
}

/** The task's fields by name (TypeChain results also carry them by index). */
function taskJson(t: Task) {
  return {
    requester: t.requester,
    token: t.token,
    reward: t.reward,
    validatorFee: t.validatorFee,
    protocolFee: t.protocolFee,
    workerBond: t.workerBond,
    funds: t.funds,
    slots: t.slots,
    accepted: t.accepted,
    pending: t.pending,
    deadline: t.deadline,
    reviewWindow: t.reviewWindow,
    panelSize: t.panelSize,
    quorum: t.quorum,
    kind: Object.keys(TASK_KINDS)[Number(t.kind)] ?? String(t.kind),
    cancelled: t.cancelled,
  };
}

function describeTask(taskId: bigint, t: Task): string {
  return lines([
    ["task", String(taskId)],
    ["requester", t.requester],
    ["token", t.token],
    ["reward", `${crp(t.reward)} (+ ${crp(t.validatorFee)} validator fee, ${crp(t.protocolFee)} protocol fee)`],
    ["slots", `${t.accepted} accepted, ${t.pending} pending, of ${t.slots}`],
    ["deadline", t.cancelled ? "cancelled" : when(t.deadline)],
    ["review", `panels of ${t.panelSize}, quorum ${t.quorum}, ${t.reviewWindow} s each`],
    ["worker bond", crp(t.workerBond)],
    ["escrow left", crp(t.funds)],
  ]);
}

/** The task's submissions, from their `Submitted` events, with their current status. */
async function submissionsOf(client: CorpusClient, taskId: bigint) {
  const tasks = client.contracts.CorpusTasks;
  const events = await client.queryEvents(tasks, tasks.filters.Submitted(undefined, taskId));
  const views = await client.tasks.getSubmissions(events.map((e) => e.args.submissionId));
  return events.map((e, i) => ({
    submissionId: e.args.submissionId,
    worker: e.args.worker,
    contentHash: e.args.contentHash,
    uri: e.args.uri,
    status: SUBMISSION_STATUS[Number(views[i]!.status)] ?? "Unknown",
  }));
}
