import hre from "hardhat";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256 } from "ethers";

/** The seed PrevrandaoRandomness derives: keccak256(abi.encode(blockhash(seedBlock), requester, request)). */
export function seedFrom(blockHash: string, requester: string, request: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "bytes32"], [blockHash, requester, request]),
  );
}

/** The hash of block `n`, as the node reports it. */
export async function hashOf(n: number): Promise<string> {
  const block = await hre.ethers.provider.getBlock(n);
  if (block === null || block.hash === null) throw new Error(`no block ${n}`);
  return block.hash;
}

/** The latest block number. */
export function latest(): Promise<number> {
  return hre.ethers.provider.getBlockNumber();
}

/** Mines empty blocks until the latest block is `n`. */
export async function mineTo(n: number) {
  const now = await latest();
  if (n < now) throw new Error(`block ${n} is already past (latest ${now})`);
  if (n > now) await mine(n - now);
}

/** Runs `send` with automining off and mines everything it sent into one block. */
export async function inOneBlock(send: () => Promise<unknown>) {
  await hre.network.provider.send("evm_setAutomine", [false]);
  try {
    await send();
    await mine(1);
  } finally {
    await hre.network.provider.send("evm_setAutomine", [true]);
  }
}
