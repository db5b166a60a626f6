/**
 * Prometheus metrics and the health endpoint. `/metrics` serves the registry in Prometheus' text format;
 * `/health` answers 200 while the daemon completes its loop regularly, 503 before its first complete step and
 * once the last one is older than `maxAgeMs` (an RPC outage, a hang), with the reason in a JSON body.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly assignmentsSeen = new Counter({
    name: "corpus_validator_assignments_seen_total",
    help: "Review seats and jury seats drawn for this operator, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly attestations = new Counter({
    name: "corpus_validator_attestations_sent_total",
    help: "Attestations sent, by verdict",
    labelNames: ["verdict"] as const,
    registers: [this.registry],
  });
  readonly commits = new Counter({
    name: "corpus_validator_commits_sent_total",
    help: "Jury vote commitments sent",
    registers: [this.registry],
  });
  readonly reveals = new Counter({
    name: "corpus_validator_reveals_sent_total",
    help: "Jury votes revealed",
    registers: [this.registry],
  });
  readonly draws = new Counter({
    name: "corpus_validator_draws_sent_total",
    help: "Panel and jury draws (and seed renewals) sent in keeper mode, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly missed = new Counter({
    name: "corpus_validator_duties_missed_total",
    help: "Duties whose window closed before the daemon acted, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "corpus_validator_errors_total",
    help: "Errors, by stage (rpc, content, policy, contract, state)",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly reorgs = new Counter({
    name: "corpus_validator_reorgs_total",
    help: "Reorgs of already scanned blocks that made the daemon rescan",
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: "corpus_validator_lag_blocks",
    help: "Blocks between the chain head and the last block scanned",
    registers: [this.registry],
  });
  readonly scannedBlock = new Gauge({
    name: "corpus_validator_scanned_block",
    help: "The last block scanned",
    registers: [this.registry],
  });
  readonly openDuties = new Gauge({
    name: "corpus_validator_open_duties",
    help: "Duties found and not finished",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "corpus_validator_" });
  }
}

/** What `/health` reports. */
export interface HealthSource {
  /** Milliseconds since the epoch of the last complete loop step, if any. */
  lastSuccess(): number | undefined;
  lastError(): string | undefined;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `/metrics` and `/health` on `host:port` (port 0 picks a free one; the bound port is returned). */
export async function serveMetrics(
  metrics: DaemonMetrics,
  health: HealthSource,
  options: { host: string; port: number; maxAgeMs: number },
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const url = request.url?.split("?", 1)[0];
    if (url === "/metrics") {
      metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": metrics.registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(String(error));
        },
      );
      return;
    }
    if (url === "/health") {
      const last = health.lastSuccess();
      const age = last === undefined ? undefined : Date.now() - last;
      const healthy = age !== undefined && age <= options.maxAgeMs;
      response.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          status: healthy ? "ok" : last === undefined ? "starting" : "stalled",
          lastSuccessAgeMs: age ?? null,
          lastError: healthy ? null : (health.lastError() ?? null),
        }),
      );
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /metrics or /health\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
