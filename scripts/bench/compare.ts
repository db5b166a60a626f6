/** Gas figures by operation name, as written to gas-report.json and gas-snapshot.json. */
export type GasFigures = Record<string, number>;

export interface GasChange {
  name: string;
  before: number | undefined;
  after: number | undefined;
  /** after / before − 1, when both exist. */
  delta: number | undefined;
  verdict: "same" | "better" | "worse" | "regression" | "new" | "removed";
}

/** More than this fraction worse than the snapshot fails CI. */
export const REGRESSION_TOLERANCE = 0.02;

/**
 * Compares a fresh measurement against the committed snapshot. An operation missing from either side is
 * a change too: a new figure must be recorded, and a vanished one must be removed on purpose.
 */
export function compareGas(snapshot: GasFigures, current: GasFigures, tolerance = REGRESSION_TOLERANCE): GasChange[] {
  const names = [...new Set([...Object.keys(snapshot), ...Object.keys(current)])].sort();
  return names.map((name) => {
    const before = snapshot[name];
    const after = current[name];
    if (before === undefined) return { name, before, after, delta: undefined, verdict: "new" };
    if (after === undefined) return { name, before, after, delta: undefined, verdict: "removed" };
    const delta = after / before - 1;
    // Gas figures are integers: compare exactly, not through the floating-point ratio.
    const limit = before + Math.floor(before * tolerance);
    const verdict = after > limit ? "regression" : after > before ? "worse" : after < before ? "better" : "same";
    return { name, before, after, delta, verdict };
  });
}

/** True when the snapshot must not be accepted as is: a regression, or a figure added or removed. */
export function failsGate(changes: GasChange[]): boolean {
  return changes.some((c) => c.verdict === "regression" || c.verdict === "new" || c.verdict === "removed");
}

export function changesTable(changes: GasChange[]): string {
  const moved = changes.filter((c) => c.verdict !== "same");
  if (moved.length === 0) return "No operation moved.";
  const rows = moved.map((c) => {
    const pct = c.delta === undefined ? "" : `${c.delta > 0 ? "+" : ""}${(c.delta * 100).toFixed(2)}%`;
    return `| ${c.name} | ${c.before ?? "—"} | ${c.after ?? "—"} | ${pct} | ${c.verdict} |`;
  });
  return ["| operation | snapshot | now | change | verdict |", "| --- | ---: | ---: | ---: | --- |", ...rows].join(
    "\n",
  );
}
