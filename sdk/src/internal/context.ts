import type { Provider, Signer } from "ethers";
import type { CorpusDeploymentRecord } from "../addresses";
import { CorpusSignerRequiredError } from "../errors/sdk-errors";
import type { CorpusContracts } from "./contracts";
import type { Multicall } from "../multicall";
import type { SaltStore } from "../salt-store";

/** What every module of a client shares. */
export interface ClientContext {
  readonly provider: Provider;
  readonly signer: Signer | undefined;
  readonly chainId: bigint;
  readonly deployment: CorpusDeploymentRecord;
  readonly contracts: CorpusContracts;
  readonly multicall: Multicall;
  readonly saltStore: SaltStore;
  /** Confirmations each transaction waits for. */
  readonly confirmations: number;
  /** Told each transaction's hash once it is sent, before it is mined. */
  readonly onTransactionSent?: (hash: string) => void;
}

/** The signer, or a named error saying that `operation` needs one. */
export function requireSigner(ctx: ClientContext, operation: string): Signer {
  if (ctx.signer === undefined) throw new CorpusSignerRequiredError(operation);
  return ctx.signer;
}
