import fs from "node:fs";
import { Interface, getAddress, isAddress, id as keccakUtf8 } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressBook } from "../../deploy/address-book";

/** Thrown when a proposal file is missing or malformed, or names something that does not exist. */
export class ProposalFileError extends Error {
  override readonly name = "ProposalFileError";
}

/**
 * One call the timelock will make. Name a contract of the address book (`"contract": "CorpusGovernor"`),
 * or give an `address` together with the `contract` whose ABI to encode with.
 */
export interface ProposalActionSpec {
  contract: string;
  address?: string;
  function: string;
  args?: unknown[];
  /** Native value to send, in wei, as a decimal string. */
  value?: string;
}

export interface ProposalSpec {
  description: string;
  actions: ProposalActionSpec[];
}

/** A proposal ready for the governor: the arrays `propose`, `queue` and `execute` take, and its id. */
export interface EncodedProposal {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
}

export function readProposalFile(file: string): ProposalSpec {
  if (!fs.existsSync(file)) throw new ProposalFileError(`Proposal file not found: ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProposalFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return validateProposal(raw, file);
}

export function validateProposal(raw: unknown, source = "proposal"): ProposalSpec {
  const spec = raw as Partial<ProposalSpec> | null;
  if (typeof spec !== "object" || spec === null) throw new ProposalFileError(`${source}: must be a JSON object`);
  if (typeof spec.description !== "string" || spec.description.trim() === "") {
    throw new ProposalFileError(`${source}: "description" must be a non-empty string`);
  }
  if (!Array.isArray(spec.actions) || spec.actions.length === 0) {
    throw new ProposalFileError(`${source}: "actions" must be a non-empty array`);
  }
  spec.actions.forEach((action, i) => {
    const where = `${source}: actions[${i}]`;
    if (typeof action?.contract !== "string") throw new ProposalFileError(`${where}.contract must be a contract name`);
    if (typeof action.function !== "string") throw new ProposalFileError(`${where}.function must be a function name`);
    if (action.args !== undefined && !Array.isArray(action.args))
      throw new ProposalFileError(`${where}.args must be an array`);
    if (action.address !== undefined && !isAddress(action.address))
      throw new ProposalFileError(`${where}.address is not an address`);
    if (action.value !== undefined && !/^\d+$/.test(action.value))
      throw new ProposalFileError(`${where}.value must be a wei amount`);
  });
  return spec as ProposalSpec;
}

/** Resolves contract names against the address book and ABI-encodes every call. */
export async function encodeProposal(
  hre: HardhatRuntimeEnvironment,
  spec: ProposalSpec,
  book: AddressBook,
): Promise<EncodedProposal> {
  const targets: string[] = [];
  const values: bigint[] = [];
  const calldatas: string[] = [];
  for (const [i, action] of spec.actions.entries()) {
    const where = `actions[${i}]`;
    const target = action.address ?? (book.contracts as Record<string, string>)[action.contract];
    if (target === undefined) {
      throw new ProposalFileError(
        `${where}: "${action.contract}" is not in the address book (${Object.keys(book.contracts).join(", ")}); give an "address"`,
      );
    }
    if (!(await hre.artifacts.artifactExists(action.contract))) {
      throw new ProposalFileError(`${where}: no compiled contract named "${action.contract}"`);
    }
    const iface = new Interface((await hre.artifacts.readArtifact(action.contract)).abi);
    const fragment = iface.getFunction(action.function);
    if (fragment === null)
      throw new ProposalFileError(`${where}: ${action.contract} has no function "${action.function}"`);
    try {
      calldatas.push(iface.encodeFunctionData(fragment, action.args ?? []));
    } catch (error) {
      throw new ProposalFileError(`${where}: bad arguments for ${fragment.format()}: ${(error as Error).message}`);
    }
    targets.push(getAddress(target));
    values.push(BigInt(action.value ?? "0"));
  }
  return { targets, values, calldatas, description: spec.description, descriptionHash: keccakUtf8(spec.description) };
}
