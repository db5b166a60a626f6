/**
 * CI gate: every deployable Corpus contract fits EIP-170's 24 KiB runtime limit with a margin, so a fix
 * never starts by shrinking the contract. Prints each contract's size and headroom; exits 1 past the margin.
 * Run after `hardhat compile` (`npm run check:sizes`).
 */
import fs from "node:fs";
import path from "node:path";

const EIP170_LIMIT = 24_576;
/** Headroom every contract must keep below the limit, in bytes. */
const MARGIN = 512;

const ROOT = path.join(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "artifacts", "contracts");

function artifactFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "test" ? [] : artifactFiles(full);
    return entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json") ? [full] : [];
  });
}

const rows = artifactFiles(ARTIFACTS)
  .map((file) => JSON.parse(fs.readFileSync(file, "utf8")) as { contractName: string; deployedBytecode: string })
  .filter((a) => a.deployedBytecode.length > 2)
  .map((a) => ({ name: a.contractName, size: (a.deployedBytecode.length - 2) / 2 }))
  .sort((a, b) => b.size - a.size);

let failed = false;
console.log(`contract                 bytes   headroom (limit ${EIP170_LIMIT}, margin ${MARGIN})`);
for (const { name, size } of rows) {
  const headroom = EIP170_LIMIT - size;
  const ok = headroom >= MARGIN;
  failed ||= !ok;
  console.log(
    `${name.padEnd(24)} ${String(size).padStart(6)}  ${String(headroom).padStart(8)}${ok ? "" : "  <- over"}`,
  );
}
if (failed) {
  console.error(`A contract is within ${MARGIN} bytes of EIP-170's limit.`);
  process.exit(1);
}
