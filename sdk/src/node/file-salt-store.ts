import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { SaltStore, StoredBallot } from "../salt-store";

/**
 * A durable {@link SaltStore}: one JSON file per ballot in `dir`, written to a temporary file, fsync'd,
 * renamed over the final name and the directory fsync'd, so `put` resolves only once the ballot survives a
 * crash or power loss, and a reader never sees a half-written file.
 */
export class FileSaltStore implements SaltStore {
  constructor(private readonly dir: string) {}

  private fileOf(key: string): string {
    // The key's SHA-256 in hex: file-name safe, short enough for any file system, the same on
    // case-insensitive ones, and two keys never share a file (`get` also checks the key stored inside).
    return path.join(this.dir, `${createHash("sha256").update(key, "utf8").digest("hex")}.json`);
  }

  async put(key: string, ballot: StoredBallot): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(key);
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    const body = JSON.stringify({
      key,
      vote: ballot.vote.toString(),
      salt: ballot.salt,
      commitment: ballot.commitment,
    });
    const handle = await fs.open(temp, "w", 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    const dirHandle = await fs.open(this.dir, "r");
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  async get(key: string): Promise<StoredBallot | undefined> {
    let raw: string;
    try {
      raw = await fs.readFile(this.fileOf(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const parsed = JSON.parse(raw) as { key: string; vote: string; salt: string; commitment: string };
    if (parsed.key !== key) return undefined;
    return { vote: BigInt(parsed.vote), salt: parsed.salt, commitment: parsed.commitment };
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }
}
