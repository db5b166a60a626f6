/**
 * Where the CLI's settings come from, highest precedence first: command-line flags, environment variables
 * (`CORPUS_*`), the config file (`--config`, `CORPUS_CONFIG`, or `<home>/config.json`), then built-in
 * defaults and the SDK's address book for known chains. Paths in the config file are relative to it.
 */
import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import { CliConfigError } from "./errors";
import { ENV } from "./env";
import { homeOf } from "./home";

export { ENV };

/** The global flags every command accepts (commander's camel-cased names). */
export interface GlobalFlags {
  network?: string;
  rpcUrl?: string;
  deployment?: string;
  keystore?: string;
  config?: string;
  home?: string;
  json?: boolean;
  confirmations?: string;
}

/** A network in the config file. */
export interface NetworkEntry {
  rpcUrl?: string;
  /** An address book file (what `corpus:deploy` writes to `deployments/<chainId>.json`). */
  deployment?: string;
}

/** The config file: every field optional. `validator` is read by `corpus validator run`. */
export interface ConfigFile {
  network?: string;
  networks?: Record<string, NetworkEntry>;
  rpcUrl?: string;
  deployment?: string;
  keystore?: string;
  confirmations?: number;
  validator?: Record<string, unknown>;
}

/** Settings after precedence is applied. Paths are absolute. */
export interface ResolvedConfig {
  /** The CLI's own directory: keystores, the validator's checkpoint and salts. */
  home: string;
  network: string | undefined;
  rpcUrl: string;
  deploymentFile: string | undefined;
  keystore: string | undefined;
  confirmations: number;
  /** The config file read, if any, with its path. */
  file: ConfigFile;
  filePath: string | undefined;
}

/** Networks known without any configuration. */
export const BUILT_IN_NETWORKS: Readonly<Record<string, NetworkEntry>> = {
  localhost: { rpcUrl: "http://127.0.0.1:8545" },
};

const CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string" },
    network: { type: "string", minLength: 1 },
    networks: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: { rpcUrl: { type: "string", minLength: 1 }, deployment: { type: "string", minLength: 1 } },
      },
    },
    rpcUrl: { type: "string", minLength: 1 },
    deployment: { type: "string", minLength: 1 },
    keystore: { type: "string", minLength: 1 },
    confirmations: { type: "integer", minimum: 1 },
    validator: { type: "object" },
  },
} as const;

const validateConfigFile = new Ajv({ allErrors: false }).compile<ConfigFile>(CONFIG_SCHEMA);

/** Reads and checks a JSON file, naming the file in any error. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new CliConfigError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliConfigError(file, `is not JSON (${(error as Error).message})`);
  }
}

function loadConfigFile(file: string, required: boolean): ConfigFile | undefined {
  if (!required && !fs.existsSync(file)) return undefined;
  const data = readJsonFile(file);
  if (!validateConfigFile(data)) {
    const [first] = validateConfigFile.errors ?? [];
    const where = first?.instancePath === "" ? "the top level" : first?.instancePath;
    throw new CliConfigError(file, `${where} ${first?.message ?? "is invalid"}`);
  }
  return data;
}

/** The first defined value, in precedence order. */
function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined && v !== "");
}

/** Applies flags > environment > config file > built-ins. */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const home = homeOf(flags, env);
  const explicitFile = first(flags.config, env[ENV.config]);
  const filePath = path.resolve(explicitFile ?? path.join(home, "config.json"));
  const loaded = loadConfigFile(filePath, explicitFile !== undefined);
  const file = loaded ?? {};
  const fileDir = path.dirname(filePath);
  const fromFile = (p: string | undefined) => (p === undefined ? undefined : path.resolve(fileDir, p));

  const network = first(flags.network, env[ENV.network], file.network);
  let entry: NetworkEntry | undefined;
  if (network !== undefined) {
    const configured = file.networks?.[network];
    entry = configured
      ? { rpcUrl: configured.rpcUrl, deployment: fromFile(configured.deployment) }
      : BUILT_IN_NETWORKS[network];
    if (entry === undefined) {
      const known = [...Object.keys(file.networks ?? {}), ...Object.keys(BUILT_IN_NETWORKS)];
      throw new CliConfigError("network", `"${network}" is not configured (known: ${known.join(", ")})`);
    }
  }

  const rpcUrl = first(flags.rpcUrl, env[ENV.rpcUrl], entry?.rpcUrl, file.rpcUrl);
  if (rpcUrl === undefined) {
    throw new CliConfigError(
      "rpc-url",
      `no RPC URL: pass --rpc-url or --network, set ${ENV.rpcUrl}, or add one to ${filePath}`,
    );
  }
  if (!/^(https?|wss?):\/\//.test(rpcUrl))
    throw new CliConfigError("rpc-url", `"${rpcUrl}" is not an http(s) or ws(s) URL`);

  const deploymentFlag = first(flags.deployment, env[ENV.deployment]);
  const deploymentFile =
    deploymentFlag !== undefined ? path.resolve(deploymentFlag) : first(entry?.deployment, fromFile(file.deployment));
  const keystoreFlag = first(flags.keystore, env[ENV.keystore]);
  const keystore = keystoreFlag !== undefined ? path.resolve(keystoreFlag) : fromFile(file.keystore);

  const confirmationsText = first(flags.confirmations, env[ENV.confirmations]);
  const confirmations = confirmationsText === undefined ? (file.confirmations ?? 1) : Number(confirmationsText);
  if (!Number.isInteger(confirmations) || confirmations < 1) {
    throw new CliConfigError("confirmations", `must be a positive integer (got ${confirmationsText})`);
  }

  return {
    home,
    network,
    rpcUrl,
    deploymentFile,
    keystore,
    confirmations,
    file,
    filePath: loaded ? filePath : undefined,
  };
}
