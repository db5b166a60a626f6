/**
 * The gold-standard policy for labeling tasks: the operator holds known answers for some items (a JSON file
 * mapping item id to label); a submission is scored on them and accepted when the share it got right reaches
 * the threshold. An item the submission leaves unlabeled counts as wrong. Bad options fail when the daemon
 * starts, not at review time.
 */
import fs from "node:fs";
import path from "node:path";
import type { JsonValue } from "@corpus-protocol/sdk";
import type { PolicyFactory, ReviewInput, ReviewPolicy, Verdict } from "../policy";
import { PolicyConfigError } from "./errors";
import { parseJsonContent } from "./json-content";

export const createGoldStandardPolicy: PolicyFactory = (options, { baseDir }) => {
  const answers = loadAnswers(options.answers, baseDir);
  const threshold = options.threshold ?? 0.8;
  if (typeof threshold !== "number" || !(threshold > 0 && threshold <= 1)) {
    throw new PolicyConfigError(`gold-standard: threshold must be a number in (0, 1] (got ${String(threshold)})`);
  }
  return new GoldStandardPolicy(answers, threshold);
};

export class GoldStandardPolicy implements ReviewPolicy {
  readonly name = "gold-standard";

  constructor(
    private readonly answers: ReadonlyMap<string, string>,
    private readonly threshold: number,
  ) {}

  async review(input: ReviewInput): Promise<Verdict> {
    const parsed = parseJsonContent(input.content);
    if (!parsed.ok) return { accept: false, reason: parsed.reason };
    const labels = labelsOf(parsed.value);
    if (labels === undefined) {
      return { accept: false, reason: 'content is neither { "labels": { id: label } } nor [{ "id", "label" }]' };
    }
    let correct = 0;
    for (const [id, label] of this.answers) if (labels.get(id) === label) correct++;
    const score = correct / this.answers.size;
    const accept = score >= this.threshold;
    return {
      accept,
      reason: `gold standard: ${correct}/${this.answers.size} correct (${score.toFixed(2)} ${accept ? ">=" : "<"} ${this.threshold.toFixed(2)})`,
    };
  }
}

function loadAnswers(option: unknown, baseDir: string): Map<string, string> {
  let raw: unknown = option;
  if (typeof option === "string") {
    const file = path.resolve(baseDir, option);
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    } catch (error) {
      throw new PolicyConfigError(`gold-standard: answers file ${file} cannot be read as JSON`, { cause: error });
    }
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new PolicyConfigError("gold-standard: answers must be a file or an object mapping item ids to labels");
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw new PolicyConfigError("gold-standard: answers are empty");
  const bad = entries.find(([, label]) => typeof label !== "string");
  if (bad !== undefined) throw new PolicyConfigError(`gold-standard: the answer for "${bad[0]}" is not a string`);
  return new Map(entries as [string, string][]);
}

/** The labels of a submission in either accepted shape, by item id. */
function labelsOf(value: JsonValue): Map<string, string> | undefined {
  if (Array.isArray(value)) {
    const labels = new Map<string, string>();
    for (const item of value) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
      if (typeof item.id !== "string" || typeof item.label !== "string") return undefined;
      labels.set(item.id, item.label);
    }
    return labels;
  }
  if (typeof value === "object" && value !== null && typeof value.labels === "object" && value.labels !== null) {
    if (Array.isArray(value.labels)) return undefined;
    return new Map(Object.entries(value.labels).filter((e): e is [string, string] => typeof e[1] === "string"));
  }
  return undefined;
}
