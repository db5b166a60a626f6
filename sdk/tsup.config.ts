import { defineConfig } from "tsup";

export default defineConfig({
  // The main client (browsers and Node), the viem entry (ABIs and addresses, no ethers) and the Node-only
  // helpers (file salt store, file hashing).
  entry: { index: "src/index.ts", viem: "src/viem.ts", node: "src/node.ts" },
  format: ["esm", "cjs"],
  dts: true,
  // No source maps: they would embed the sources (which the package does not ship) in a 1 MB download.
  sourcemap: false,
  clean: true,
  treeshake: true,
  splitting: true,
  target: "es2022",
  external: ["ethers"],
  // Explicit extensions: the package has no "type" field, because the root Hardhat project (CommonJS,
  // loaded by ts-node) imports the generated bindings from sdk/src directly.
  outExtension: ({ format }) => ({ js: format === "esm" ? ".mjs" : ".cjs" }),
});
