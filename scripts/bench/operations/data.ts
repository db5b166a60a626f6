import { id } from "ethers";
import type { BenchContext } from "../bench-context";
import { crpOffer, finishedTask, mintData, mintParams, quoteOf } from "../../lib/data-setup";
import { bulkStake, useFixedRandomness } from "../../lib/staking-setup";

const CRP = 10n ** 18n;
const MIN_STAKE = 10_000n * CRP;
const PRICE = 1_000n * CRP;

/**
 * The Data NFT: alice mints a dataset from four finished tasks worked by bob, carol, dave and erin, offers
 * a licence, two buyers buy (the first sale makes the owner's and the treasury's revenue slots non-zero; the
 * second is what every later sale costs), bob claims his share of one token, then of ten tokens at once.
 */
export async function benchData({ meter, deployment, accounts }: BenchContext): Promise<void> {
  const { data, token } = deployment;
  const { alice, bob, carol, dave, erin, frank, grace } = accounts;
  await bulkStake(deployment, 10, MIN_STAKE);
  await useFixedRandomness(deployment);
  const dataAddress = await data.getAddress();
  const crp = await token.getAddress();

  const tasks: bigint[] = [];
  for (const workers of [
    [bob, carol],
    [bob, dave],
    [carol, erin],
    [dave, erin],
  ]) {
    tasks.push(await finishedTask(deployment, alice, workers));
  }
  await meter.record("data.mint", data.connect(alice).mint(mintParams(tasks)));
  const offer = await crpOffer(deployment, PRICE);
  await meter.record("data.setLicense", data.connect(alice).setLicense(1n, offer));
  for (const [name, buyer] of [
    ["data.buyLicenseFirstSale", frank],
    ["data.buyLicense", grace],
  ] as const) {
    await token.connect(buyer).approve(dataAddress, PRICE);
    await meter.record(name, data.connect(buyer).buyLicense(1n, buyer.address, await quoteOf(deployment, 1n)));
  }
  await meter.record(
    "data.publishVersion",
    data.connect(alice).publishVersion(1n, id("dataset v2"), "ipfs://datasets/1-v2.json"),
  );
  await meter.record("data.claim", data.connect(bob).claim(1n, crp));
  await meter.record("data.withdraw", data.connect(alice).withdraw(crp));

  // Ten tokens bob contributed to, each with a sale; then one claim across them.
  const tokens: bigint[] = [];
  for (let i = 0; i < 10; i++) {
    const taskId = await finishedTask(deployment, alice, [bob]);
    const tokenId = await mintData(deployment, alice, mintParams([taskId]));
    await (await data.connect(alice).setLicense(tokenId, offer)).wait();
    await (await token.connect(frank).approve(dataAddress, PRICE)).wait();
    await (await data.connect(frank).buyLicense(tokenId, frank.address, await quoteOf(deployment, tokenId))).wait();
    tokens.push(tokenId);
  }
  await meter.record("data.claimMany", data.connect(bob).claimMany(tokens, crp));
}
