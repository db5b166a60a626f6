/** Commands on Data NFTs: mints, licence sales, contributor claims and owner withdrawals. */

import { expect } from "chai";
import { hashJson, hashText } from "../../../sdk/src";
import { DAY, Step, expectWalletMoves, pickFrom } from "./step";
import type { ProtocolModel } from "./protocol-model";
import { type Real, clientOf, nameOf, nonceOf, timeOf } from "./system";
import { mintableTasks } from "./targets";

export interface MintSpec {
  contributorShareBps: bigint;
  price: bigint;
  days: number;
}

/** alice mints a Data NFT from every finished task of hers not minted yet, with a licence on offer in CRP. */
export class Mint extends Step {
  constructor(readonly spec: MintSpec) {
    super();
  }
  check(m: ProtocolModel) {
    return mintableTasks(m).length !== 0;
  }
  toString() {
    const s = this.spec;
    return `Mint(share ${s.contributorShareBps} bps, ${s.price} for ${s.days} d)`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const tasks = mintableTasks(m);
    const duration = BigInt(this.spec.days) * DAY;
    const ids = tasks.map((t) => t.id);
    const { tokenId } = await clientOf(r, r.cast.requester).data.mint({
      taskIds: ids,
      parents: [],
      contentHash: hashJson({ dataset: ids.map(String) }),
      metadataUri: `ipfs://dataset-${ids.join("-")}.json`,
      contributorShareBps: this.spec.contributorShareBps,
      parentShareBps: 0n,
      license: {
        token: r.crp,
        price: this.spec.price,
        duration,
        termsHash: hashText("terms"),
        termsUri: "ipfs://terms",
      },
    });
    const token = m.data.mint(tasks, this.spec.contributorShareBps, { price: this.spec.price, duration });
    expect(tokenId, "data token id").to.equal(token.id);
    m.reached.add(token.totalUnits > 1n ? "data minted (several units)" : "data minted");
    return `data token ${token.id} of tasks [${ids.join(", ")}]: ${token.totalUnits} units`;
  }
}

/** dave buys a licence (with a permit) at the offer as read. */
export class BuyLicence extends Step {
  constructor(readonly pick: number) {
    super();
  }
  check(m: ProtocolModel) {
    return m.data.tokens.length !== 0;
  }
  toString() {
    return `BuyLicence(pick ${this.pick})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const token = pickFrom(m.data.tokens, this.pick);
    if (token === undefined) throw new Error("no target");
    const licensee = r.cast.licensee;
    const price = token.offer.price;
    const bought = await expectWalletMoves(r, licensee, -price, () => clientOf(r, licensee).data.buyLicense(token.id));
    const expiresAt = m.data.buyLicence(token, licensee, await timeOf(r, bought.receipt));
    expect([bought.price, bought.expiresAt], "price and expiry").to.deep.equal([price, expiresAt]);
    expect(await r.reader.data.hasLicense(token.id, licensee), "licensed").to.equal(true);
    m.reached.add("licence bought");
    if (token.carry !== 0n) m.reached.add("pool carry");
    return `data token ${token.id}: ${price}, until ${expiresAt}`;
  }
}

/** A worker claims its revenue from every token (nothing is sent when nothing is due). */
export class ClaimAll extends Step {
  constructor(readonly worker: number) {
    super();
  }
  check(m: ProtocolModel) {
    return m.data.tokens.length !== 0;
  }
  toString() {
    return `ClaimAll(worker ${this.worker})`;
  }
  protected async act(m: ProtocolModel, r: Real) {
    const worker = m.cast.workers[this.worker % m.cast.workers.length] ?? "";
    const ids = m.data.tokens.map((t) => t.id);
    const nonce = await nonceOf(worker);
    const expected = m.data.tokens.reduce((sum, token) => sum + m.data.claimable(token, worker), 0n);
    const { amount, receipts } = await expectWalletMoves(r, worker, expected, () =>
      clientOf(r, worker).data.claimAll(ids),
    );
    expect(amount, "claimed").to.equal(expected);
    expect(m.data.claimAll(worker)).to.equal(expected);
    expect(receipts, "one claimMany transaction, or none").to.have.length(expected === 0n ? 0 : 1);
    expect(await nonceOf(worker)).to.equal(nonce + receipts.length);
    if (expected !== 0n) m.reached.add("claim made");
    return `${nameOf(r, worker)} claims ${amount}`;
  }
}

export class OwnerWithdraw extends Step {
  check(m: ProtocolModel) {
    return (m.data.revenue.get(m.cast.requester) ?? 0n) !== 0n;
  }
  toString() {
    return "OwnerWithdraw";
  }
  protected async act(m: ProtocolModel, r: Real) {
    const owner = r.cast.requester;
    const amount = m.data.revenue.get(owner) ?? 0n;
    await expectWalletMoves(r, owner, amount, () => clientOf(r, owner).data.withdraw());
    m.data.withdraw(owner);
    return `alice withdraws ${amount}`;
  }
}
