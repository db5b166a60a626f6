import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { type Signer, id, resolveAddress } from "ethers";
import type { CorpusDeployment } from "../../deploy/deploy-corpus";
import { type ICorpusTasks, IERC20__factory } from "../../sdk/src/typechain";

const CRP = 10n ** 18n;

/** Task kinds the registry defines from the start. */
export const TASK_KINDS = { labeling: 0, ranking: 1, generation: 2, validation: 3, modelEvaluation: 4 } as const;

/** Submission statuses, in the order of `ICorpusTasks.Status`. */
export const STATUS = {
  None: 0n,
  Drawing: 1n,
  Reviewing: 2n,
  Provisional: 3n,
  NoAgreement: 4n,
  Disputed: 5n,
  Ruled: 6n,
  Accepted: 7n,
  Rejected: 8n,
  Voided: 9n,
} as const;

export type TaskParams = ICorpusTasks.TaskParamsStruct;

/**
 * A task in CRP that local scripts and tests start from: 10 slots of 100 CRP, a 3-validator panel of which
 * 2 must agree, a 10 CRP worker bond, a day to review and a week to submit. `overrides` replace fields.
 */
export async function defaultTaskParams(d: CorpusDeployment, overrides: Partial<TaskParams> = {}): Promise<TaskParams> {
  return {
    token: await d.token.getAddress(),
    reward: 100n * CRP,
    slots: 10n,
    deadline: BigInt(await time.latest()) + 7n * 86_400n,
    reviewWindow: 86_400n,
    panelSize: 3n,
    quorum: 2n,
    workerBond: 10n * CRP,
    kind: TASK_KINDS.labeling,
    specUri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/spec.json",
    specHash: id("label 1,000 images of street signs"),
    ...overrides,
  };
}

/** The escrow `createTask` takes for `params` at the registry's current fees. */
export async function escrowOf(d: CorpusDeployment, params: TaskParams): Promise<bigint> {
  const [escrow] = await d.tasks.escrowFor(params.reward, params.slots);
  return escrow;
}

/** Approves exactly the escrow and posts the task as `requester`; returns the new task id. */
export async function postTask(d: CorpusDeployment, requester: Signer, params: TaskParams): Promise<bigint> {
  const token = IERC20__factory.connect(await resolveAddress(params.token), requester);
  await (await token.approve(await d.tasks.getAddress(), await escrowOf(d, params))).wait();
  const receipt = await (await d.tasks.connect(requester).createTask(params)).wait();
  return eventArg(d, receipt, "TaskCreated", "taskId");
}

/** Approves the task's bond (if any) and submits `content` as `worker`; returns the submission id. */
export async function submitWork(d: CorpusDeployment, worker: Signer, taskId: bigint, content = "labels.json") {
  const task = await d.tasks.getTask(taskId);
  if (task.workerBond > 0n) {
    const token = IERC20__factory.connect(task.token, worker);
    await (await token.approve(await d.tasks.getAddress(), task.workerBond)).wait();
  }
  const receipt = await (await d.tasks.connect(worker).submit(taskId, id(content), `ipfs://work/${content}`)).wait();
  return eventArg(d, receipt, "Submitted", "submissionId");
}

/** Mines until the panel seed exists, draws the panel and returns its members in seat order. */
export async function drawPanelWhenReady(d: CorpusDeployment, submissionId: bigint): Promise<string[]> {
  await mine(1);
  await (await d.tasks.drawPanel(submissionId)).wait();
  return (await d.tasks.getSubmission(submissionId)).panel;
}

/** Reads `arg` of the first `event` the registry emitted in `receipt`. */
export function eventArg(
  d: CorpusDeployment,
  receipt: { logs: readonly { topics: readonly string[]; data: string }[] } | null,
  event: string,
  arg: string,
): bigint {
  for (const log of receipt?.logs ?? []) {
    const parsed = d.tasks.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === event) return parsed.args.getValue(arg) as bigint;
  }
  throw new Error(`No ${event} event in the receipt`);
}
