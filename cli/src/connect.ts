/**
 * From resolved settings to a connected SDK client: the provider (with a request timeout, and the chain id
 * fixed once known so ethers never re-detects it), the deployment (a given address book file, else the SDK's
 * book for the chain), and the signer from the keystore.
 */
import { CorpusClient, type CorpusDeploymentRecord, type SaltStore, deploymentFor } from "@corpus-protocol/sdk";
import { FetchRequest, JsonRpcProvider, Network, type Signer } from "ethers";
import type { ResolvedConfig } from "./config";
import { readJsonFile } from "./config";
import { CliConfigError, CliRpcUnreachableError } from "./errors";
import { chooseKeystore, unlockKeystore } from "./keystore";
import type { Output } from "./output";
import { password } from "./prompt";

/** How long one JSON-RPC request may take before it counts as failed. */
export const RPC_TIMEOUT_MS = 15_000;

/** Asks the node for its chain id (one request, with the timeout). */
export async function chainIdAt(rpcUrl: string): Promise<bigint> {
  const request = new FetchRequest(rpcUrl);
  request.timeout = RPC_TIMEOUT_MS;
  request.method = "POST";
  request.setHeader("content-type", "application/json");
  request.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  const response = await request.send();
  response.assertOk();
  const body = response.bodyJson as { result?: string; error?: { message?: string } };
  if (typeof body.result !== "string") throw new Error(body.error?.message ?? "eth_chainId returned no result");
  return BigInt(body.result);
}

/** A provider for a node whose chain id is known: no detection requests, every request timed out. */
export function providerFor(rpcUrl: string, chainId: bigint): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  request.timeout = RPC_TIMEOUT_MS;
  // No response cache: ethers reuses identical requests for 250 ms by default, which hands a second
  // transaction sent within that time the nonce of the first.
  return new JsonRpcProvider(request, Network.from(chainId), {
    staticNetwork: true,
    pollingInterval: 1_000,
    cacheTimeout: -1,
  });
}

/** The deployment: the configured address book file, or the SDK's record for `chainId`. */
export function loadDeployment(config: ResolvedConfig, chainId: bigint): CorpusDeploymentRecord {
  if (config.deploymentFile === undefined) return deploymentFor(chainId);
  const record = readJsonFile(config.deploymentFile) as Partial<CorpusDeploymentRecord>;
  if (typeof record.chainId !== "number" || typeof record.contracts !== "object" || record.contracts === null) {
    throw new CliConfigError(config.deploymentFile, "is not an address book (chainId and contracts expected)");
  }
  if (BigInt(record.chainId) !== chainId) {
    throw new CliConfigError(config.deploymentFile, `is for chain ${record.chainId}, the node is on chain ${chainId}`);
  }
  return { startBlock: 0, ...record } as CorpusDeploymentRecord;
}

/** The keystore's wallet, unlocked with the password from the environment or a prompt. */
export async function loadSigner(config: ResolvedConfig, provider?: JsonRpcProvider): Promise<Signer> {
  const file = chooseKeystore(config.home, config.keystore);
  return unlockKeystore(file, await password({ purpose: file }), provider);
}

export interface OpenClientOptions {
  /** Unlock the keystore (commands that send transactions). */
  signer: boolean;
  saltStore?: SaltStore;
  /** The chain id, when already known (skips asking the node). */
  chainId?: bigint;
}

/** Connects the SDK client; transaction hashes are reported as progress while they are being mined. */
export async function openClient(
  config: ResolvedConfig,
  output: Output,
  options: OpenClientOptions,
): Promise<CorpusClient> {
  const chainId = options.chainId ?? (await chainIdOrRpcError(config.rpcUrl));
  const provider = providerFor(config.rpcUrl, chainId);
  const deployment = loadDeployment(config, chainId);
  const runner = options.signer ? await loadSigner(config, provider) : provider;
  return CorpusClient.connect(runner, {
    deployment,
    confirmations: config.confirmations,
    saltStore: options.saltStore,
    onTransactionSent: (hash) => output.progress(`Sent ${hash}; waiting for it to be mined…`),
  });
}

async function chainIdOrRpcError(rpcUrl: string): Promise<bigint> {
  try {
    return await chainIdAt(rpcUrl);
  } catch (error) {
    throw new CliRpcUnreachableError(rpcUrl, error);
  }
}
