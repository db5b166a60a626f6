import { id } from "ethers";
import type { DemoContext } from "../context";
import { crpOffer, dataTokenIdFrom, finishedTask, mintParams, quoteOf } from "../../lib/data-setup";
import { crp } from "../../lib/story";

/**
 * The Data NFT: alice mints a dataset from her finished tasks; contributor shares come from the registry's
 * accepted submissions; a lab buys a licence; every contributor claims its share.
 */
export async function dataChapter({ deployment, accounts, story }: DemoContext) {
  const { data, tasks, token } = deployment;
  const { alice, bob, carol, dave, heidi } = accounts;
  const crpAddress = await token.getAddress();
  const dataAddress = await data.getAddress();

  story.chapter("9. The accepted work becomes a Data NFT; its licence revenue flows back to the contributors");
  const third = await finishedTask(deployment, alice, [carol, dave]);
  story.note(`alice's third task is done too: carol's and dave's labels accepted (the flow of chapter 6).`);
  const taskIds: bigint[] = [];
  for (let t = 1n; t <= third; t++) {
    if ((await tasks.getTask(t)).requester === alice.address) taskIds.push(t);
  }
  const offer = await crpOffer(deployment, 1_000n * 10n ** 18n, 30);
  const params = mintParams(taskIds, { metadataUri: "ipfs://demo/street-signs-dataset.json", license: offer });
  const mintReceipt = await story.step(
    "alice",
    `mints "street signs" from tasks ${taskIds.join(", ")}: 30% of sales to contributors; a 30-day licence at 1,000 CRP`,
    data.connect(alice).mint(params),
  );
  const tokenId = dataTokenIdFrom(deployment, mintReceipt);
  const minted = await data.getData(tokenId);
  story.note(
    `Contributor units, read from the registry: bob ${await data.unitsOf(tokenId, bob.address)}, carol ` +
      `${await data.unitsOf(tokenId, carol.address)}, dave ${await data.unitsOf(tokenId, dave.address)} ` +
      `(${minted.totalUnits} accepted submissions in all). alice could not list them herself.`,
  );

  const { license } = await data.getData(tokenId);
  story.note(
    `What a buyer reads before paying: ${crp(license.price)} CRP for ${Number(license.duration) / 86_400} days, ` +
      `terms ${license.termsUri}.`,
  );
  await token.connect(heidi).approve(dataAddress, license.price);
  await story.step(
    "heidi",
    "(an AI lab) buys, quoting the token, price, duration and terms she read",
    data.connect(heidi).buyLicense(tokenId, heidi.address, await quoteOf(deployment, tokenId)),
  );
  const expiry = await data.licenseExpiry(tokenId, heidi.address);
  story.note(
    `hasLicense(heidi): ${await data.hasLicense(tokenId, heidi.address)}, until ${new Date(Number(expiry) * 1000).toISOString()}; ` +
      "a data server checks exactly this before serving the files.",
  );
  await story.step(
    "alice",
    "publishes version 2 (relabelled night images)",
    data.connect(alice).publishVersion(tokenId, id("street signs v2"), "ipfs://demo/street-signs-dataset-v2.json"),
  );

  story.balances([
    ["treasury: protocol fee (2.5%)", await data.revenueOf(crpAddress, await deployment.timelock.getAddress())],
    ["contributors' pool (30%)", (await data.revenuePerUnit(tokenId, crpAddress)) * minted.totalUnits],
    ["alice: the rest", await data.revenueOf(crpAddress, alice.address)],
  ]);
  for (const [name, contributor] of [
    ["bob", bob],
    ["carol", carol],
    ["dave", dave],
  ] as const) {
    const owed = await data.claimable(tokenId, crpAddress, contributor.address);
    await story.step(name, `claims ${crp(owed)} CRP`, data.connect(contributor).claim(tokenId, crpAddress));
  }
  await story.step("alice", "withdraws her revenue", data.connect(alice).withdraw(crpAddress));
  await story.step("anyone", "sweeps the protocol fee to the treasury", data.sweepProtocolFees(crpAddress));
  story.balances([["Data NFT contract (owes nothing)", await token.balanceOf(dataAddress)]]);
}
