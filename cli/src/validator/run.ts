/**
 * Running the validator daemon: it checks its settings and policies first (a bad config fails at once),
 * serves /metrics and /health, connects (waiting while the node is unreachable), and runs until SIGINT or
 * SIGTERM, finishing the step in progress and saving its checkpoint before it exits.
 */
import path from "node:path";
import { FileSaltStore } from "@corpus-protocol/sdk/node";
import pino from "pino";
import type { ResolvedConfig } from "../config";
import { chainIdAt, openClient } from "../connect";
import { addressOf, chooseKeystore } from "../keystore";
import type { Output } from "../output";
import { ContentFetcher } from "./content";
import { ValidatorDaemon } from "./daemon";
import { Judge } from "./judge";
import { DaemonMetrics, serveMetrics } from "./metrics";
import { type ValidatorFlags, resolveSettings } from "./options";
import { loadPolicies } from "./policies";
import { StateFile } from "./state";

export async function runValidator(resolved: ResolvedConfig, flags: ValidatorFlags): Promise<void> {
  const baseDir = resolved.filePath === undefined ? process.cwd() : path.dirname(resolved.filePath);
  const settings = resolveSettings(resolved.file.validator, flags, baseDir);
  const log = pino({ level: settings.logLevel, base: { service: "corpus-validator" } });
  // Policies and settings are checked before anything else, so a bad config fails at once.
  const policies = loadPolicies(settings.policies, baseDir);

  const metrics = new DaemonMetrics();
  // The endpoint answers (503, "starting") while the daemon connects; it is created once the node answers.
  const running: { daemon?: ValidatorDaemon; startError?: string } = { startError: "connecting" };
  const health = {
    lastSuccess: () => running.daemon?.lastSuccess(),
    lastError: () => running.daemon?.lastError() ?? running.startError,
  };
  const server =
    settings.metrics === false
      ? undefined
      : await serveMetrics(metrics, health, { ...settings.metrics, maxAgeMs: settings.healthMaxAgeMs });
  if (server !== undefined) log.info({ port: server.port }, "serving /metrics and /health");

  let stopping = false;
  const stop = (signal: string) => {
    log.info({ signal }, "stopping after the current step");
    stopping = true;
    running.daemon?.stop();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));

  // The node may be down when the daemon starts (a host reboot): wait for it like for any outage.
  let chainId: bigint | undefined;
  for (let attempt = 0; chainId === undefined && !stopping; attempt++) {
    try {
      chainId = await chainIdAt(resolved.rpcUrl);
    } catch (error) {
      running.startError = `node unreachable: ${(error as Error).message.split("\n", 1)[0]}`;
      metrics.errors.inc({ stage: "rpc" });
      log.warn({ rpcUrl: resolved.rpcUrl, attempt }, "node unreachable; retrying");
      await new Promise((r) => setTimeout(r, Math.min(settings.maxBackoffMs, 1_000 * 2 ** Math.min(attempt, 5))));
    }
  }
  if (chainId === undefined) {
    await server?.close();
    return;
  }
  // The keystore names its address, so the data directory is known before the (slow) decryption.
  const operator = addressOf(chooseKeystore(resolved.home, resolved.keystore));
  const dataDir = settings.dataDir ?? path.join(resolved.home, "validator", `${chainId}-${operator.toLowerCase()}`);
  const client = await openClient(resolved, createSilentOutput(log), {
    signer: true,
    chainId,
    saltStore: new FileSaltStore(path.join(dataDir, "salts")),
  });
  const stateFile = new StateFile(dataDir);
  const identity = `chain ${chainId}, registry ${client.deployment.contracts.CorpusTasks}, operator ${operator}`;
  const state = stateFile.load(identity, client.deployment.startBlock);
  const stake = await client.staking.status(operator);
  if (!stake.active) log.warn({ operator }, "the operator is not an active validator: it will not be drawn");
  log.info({ operator, chainId: String(chainId), dataDir, scannedBlock: state.scannedBlock }, "validator started");

  const fetcher = new ContentFetcher({
    ipfsGateway: settings.ipfsGateway,
    maxBytes: settings.maxContentBytes,
    timeoutMs: settings.fetchTimeoutMs,
    fileRoots: settings.fileRoots,
    allowPrivateHosts: settings.allowPrivateHosts,
  });
  const daemon = new ValidatorDaemon(
    client,
    operator,
    state,
    stateFile,
    new Judge(client, fetcher, policies, settings.policyTimeoutMs),
    metrics,
    log,
    settings,
  );
  running.daemon = daemon;
  running.startError = undefined;
  if (!stopping) await daemon.run();
  stateFile.save(state);
  await server?.close();
  (client.provider as { destroy?: () => void }).destroy?.();
  log.info("stopped");
}

/** Transaction progress goes to the log rather than stderr in the daemon. */
function createSilentOutput(log: pino.Logger): Output {
  return {
    json: true,
    result: () => undefined,
    progress: (message: string) => log.debug(message),
    failure: () => undefined,
  };
}
