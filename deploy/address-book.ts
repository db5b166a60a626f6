import fs from "node:fs";
import path from "node:path";
import type { CorpusDeploymentRecord } from "../sdk/src/addresses";

/**
 * Where deployments record their addresses, one file per chain id; the SDK and scripts read them.
 * `CORPUS_DEPLOYMENTS_DIR` points elsewhere (tests use it so they never overwrite a developer's book).
 */
export function addressBookDir(): string {
  return process.env.CORPUS_DEPLOYMENTS_DIR ?? path.join(__dirname, "..", "deployments");
}

/** The contracts of one deployment on one chain (the SDK's deployment record). */
export type AddressBook = CorpusDeploymentRecord;

/** Thrown when no deployment is recorded for a chain. */
export class AddressBookNotFoundError extends Error {
  override readonly name = "AddressBookNotFoundError";
}

export function addressBookPath(chainId: bigint | number): string {
  return path.join(addressBookDir(), `${chainId}.json`);
}

export function writeAddressBook(book: AddressBook): string {
  fs.mkdirSync(addressBookDir(), { recursive: true });
  const file = addressBookPath(book.chainId);
  fs.writeFileSync(file, `${JSON.stringify(book, null, 2)}\n`);
  return file;
}

export function readAddressBook(chainId: bigint | number): AddressBook {
  const file = addressBookPath(chainId);
  if (!fs.existsSync(file)) {
    throw new AddressBookNotFoundError(
      `No Corpus deployment recorded for chain ${chainId} (${path.relative(process.cwd(), file)}): ` +
        `run \`npx hardhat corpus:deploy --network <name>\` first.`,
    );
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as AddressBook;
}
