// ESLint for every TypeScript file of the repo (contracts are linted by solhint).
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "sdk/src/typechain/",
      "sdk/src/generated/",
      "sdk/docs/",
      "artifacts/",
      "cache/",
      "coverage/",
      "dist/",
      "**/dist/",
      "out/",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // chai's `expect(x).to.be.true` style is an expression statement by design.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
