/** Review policies: the JSON Schema default, the gold standard, module policies, and the time limit. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type JsonValue, type Submission, type Task, hashBytes, hashJson } from "@corpus-protocol/sdk";
import { expect } from "chai";
import type { ReviewInput, ReviewPolicy } from "../../src/validator/policy";
import {
  PolicyConfigError,
  PolicyMalformedVerdictError,
  PolicySpecError,
  PolicyTimeoutError,
  loadPolicies,
  runPolicy,
} from "../../src/validator/policies";

const SCHEMA = {
  type: "object",
  required: ["labels"],
  properties: { labels: { type: "array", items: { enum: ["cat", "dog"] } } },
};

/** A review input for `content` under `spec`; `documents` are what `fetch` can return. */
function input(spec: JsonValue, content: unknown, documents: Record<string, string> = {}): Omit<ReviewInput, "signal"> {
  return {
    taskId: 1n,
    task: { kind: 0n } as unknown as Task,
    submissionId: 1n,
    submission: {} as Submission,
    spec,
    content: Buffer.from(typeof content === "string" ? content : JSON.stringify(content)),
    fetch: async (uri) => {
      const doc = documents[uri];
      if (doc === undefined) throw new Error(`no document at ${uri}`);
      return Buffer.from(doc);
    },
  };
}

const review = (policy: ReviewPolicy, i: Omit<ReviewInput, "signal">) => runPolicy(policy, i, 1_000);
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("review policies", function () {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "corpus-policies-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("schema (the default)", function () {
    const schema = () => loadPolicies(undefined, dir).policyFor(1n, 0n);

    it("accepts JSON valid against the spec's inline schema; rejects invalid JSON and non-JSON with the reason", async function () {
      expect(schema().name).to.equal("schema");
      expect(await review(schema(), input({ schema: SCHEMA }, { labels: ["cat"] }))).to.deep.equal({
        accept: true,
        reason: "valid against the task schema",
      });
      const invalid = await review(schema(), input({ schema: SCHEMA }, { labels: ["horse"] }));
      expect(invalid).to.deep.equal({
        accept: false,
        reason: "schema: /labels/0 must be equal to one of the allowed values",
      });
      const notJson = await review(schema(), input({ schema: SCHEMA }, "labels: cat"));
      expect(notJson.accept).to.equal(false);
      expect(notJson.reason).to.match(/^content is not JSON/);
    });

    it("follows schemaUri, checking schemaHash when the spec gives one", async function () {
      const text = JSON.stringify(SCHEMA);
      const spec = { schemaUri: "ipfs://schema", schemaHash: hashBytes(Buffer.from(text)) };
      const verdict = await review(schema(), input(spec, { labels: ["dog"] }, { "ipfs://schema": text }));
      expect(verdict.accept).to.equal(true);
      const tampered = { ...spec, schemaHash: hashJson({ other: true }) };
      const error = await rejection(review(schema(), input(tampered, { labels: ["dog"] }, { "ipfs://schema": text })));
      expect(error).to.be.instanceOf(PolicySpecError);
    });

    it("throws (no verdict, so no attestation) for a spec without a schema or with one that does not compile", async function () {
      for (const spec of [{ instructions: "none" }, { schema: { type: "no such type" } }, ["not", "an", "object"]]) {
        const error = await rejection(review(schema(), input(spec as JsonValue, { labels: [] })));
        expect(error, JSON.stringify(spec)).to.be.instanceOf(PolicySpecError);
      }
    });
  });

  describe("gold-standard", function () {
    const answers = { q1: "cat", q2: "dog", q3: "cat", q4: "dog", q5: "cat" };
    const gold = (threshold: number) =>
      loadPolicies({ default: { use: "gold-standard", answers, threshold } }, dir).policyFor(1n, 0n);

    it("accepts at the threshold exactly and rejects one answer below it", async function () {
      const fourRight = { labels: { q1: "cat", q2: "dog", q3: "cat", q4: "dog", q5: "dog" } };
      expect(await review(gold(0.8), input({}, fourRight))).to.deep.equal({
        accept: true,
        reason: "gold standard: 4/5 correct (0.80 >= 0.80)",
      });
      const threeRight = { labels: { q1: "cat", q2: "dog", q3: "cat" } }; // unlabeled items count as wrong
      expect((await review(gold(0.8), input({}, threeRight))).accept).to.equal(false);
    });

    it("reads the [{ id, label }] shape and answers from a file relative to the config", async function () {
      fs.writeFileSync(path.join(dir, "gold.json"), JSON.stringify(answers));
      const policy = loadPolicies(
        { byKind: { labeling: { use: "gold-standard", answers: "gold.json" } } },
        dir,
      ).policyFor(9n, 0n);
      const items = Object.entries(answers).map(([id, label]) => ({ id, label }));
      expect((await review(policy, input({}, items))).reason).to.equal("gold standard: 5/5 correct (1.00 >= 0.80)");
      expect((await review(policy, input({}, { other: 1 }))).accept).to.equal(false);
    });

    it("refuses bad options when it is created: missing file, empty answers, threshold out of (0, 1]", function () {
      for (const options of [
        { answers: "missing.json" },
        { answers: {} },
        { answers, threshold: 0 },
        { answers, threshold: 1.5 },
        { answers: { q1: 3 } },
      ]) {
        expect(
          () => loadPolicies({ default: { use: "gold-standard", ...options } }, dir),
          JSON.stringify(options),
        ).to.throw(PolicyConfigError);
      }
    });
  });

  describe("choosing and loading", function () {
    it("chooses by task id, then kind (name or number), then the default", function () {
      fs.writeFileSync(
        path.join(dir, "named.js"),
        'exports.createPolicy = (o) => ({ name: o.label, review: async () => ({ accept: true, reason: "" }) });',
      );
      const set = loadPolicies(
        {
          default: { use: "./named.js", label: "default" },
          byKind: { ranking: { use: "./named.js", label: "ranking" }, "4": { use: "./named.js", label: "kind 4" } },
          byTask: { "7": { use: "./named.js", label: "task 7" } },
        },
        dir,
      );
      expect(set.policyFor(7n, 1n).name).to.equal("task 7");
      expect(set.policyFor(8n, 1n).name).to.equal("ranking");
      expect(set.policyFor(8n, 4n).name).to.equal("kind 4");
      expect(set.policyFor(8n, 0n).name).to.equal("default");
    });

    it("names what is wrong: an unknown built-in, a module that cannot load or has no factory, an unknown kind", function () {
      fs.writeFileSync(path.join(dir, "empty.js"), "exports.other = 1;");
      expect(() => loadPolicies({ default: { use: "majority" } }, dir)).to.throw(
        PolicyConfigError,
        /no built-in policy "majority"/,
      );
      expect(() => loadPolicies({ default: { use: "./absent.js" } }, dir)).to.throw(
        PolicyConfigError,
        /cannot be loaded/,
      );
      expect(() => loadPolicies({ default: { use: "./empty.js" } }, dir)).to.throw(
        PolicyConfigError,
        /no createPolicy/,
      );
      expect(() => loadPolicies({ byKind: { poetry: { use: "schema" } } }, dir)).to.throw(
        PolicyConfigError,
        /not a task kind/,
      );
      expect(() => loadPolicies({ byTask: { seven: { use: "schema" } } }, dir)).to.throw(
        PolicyConfigError,
        /not a task id/,
      );
    });
  });

  describe("runPolicy: a verdict or nothing", function () {
    const policy = (review: ReviewPolicy["review"]): ReviewPolicy => ({ name: "test", review });

    it("passes a well-formed verdict through", async function () {
      const verdict = await runPolicy(
        policy(async () => ({ accept: false, reason: "bad" })),
        input({}, {}),
        100,
      );
      expect(verdict).to.deep.equal({ accept: false, reason: "bad" });
    });

    it("rejects when the policy throws, hangs past the limit (aborting its signal), or answers a non-verdict", async function () {
      expect(
        await rejection(
          runPolicy(
            policy(async () => Promise.reject(new Error("boom"))),
            input({}, {}),
            100,
          ),
        ),
      ).to.have.property("message", "boom");
      let aborted = false;
      const hanging = policy(
        (i) =>
          new Promise(() => {
            i.signal.addEventListener("abort", () => (aborted = true));
          }),
      );
      expect(await rejection(runPolicy(hanging, input({}, {}), 50))).to.be.instanceOf(PolicyTimeoutError);
      expect(aborted).to.equal(true);
      for (const answer of [undefined, { accept: "yes", reason: "" }, { accept: true }]) {
        const malformed = policy(async () => answer as never);
        expect(await rejection(runPolicy(malformed, input({}, {}), 100)), JSON.stringify(answer)).to.be.instanceOf(
          PolicyMalformedVerdictError,
        );
      }
    });
  });
});
