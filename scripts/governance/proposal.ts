import fs from "node:fs";
import { type ProposalSpec, validateProposal } from "../../sdk/src";

/**
 * Thrown when a proposal file is missing or is not JSON. What the file says is checked by the SDK
 * (`validateProposal`, `encodeProposal`), which names the offending field in a `CorpusInputError`.
 */
export class ProposalFileError extends Error {
  override readonly name = "ProposalFileError";
}

/** Reads a proposal file (a `ProposalSpec` in JSON) and checks its shape with the SDK. */
export function readProposalFile(file: string): ProposalSpec {
  if (!fs.existsSync(file)) throw new ProposalFileError(`Proposal file not found: ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProposalFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return validateProposal(raw);
}
