/**
 * CI gate: every custom error a Corpus contract declares is triggered by at least one test.
 *
 * A test "triggers" an error when it asserts it by name: chai's `revertedWithCustomError(contract, "Name")`,
 * the SDK's `isCorpusContractError(e, "Name")` / `errorName` checks, or a Foundry test's `Name.selector`.
 * Errors only OpenZeppelin declares are OpenZeppelin's to test; errors of test contracts are not ours.
 * Run with `ts-node scripts/ci/check-errors-tested.ts`; exits 1 naming every untested error.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

function filesUnder(dir: string, extension: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, extension);
    return extension.test(entry.name) ? [full] : [];
  });
}

/** `error Name(` declarations in our contracts (test doubles excluded), with where each is declared. */
function declaredErrors(): Map<string, string> {
  const declared = new Map<string, string>();
  const sources = filesUnder(path.join(ROOT, "contracts"), /\.sol$/).filter(
    (file) => !file.includes(`${path.sep}test${path.sep}`),
  );
  for (const file of sources) {
    for (const match of fs.readFileSync(file, "utf8").matchAll(/^\s*error\s+(\w+)\s*\(/gm)) {
      declared.set(match[1]!, path.relative(ROOT, file));
    }
  }
  return declared;
}

/** Every way a test names the error it expects. */
function assertedIn(text: string, name: string): boolean {
  return (
    text.includes(`"${name}"`) || // revertedWithCustomError(x, "Name"), isCorpusContractError(e, "Name")
    text.includes(`'${name}'`) ||
    new RegExp(`\\b${name}\\.selector\\b`).test(text) // Foundry: vm.expectRevert(Contract.Name.selector)
  );
}

const tests = [
  ...filesUnder(path.join(ROOT, "test"), /\.(ts|sol)$/),
  ...filesUnder(path.join(ROOT, "sdk", "test"), /\.ts$/),
].map((file) => fs.readFileSync(file, "utf8"));

const declared = declaredErrors();
const untested = [...declared].filter(([name]) => !tests.some((text) => assertedIn(text, name)));
if (untested.length > 0) {
  console.error(`${untested.length} of ${declared.size} custom errors are never asserted by a test:`);
  for (const [name, file] of untested) console.error(`  ${name} (${file})`);
  process.exit(1);
}
console.log(`Every one of the ${declared.size} custom errors Corpus declares is asserted by at least one test.`);
