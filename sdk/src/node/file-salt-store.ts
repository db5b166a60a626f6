import { randomBytes } from "node:crypto";
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
    // Keys are `chain:arbitrator:dispute:round:juror[:pending]`; make them file-name safe and unambiguous.
    return path.join(this.dir, `${key.replace(/[^0-9A-Za-z]/g, "_")}.json`);
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
    const parsed = JSON.parse(raw) as { vote: string; salt: string; commitment: string };
    return { vote: BigInt(parsed.vote), salt: parsed.salt, commitment: parsed.commitment };
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }
}
