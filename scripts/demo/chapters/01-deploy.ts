import type { DemoContext } from "../context";
import { crp } from "../../lib/story";

export async function deployChapter({ deployment, accounts, story }: DemoContext) {
  const { token, timelock, addressBook } = deployment;
  story.chapter("1. Deploy the protocol");
  for (const [name, address] of Object.entries(addressBook.contracts)) story.note(`${name.padEnd(16)} ${address}`);
  story.note(`Every role belongs to the timelock; the deployer (${accounts.deployer.address}) holds none.`);
  story.note(`Supply ${crp(await token.totalSupply())} CRP of a cap of ${crp(await token.cap())}.`);
  story.balances([
    ["treasury (timelock)", await token.balanceOf(timelock)],
    ["alice", await token.balanceOf(accounts.alice)],
    ["bob", await token.balanceOf(accounts.bob)],
    ["carol", await token.balanceOf(accounts.carol)],
  ]);
}
