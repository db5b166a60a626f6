/** `corpus account new | import | list`: encrypted keystores; keys never pass through flags. */
import type { Command } from "commander";
import { Wallet } from "ethers";
import { contextOf } from "../context";
import { ENV } from "../config";
import { listKeystores, saveKeystore, walletFromPrivateKey } from "../keystore";
import { homeOf } from "../home";
import { password, promptHidden, readStdin } from "../prompt";

/** The environment variable a private key may be imported from (for provisioning scripts). */
export const IMPORT_KEY_ENV = "CORPUS_PRIVATE_KEY";

export function registerAccountCommands(program: Command): void {
  const account = program.command("account").description("create, import and list encrypted keystores");

  account
    .command("new")
    .description("create a new key in an encrypted keystore (password from CORPUS_PASSWORD or a prompt)")
    .action(async (_opts: object, command: Command) => {
      const { flags, output } = contextOf(command);
      const home = homeOf(flags);
      const wallet = Wallet.createRandom();
      const file = await saveKeystore(home, wallet, await password({ confirm: true, purpose: "the new keystore" }));
      output.result({ address: wallet.address, keystore: file }, () =>
        [`Created account ${wallet.address}`, `Keystore: ${file}`, "Back up the keystore and its password."].join("\n"),
      );
    });

  account
    .command("import")
    .description(`import a private key from a hidden prompt, stdin or ${IMPORT_KEY_ENV} into an encrypted keystore`)
    .action(async (_opts: object, command: Command) => {
      const { flags, output } = contextOf(command);
      const home = homeOf(flags);
      const fromEnv = process.env[IMPORT_KEY_ENV];
      const keyText =
        fromEnv !== undefined && fromEnv !== ""
          ? fromEnv
          : process.stdin.isTTY
            ? await promptHidden("Private key (hex): ")
            : await readStdin();
      const wallet = walletFromPrivateKey(keyText);
      const file = await saveKeystore(home, wallet, await password({ confirm: true, purpose: "the keystore" }));
      output.result({ address: wallet.address, keystore: file }, () =>
        [`Imported account ${wallet.address}`, `Keystore: ${file}`].join("\n"),
      );
    });

  account
    .command("list")
    .description("list the keystores in the CLI's home directory")
    .action((_opts: object, command: Command) => {
      const { flags, output } = contextOf(command);
      const accounts = listKeystores(homeOf(flags));
      output.result(accounts, () =>
        accounts.length === 0
          ? `No keystores (set ${ENV.home} or --home, or run \`corpus account new\`)`
          : accounts.map((a) => `${a.address}  ${a.file}`).join("\n"),
      );
    });
}
