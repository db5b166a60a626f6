import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  target: "es2022",
  external: ["ethers"],
  // Explicit extensions: the package has no "type" field, because the root Hardhat project (CommonJS,
  // loaded by ts-node) imports the generated bindings from sdk/src directly.
  outExtension: ({ format }) => ({ js: format === "esm" ? ".mjs" : ".cjs" }),
});
