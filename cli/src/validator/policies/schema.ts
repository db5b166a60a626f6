/**
 * The default policy: the task's spec carries a JSON Schema, inline (`schema`) or by reference
 * (`schemaUri`, with an optional `schemaHash` the fetched bytes must match), and a submission is accepted if
 * it is JSON valid against it. A spec without a usable schema is the requester's problem, not the worker's:
 * the policy throws, which gives no attestation, rather than rejecting the work.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { type JsonValue, hashBytes, hashJson } from "@corpus-protocol/sdk";
import type { PolicyFactory, ReviewInput, ReviewPolicy, Verdict } from "../policy";
import { PolicySpecError } from "./errors";
import { parseJsonContent } from "./json-content";

type SpecObject = { [key: string]: JsonValue };

export const createSchemaPolicy: PolicyFactory = () => new SchemaPolicy();

export class SchemaPolicy implements ReviewPolicy {
  readonly name = "schema";
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  /** Compiled validators by the schema's hash: a task's many submissions compile it once. */
  private readonly compiled = new Map<string, ValidateFunction>();

  async review(input: ReviewInput): Promise<Verdict> {
    const validate = await this.validatorFor(input);
    const content = parseJsonContent(input.content);
    if (!content.ok) return { accept: false, reason: content.reason };
    if (validate(content.value)) return { accept: true, reason: "valid against the task schema" };
    const [first] = validate.errors ?? [];
    return { accept: false, reason: `schema: ${first?.instancePath || "/"} ${first?.message ?? "is invalid"}` };
  }

  private async validatorFor(input: ReviewInput): Promise<ValidateFunction> {
    const spec = input.spec;
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      throw new PolicySpecError(`the spec of task ${input.taskId} is not a JSON object`);
    }
    const schema = await this.schemaOf(spec, input);
    const key = hashJson(schema);
    const cached = this.compiled.get(key);
    if (cached !== undefined) return cached;
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(schema as object);
    } catch (error) {
      throw new PolicySpecError(`the schema of task ${input.taskId} does not compile: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.compiled.set(key, validate);
    return validate;
  }

  private async schemaOf(spec: SpecObject, input: ReviewInput): Promise<JsonValue> {
    if (typeof spec.schema === "object" && spec.schema !== null) return spec.schema;
    if (typeof spec.schemaUri !== "string") {
      throw new PolicySpecError(`the spec of task ${input.taskId} has neither "schema" nor "schemaUri"`);
    }
    const bytes = await input.fetch(spec.schemaUri);
    if (typeof spec.schemaHash === "string" && hashBytes(bytes).toLowerCase() !== spec.schemaHash.toLowerCase()) {
      throw new PolicySpecError(`the schema at ${spec.schemaUri} does not match the spec's schemaHash`);
    }
    const parsed = parseJsonContent(bytes);
    if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) {
      throw new PolicySpecError(`the schema at ${spec.schemaUri} is not a JSON object`);
    }
    return parsed.value;
  }
}
