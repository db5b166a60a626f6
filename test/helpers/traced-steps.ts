import type fc from "fast-check";

/** A model that keeps the labels of the current run's steps, to report them all when one fails. */
export interface Traced {
  trace: string[];
}

/**
 * Runs `action` (which may describe its outcome), records it in `m.trace`, then checks `invariants`; a failure
 * in either reports every step of the run so far, the failing one last.
 */
export async function tracedStep<M extends Traced>(
  m: M,
  label: string,
  action: () => Promise<string | void>,
  invariants: () => Promise<void>,
): Promise<void> {
  try {
    const outcome = await action();
    m.trace.push(`${label}${outcome ? ` -> ${outcome}` : ""}`);
    await invariants();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n  steps of this run:\n    ${[...m.trace, `${label} (failed)`].join("\n    ")}`, {
      cause: error,
    });
  }
}

/** A fast-check command (always applicable) that runs one traced step, then the model's invariants. */
export class TracedStep<M extends Traced, R> implements fc.AsyncCommand<M, R> {
  constructor(
    readonly label: string,
    readonly act: (m: M, r: R) => Promise<string | void>,
    readonly invariants: (m: M, r: R, label: string) => Promise<void>,
  ) {}
  check(): boolean {
    return true;
  }
  async run(m: M, r: R): Promise<void> {
    await tracedStep(
      m,
      this.label,
      () => this.act(m, r),
      () => this.invariants(m, r, this.label),
    );
  }
  toString(): string {
    return this.label;
  }
}
