/**
 * The daemon's settings: the config file's `validator` section, overridden by `corpus validator run` flags.
 * Checked once at start, so a typo stops the daemon with a named error instead of misbehaving later.
 */
import path from "node:path";
import Ajv from "ajv";
import { CliConfigError } from "../errors";
import type { PoliciesConfig } from "./policies";

export interface ValidatorSettings {
  /** Checkpoint, duties and salts (default: `<home>/validator/<chainId>-<operator>`). */
  dataDir?: string;
  pollIntervalMs: number;
  /** Blocks behind the head the scanner stays (a reorg shallower than this is never seen at all). */
  confirmations: number;
  maxBlockRange: number;
  keeper: boolean;
  retryMs: number;
  maxBackoffMs: number;
  policyTimeoutMs: number;
  ipfsGateway: string;
  maxContentBytes: number;
  fetchTimeoutMs: number;
  /** Directories `file://` content may be read from (relative to the config file); none by default. */
  fileRoots: string[];
  /** Whether workers' http(s) URIs may name private or local addresses (default false). */
  allowPrivateHosts: boolean;
  /** `false` turns the HTTP endpoint off. */
  metrics: { host: string; port: number } | false;
  /** `/health` turns 503 when the last complete step is older than this. */
  healthMaxAgeMs: number;
  logLevel: "trace" | "debug" | "info" | "warn" | "error";
  policies?: PoliciesConfig;
}

export const DEFAULT_SETTINGS: ValidatorSettings = {
  pollIntervalMs: 2_000,
  confirmations: 2,
  maxBlockRange: 5_000,
  keeper: false,
  retryMs: 15_000,
  maxBackoffMs: 30_000,
  policyTimeoutMs: 30_000,
  ipfsGateway: "https://ipfs.io",
  maxContentBytes: 16 * 1024 * 1024,
  fetchTimeoutMs: 15_000,
  fileRoots: [],
  allowPrivateHosts: false,
  metrics: { host: "127.0.0.1", port: 9464 },
  healthMaxAgeMs: 60_000,
  logLevel: "info",
};

const positive = { type: "integer", minimum: 1 } as const;
const SETTINGS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    dataDir: { type: "string", minLength: 1 },
    pollIntervalMs: positive,
    confirmations: { type: "integer", minimum: 0 },
    maxBlockRange: positive,
    keeper: { type: "boolean" },
    retryMs: positive,
    maxBackoffMs: positive,
    policyTimeoutMs: positive,
    ipfsGateway: { type: "string", pattern: "^https?://" },
    maxContentBytes: positive,
    fetchTimeoutMs: positive,
    fileRoots: { type: "array", items: { type: "string", minLength: 1 } },
    allowPrivateHosts: { type: "boolean" },
    metrics: {
      oneOf: [
        { const: false },
        {
          type: "object",
          additionalProperties: false,
          required: ["port"],
          properties: { host: { type: "string" }, port: { type: "integer", minimum: 0, maximum: 65535 } },
        },
      ],
    },
    healthMaxAgeMs: positive,
    logLevel: { enum: ["trace", "debug", "info", "warn", "error"] },
    policies: { type: "object" },
  },
} as const;

const validate = new Ajv({ allErrors: false }).compile(SETTINGS_SCHEMA);

/** Flags of `corpus validator run` (strings as commander parses them). */
export interface ValidatorFlags {
  dataDir?: string;
  pollInterval?: string;
  scanConfirmations?: string;
  metricsHost?: string;
  metricsPort?: string;
  metrics?: boolean;
  keeper?: boolean;
  ipfsGateway?: string;
  policyTimeout?: string;
  logLevel?: string;
}

/** The settings: defaults < config file section < flags. `baseDir` resolves the file's relative paths. */
export function resolveSettings(
  section: Record<string, unknown> | undefined,
  flags: ValidatorFlags,
  baseDir: string,
): ValidatorSettings {
  const fromFile = section ?? {};
  if (!validate(fromFile)) {
    const [first] = validate.errors ?? [];
    throw new CliConfigError(`config validator${first?.instancePath ?? ""}`, first?.message ?? "is invalid");
  }
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS, ...fromFile };
  if (typeof fromFile.dataDir === "string") merged.dataDir = path.resolve(baseDir, fromFile.dataDir);
  if (Array.isArray(fromFile.fileRoots)) {
    merged.fileRoots = (fromFile.fileRoots as string[]).map((root) => path.resolve(baseDir, root));
  }
  const number = (flag: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new CliConfigError(`--${flag}`, `must be an integer >= ${min}`);
    return value;
  };
  const set = (key: keyof ValidatorSettings, value: unknown) => {
    if (value !== undefined) merged[key] = value;
  };
  set("dataDir", flags.dataDir === undefined ? undefined : path.resolve(flags.dataDir));
  set("pollIntervalMs", number("poll-interval", flags.pollInterval, 1));
  set("confirmations", number("scan-confirmations", flags.scanConfirmations, 0));
  set("policyTimeoutMs", number("policy-timeout", flags.policyTimeout, 1));
  set("keeper", flags.keeper);
  set("ipfsGateway", flags.ipfsGateway);
  set("logLevel", flags.logLevel);
  if (flags.metrics === false) merged.metrics = false;
  else if (flags.metricsPort !== undefined || flags.metricsHost !== undefined) {
    const current = merged.metrics === false ? DEFAULT_SETTINGS.metrics : merged.metrics;
    merged.metrics = {
      host: flags.metricsHost ?? (current as { host?: string }).host ?? "127.0.0.1",
      port: number("metrics-port", flags.metricsPort, 0) ?? (current as { port: number }).port,
    };
  }
  if (!validate(merged)) {
    const [first] = validate.errors ?? [];
    throw new CliConfigError(`validator setting ${first?.instancePath ?? ""}`, first?.message ?? "is invalid");
  }
  return merged as unknown as ValidatorSettings;
}
