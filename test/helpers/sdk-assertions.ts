/**
 * What the SDK's specification tests measure with: nonces ("one transaction", "nothing sent"), events in a
 * receipt, refusals by class or by contract error, and an ethers Wallet that estimates gas like a real wallet.
 */
import { expect } from "chai";
import hre from "hardhat";
import { type BaseContract, HDNodeWallet, type Log, type LogDescription, Mnemonic, type Result } from "ethers";
import { type CorpusContractError, type CorpusErrorName, CorpusInputError, isCorpusContractError } from "../../sdk/src";

/** The account's transaction count: what "one transaction" and "nothing sent" are measured with. */
export function nonceOf(account: string | { address: string }): Promise<number> {
  return hre.ethers.provider.getTransactionCount(typeof account === "string" ? account : account.address);
}

/**
 * An ethers Wallet for one of Hardhat's accounts, connected to the in-process network. Unlike Hardhat's own
 * signer (which sends with the network's fixed gas limit), it estimates gas before sending, as browser and
 * server wallets do: a call the contract refuses then fails before anything is sent.
 */
export async function estimatingWallet(account: { address: string }): Promise<HDNodeWallet> {
  const accounts = hre.network.config.accounts;
  if (Array.isArray(accounts) || typeof accounts === "string" || !("mnemonic" in accounts)) {
    throw new Error("The in-process network must use Hardhat's mnemonic accounts");
  }
  const index = (await hre.ethers.getSigners()).findIndex((s) => s.address === account.address);
  if (index < 0) throw new Error(`${account.address} is not a Hardhat account`);
  const wallet = HDNodeWallet.fromMnemonic(
    Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase),
    `${accounts.path}/${accounts.initialIndex + index}`,
  ).connect(hre.ethers.provider);
  expect(wallet.address).to.equal(account.address);
  return wallet;
}

/** Every `name` event `contract` emitted in `receipt`, decoded. */
export function eventsIn(receipt: { logs: readonly Log[] }, contract: BaseContract, name: string): LogDescription[] {
  const address = (contract.target as string).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog({ topics: [...log.topics], data: log.data }))
    .filter((parsed): parsed is LogDescription => parsed !== null && parsed.name === name);
}

/** The single `name` event of `contract` in `receipt`. */
export function onlyEvent(receipt: { logs: readonly Log[] }, contract: BaseContract, name: string): LogDescription {
  const found = eventsIn(receipt, contract, name);
  expect(found, `${name} events in the receipt`).to.have.length(1);
  return found[0]!;
}

/** A struct as a plain object (TypeChain types it as a tuple; at run time it is an ethers Result). */
export function plain(struct: object): Record<string, unknown> {
  return (struct as Result).toObject(true);
}

/** What `promise` rejected with (fails the test if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail("expected the call to reject");
}

/** `promise` rejected with the contract error `name`, decoded by the SDK. */
export async function expectContractError<Name extends CorpusErrorName>(
  promise: Promise<unknown>,
  name: Name,
): Promise<CorpusContractError<Name>> {
  const error = await rejectionOf(promise);
  if (!isCorpusContractError(error, name)) expect.fail(`expected ${name}, got ${String(error)}`);
  return error;
}

/** `promise` rejected with a {@link CorpusInputError} on `field`. */
export async function expectInputError(promise: Promise<unknown>, field: string): Promise<CorpusInputError> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(CorpusInputError);
  expect((error as CorpusInputError).field).to.equal(field);
  return error as CorpusInputError;
}
