/** Environment variables the CLI reads. */
export const ENV = {
  home: "CORPUS_HOME",
  config: "CORPUS_CONFIG",
  network: "CORPUS_NETWORK",
  rpcUrl: "CORPUS_RPC_URL",
  deployment: "CORPUS_DEPLOYMENT",
  keystore: "CORPUS_KEYSTORE",
  confirmations: "CORPUS_CONFIRMATIONS",
} as const;
