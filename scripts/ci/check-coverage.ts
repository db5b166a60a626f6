/**
 * Fails when Solidity coverage (from `hardhat coverage`'s coverage/coverage-summary.json) falls below the
 * thresholds, overall and for any single contract file, and says which file and which metric.
 */
import fs from "node:fs";
import path from "node:path";

// Issue #2 asked for 95% / 90%; what exists is at 100%, so the gate holds the line the security issue sets.
const THRESHOLDS = { lines: 98, branches: 95 } as const;
type Metric = keyof typeof THRESHOLDS;

interface Totals {
  pct: number | "Unknown";
  covered: number;
  total: number;
}
type Summary = Record<string, Record<Metric, Totals>>;

const file = path.join(__dirname, "..", "..", "coverage", "coverage-summary.json");
if (!fs.existsSync(file)) {
  console.error(`No coverage summary at ${file}: run \`hardhat coverage\` first.`);
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(file, "utf8")) as Summary;

const failures: string[] = [];
for (const [name, metrics] of Object.entries(summary)) {
  for (const metric of Object.keys(THRESHOLDS) as Metric[]) {
    const { pct, covered, total } = metrics[metric];
    // A file with nothing to cover in a metric (no branches, say) meets it.
    if (total === 0 || pct === "Unknown") continue;
    if (pct < THRESHOLDS[metric]) {
      const where = name === "total" ? "all contracts" : path.relative(process.cwd(), name);
      failures.push(`${where}: ${metric} ${pct}% (${covered}/${total}) is below ${THRESHOLDS[metric]}%`);
    }
  }
}
if (failures.length > 0) {
  console.error(`Coverage below thresholds:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
const total = summary.total;
console.log(
  `Coverage OK: lines ${total?.lines.pct}%, branches ${total?.branches.pct}% ` +
    `(thresholds ${THRESHOLDS.lines}% / ${THRESHOLDS.branches}%).`,
);
