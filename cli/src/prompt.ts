/**
 * Secrets (keystore passwords, a private key to import) are read from an environment variable or typed at
 * a hidden terminal prompt; never from a flag, which would land in shell history and `ps`.
 */
import readline from "node:readline";
import { Writable } from "node:stream";
import { CliSecretRequiredError } from "./errors";

/** The environment variable that holds the keystore password for non-interactive use (daemons, scripts). */
export const PASSWORD_ENV = "CORPUS_PASSWORD";

/** Reads one line from the terminal without echoing it. */
export async function promptHidden(question: string): Promise<string> {
  const muted = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  process.stderr.write(question);
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question("", resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/** Reads all of stdin (for a secret piped in from a file: `corpus account import < key.txt`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The password from {@link PASSWORD_ENV}, or asked at the terminal (twice when `confirm`). */
export async function password(options: { confirm?: boolean; purpose: string }): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) throw new CliSecretRequiredError(`The password of ${options.purpose}`, PASSWORD_ENV);
  for (;;) {
    const first = await promptHidden(`Password for ${options.purpose}: `);
    if (!options.confirm) return first;
    if ((await promptHidden("Repeat it: ")) === first) return first;
    process.stderr.write("The two passwords differ; try again.\n");
  }
}
