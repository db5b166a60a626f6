import { expect } from "chai";
import type fc from "fast-check";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { tracedStep } from "../../helpers/traced-steps";
import { expectAgrees } from "./agreement";
import type { ProtocolModel } from "./protocol-model";
import { type Real, nameOf, nonceOf, observeClock } from "./system";

/**
 * The base of the SDK model-based test's commands. Each command's `check` allows it only when the model says
 * it succeeds (a refusal's: only when the model says it is refused), and its `run` acts through the SDK
 * alone, asserts the outcome, applies it to the model at the block time it was mined at, and then compares
 * the whole model with the chain ({@link expectAgrees}). Targets are picked among those a command applies
 * to (./targets.ts) by its random `pick`, so a check and its run always agree on the target.
 */

export type Cmd = fc.AsyncCommand<ProtocolModel, Real>;

export const DAY = 86_400n;

/** The `pick`-th of `list`, cyclically (undefined if it is empty). */
export function pickFrom<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

/** Moves the chain's clock to `target` if it is not there yet. */
export async function warpTo(target: bigint) {
  if (BigInt(await time.latest()) < target) await time.increaseTo(target);
}

/** The CRP wallet balance of `account`, through the SDK. */
function walletOf(r: Real, account: string): Promise<bigint> {
  return r.reader.token.balanceOf(account);
}

/** Runs `send` and checks that its wallet effect on `account` is exactly `delta` (in CRP). */
export async function expectWalletMoves<T>(
  r: Real,
  account: string,
  delta: bigint,
  send: () => Promise<T>,
): Promise<T> {
  const before = await walletOf(r, account);
  const result = await send();
  expect((await walletOf(r, account)) - before, `CRP wallet of ${nameOf(r, account)}`).to.equal(delta);
  return result;
}

/** Expects `call` to be refused with nothing sent by `account`; returns the error. */
export async function expectRefused(account: string, call: () => Promise<unknown>): Promise<unknown> {
  const nonce = await nonceOf(account);
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, "the call was refused").to.not.equal(undefined);
  expect(await nonceOf(account), "nothing was sent").to.equal(nonce);
  return error;
}

/** A command: a traced step whose every run ends with the model compared with the chain. */
export abstract class Step implements Cmd {
  abstract check(m: ProtocolModel): boolean;
  protected abstract act(m: ProtocolModel, r: Real): Promise<string | void>;
  abstract toString(): string;

  /** Acts through the SDK and applies the outcome to the model (without the comparison). */
  async perform(m: ProtocolModel, r: Real): Promise<string | void> {
    const outcome = await this.act(m, r);
    await observeClock(m, r);
    return outcome;
  }

  async run(m: ProtocolModel, r: Real): Promise<void> {
    await tracedStep(
      m,
      this.toString(),
      () => this.perform(m, r),
      () => expectAgrees(m, r, this.toString()),
    );
  }
}
