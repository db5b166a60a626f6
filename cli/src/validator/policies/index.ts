/**
 * Choosing and running review policies. The config names a policy per task (`byTask`), per task kind
 * (`byKind`, by name or number) or by default; each choice is `{ "use": <built-in name or module path>,
 * ...options }`. Every policy is created when the daemon starts, so a configuration error stops it at once.
 */
import path from "node:path";
import { TASK_KINDS } from "@corpus-protocol/sdk";
import type { PolicyFactory, ReviewInput, ReviewPolicy, Verdict } from "../policy";
import { PolicyConfigError, PolicyMalformedVerdictError, PolicyTimeoutError } from "./errors";
import { createGoldStandardPolicy } from "./gold-standard";
import { createSchemaPolicy } from "./schema";

export { PolicyConfigError, PolicyMalformedVerdictError, PolicySpecError, PolicyTimeoutError } from "./errors";

export const BUILT_IN_POLICIES: Readonly<Record<string, PolicyFactory>> = {
  schema: createSchemaPolicy,
  "gold-standard": createGoldStandardPolicy,
};

export interface PolicyChoice {
  use: string;
  [option: string]: unknown;
}

export interface PoliciesConfig {
  default?: PolicyChoice;
  byKind?: Record<string, PolicyChoice>;
  byTask?: Record<string, PolicyChoice>;
}

export interface PolicySet {
  policyFor(taskId: bigint, kind: bigint): ReviewPolicy;
}

export function loadPolicies(config: PoliciesConfig | undefined, baseDir: string): PolicySet {
  const create = (choice: PolicyChoice | undefined, where: string): ReviewPolicy => {
    if (choice === undefined) return createSchemaPolicy({}, { baseDir });
    if (typeof choice !== "object" || typeof choice.use !== "string") {
      throw new PolicyConfigError(`${where}: expected { "use": <policy>, ...options }`);
    }
    const { use, ...options } = choice;
    return factoryOf(use, baseDir, where)(options, { baseDir });
  };
  const fallback = create(config?.default, "policies.default");
  const byKind = new Map<bigint, ReviewPolicy>();
  for (const [kind, choice] of Object.entries(config?.byKind ?? {})) {
    byKind.set(kindNumber(kind), create(choice, `policies.byKind.${kind}`));
  }
  const byTask = new Map<bigint, ReviewPolicy>();
  for (const [task, choice] of Object.entries(config?.byTask ?? {})) {
    if (!/^\d+$/.test(task)) throw new PolicyConfigError(`policies.byTask: "${task}" is not a task id`);
    byTask.set(BigInt(task), create(choice, `policies.byTask.${task}`));
  }
  return { policyFor: (taskId, kind) => byTask.get(taskId) ?? byKind.get(kind) ?? fallback };
}

function kindNumber(kind: string): bigint {
  if (/^\d+$/.test(kind)) return BigInt(kind);
  const index = (TASK_KINDS as Record<string, number>)[kind];
  if (index === undefined) {
    throw new PolicyConfigError(
      `policies.byKind: "${kind}" is not a task kind (${Object.keys(TASK_KINDS).join(", ")} or a number)`,
    );
  }
  return BigInt(index);
}

function factoryOf(use: string, baseDir: string, where: string): PolicyFactory {
  const builtIn = BUILT_IN_POLICIES[use];
  if (builtIn !== undefined) return builtIn;
  if (!use.includes("/") && !use.includes(".")) {
    throw new PolicyConfigError(
      `${where}: no built-in policy "${use}" (${Object.keys(BUILT_IN_POLICIES).join(", ")}, or a module path)`,
    );
  }
  const file = path.resolve(baseDir, use);
  let loaded: { createPolicy?: unknown; default?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as typeof loaded;
  } catch (error) {
    throw new PolicyConfigError(`${where}: policy module ${file} cannot be loaded: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const factory = loaded.createPolicy ?? loaded.default;
  if (typeof factory !== "function") {
    throw new PolicyConfigError(`${where}: policy module ${file} exports no createPolicy function`);
  }
  return factory as PolicyFactory;
}

/**
 * Runs a policy with a time limit. Resolves only to a well-formed verdict; a throw, a timeout (which also
 * aborts the policy's signal) or a malformed answer rejects, so a caller can never attest without a verdict.
 */
export async function runPolicy(
  policy: ReviewPolicy,
  input: Omit<ReviewInput, "signal">,
  timeoutMs: number,
): Promise<Verdict> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new PolicyTimeoutError(policy.name, timeoutMs));
    }, timeoutMs);
  });
  try {
    const verdict: unknown = await Promise.race([policy.review({ ...input, signal: controller.signal }), timeout]);
    if (!isVerdict(verdict)) throw new PolicyMalformedVerdictError(policy.name);
    return { accept: verdict.accept, reason: verdict.reason };
  } finally {
    clearTimeout(timer);
  }
}

function isVerdict(value: unknown): value is Verdict {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Verdict).accept === "boolean" &&
    typeof (value as Verdict).reason === "string"
  );
}
