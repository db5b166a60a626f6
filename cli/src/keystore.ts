/**
 * Accounts: encrypted JSON keystores (ethers, scrypt), kept in `<home>/keystores/<address>.json` with mode
 * 0600. A keystore is written to a temporary file, fsynced and renamed, so a crash never leaves half a key.
 */
import fs from "node:fs";
import path from "node:path";
import { Wallet, type HDNodeWallet, type Provider, getAddress, isHexString } from "ethers";
import { CliConfigError, CliKeystoreError, CliWrongPasswordError } from "./errors";

export function keystoreDir(home: string): string {
  return path.join(home, "keystores");
}

/** The keystores in `<home>/keystores`, by file path. */
export function listKeystores(home: string): { file: string; address: string }[] {
  const dir = keystoreDir(home);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      return { file, address: addressOf(file) };
    });
}

/** The address a keystore holds (readable without the password). */
export function addressOf(file: string): string {
  let parsed: { address?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { address?: unknown };
  } catch (error) {
    throw new CliKeystoreError(`Keystore ${file} cannot be read: ${(error as Error).message}`);
  }
  if (typeof parsed.address !== "string") throw new CliKeystoreError(`Keystore ${file} has no address`);
  return getAddress(parsed.address.startsWith("0x") ? parsed.address : `0x${parsed.address}`);
}

/** The keystore to use: the configured one, or the only one in the home directory. */
export function chooseKeystore(home: string, configured: string | undefined): string {
  if (configured !== undefined) {
    if (!fs.existsSync(configured)) throw new CliKeystoreError(`Keystore ${configured} does not exist`);
    return configured;
  }
  const all = listKeystores(home);
  if (all.length === 1) return all[0]!.file;
  if (all.length === 0) {
    throw new CliKeystoreError(`No keystore in ${keystoreDir(home)}: create one with \`corpus account new\``);
  }
  throw new CliKeystoreError(
    `${all.length} keystores in ${keystoreDir(home)}: choose one with --keystore or CORPUS_KEYSTORE`,
  );
}

/** Encrypts `wallet` with `password` into a new keystore file; refuses to overwrite one. */
export async function saveKeystore(home: string, wallet: Wallet | HDNodeWallet, password: string): Promise<string> {
  if (password.length < 8) throw new CliConfigError("password", "must be at least 8 characters");
  const dir = keystoreDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${wallet.address}.json`);
  if (fs.existsSync(file)) throw new CliKeystoreError(`A keystore for ${wallet.address} already exists: ${file}`);
  const json = await wallet.encrypt(password);
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, "wx", 0o600);
  try {
    fs.writeSync(fd, json);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  return file;
}

/** A wallet from a private key typed or piped in (hex, with or without 0x). */
export function walletFromPrivateKey(text: string): Wallet {
  const key = text.trim();
  const hex = key.startsWith("0x") ? key : `0x${key}`;
  if (!isHexString(hex, 32)) throw new CliConfigError("private key", "must be 32 bytes of hex");
  return new Wallet(hex);
}

/** Decrypts a keystore and connects it to `provider`. */
export async function unlockKeystore(file: string, password: string, provider?: Provider): Promise<Wallet> {
  const json = fs.readFileSync(file, "utf8");
  let wallet: Wallet | HDNodeWallet;
  try {
    wallet = await Wallet.fromEncryptedJson(json, password);
  } catch (error) {
    if (/password/i.test((error as Error).message)) throw new CliWrongPasswordError(file);
    throw new CliKeystoreError(`Keystore ${file} cannot be decrypted: ${(error as Error).message}`);
  }
  const plain = new Wallet(wallet.privateKey);
  return provider === undefined ? plain : plain.connect(provider);
}
