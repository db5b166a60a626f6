import { type TransactionReceipt, ZeroAddress, ZeroHash } from "ethers";
import { type AccessDomain, type SignedAccessRequest, signAccessRequest } from "../access";
import { CorpusInputError } from "../errors/sdk-errors";
import type { ClientContext } from "../internal/context";
import { requireSigner } from "../internal/context";
import { type FundingMode, prepareFunding } from "../internal/funding";
import { eventIn, read, transact } from "../internal/transact";
import * as check from "../internal/validate";
import { readCall } from "../multicall";
import type { ICorpusData } from "../typechain";

export type DataToken = ICorpusData.DataViewStructOutput;
export type LicenseOffer = ICorpusData.LicenseStruct;
export type MintInput = ICorpusData.MintParamsStruct;

/** No licence on offer (a mint's default; the owner offers one later with `setLicense`). */
export const NO_LICENSE: LicenseOffer = {
  token: ZeroAddress,
  price: 0n,
  duration: 0n,
  termsHash: ZeroHash,
  termsUri: "",
};

/** Data NFTs, licences and contributor revenue in `CorpusData`. */
export class DataModule {
  constructor(private readonly ctx: ClientContext) {}

  private get data() {
    return this.ctx.contracts.CorpusData;
  }

  /** A token: owner, linked tasks, shares, versions and its licence offer. */
  async get(tokenId: bigint): Promise<DataToken> {
    return read(() => this.data.getData(tokenId));
  }

  /** Mints a Data NFT from the signer's finished tasks; returns the token id. */
  async mint(params: MintInput): Promise<{ tokenId: bigint; receipt: TransactionReceipt }> {
    requireSigner(this.ctx, "data.mint");
    const data = this.data;
    if (params.taskIds.length === 0) throw new CorpusInputError("taskIds", "a token needs at least one task");
    check.hash32("contentHash", String(params.contentHash));
    const receipt = await transact(this.ctx, () => data.mint.populateTransaction(params));
    const minted = eventIn(receipt, data, data.getEvent("DataMinted"));
    return { tokenId: minted.args.tokenId, receipt };
  }

  /** Publishes a new version of the signer's token. */
  async publishVersion(tokenId: bigint, contentHash: string, uri: string): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "data.publishVersion");
    const hash = check.hash32("contentHash", contentHash);
    if (uri.length === 0) throw new CorpusInputError("uri", "must not be empty");
    return transact(this.ctx, () => this.data.publishVersion.populateTransaction(tokenId, hash, uri));
  }

  /** Puts a licence on offer for the signer's token (or withdraws the offer with {@link NO_LICENSE}). */
  async setLicense(tokenId: bigint, offer: LicenseOffer): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "data.setLicense");
    return transact(this.ctx, () => this.data.setLicense.populateTransaction(tokenId, offer));
  }

  /**
   * Buys a licence at the offer as it reads it now: the quote it signs (token, duration, terms, and a
   * price no higher than `maxPrice`, by default the price read) makes the purchase revert if the owner
   * changes the offer in between. Pays with a permit for CRP, else an exact approval.
   */
  async buyLicense(
    tokenId: bigint,
    options: { licensee?: string; maxPrice?: bigint; funding?: FundingMode } = {},
  ): Promise<{ expiresAt: bigint; price: bigint; receipt: TransactionReceipt }> {
    const signer = requireSigner(this.ctx, "data.buyLicense");
    const data = this.data;
    const [token, buyer] = await Promise.all([this.get(tokenId), signer.getAddress()]);
    const offer = token.license;
    if (offer.duration === 0n) throw new CorpusInputError("tokenId", "has no licence on offer", tokenId);
    const maxPrice = options.maxPrice ?? offer.price;
    if (maxPrice < offer.price) {
      throw new CorpusInputError("maxPrice", `the offer costs ${offer.price}, more than the ${maxPrice} accepted`);
    }
    const licensee = check.address("licensee", options.licensee ?? buyer);
    const quote: ICorpusData.QuoteStruct = {
      token: offer.token,
      maxPrice,
      duration: offer.duration,
      termsHash: offer.termsHash,
    };
    const permit = await prepareFunding(
      this.ctx,
      signer,
      offer.token,
      await data.getAddress(),
      maxPrice,
      () => data.buyLicense.staticCall(tokenId, licensee, quote),
      options.funding,
    );
    const receipt = await transact(this.ctx, () =>
      permit === undefined
        ? data.buyLicense.populateTransaction(tokenId, licensee, quote)
        : data.buyLicenseWithPermit.populateTransaction(
            tokenId,
            licensee,
            quote,
            permit.deadline,
            permit.v,
            permit.r,
            permit.s,
          ),
    );
    const bought = eventIn(receipt, data, data.getEvent("LicenseBought"));
    return { expiresAt: bought.args.expiresAt, price: bought.args.price, receipt };
  }

  /** Whether `account` holds a live licence for `tokenId`. */
  async hasLicense(tokenId: bigint, account: string): Promise<boolean> {
    return read(() => this.data.hasLicense(tokenId, account));
  }

  /** Signs a request a data server verifies with `verifyAccessRequest` (see `access.ts`). */
  async signAccessRequest(tokenId: bigint, audience: string, validFor?: number): Promise<SignedAccessRequest> {
    const signer = requireSigner(this.ctx, "data.signAccessRequest");
    return signAccessRequest(signer, await this.accessDomain(), { tokenId, audience, validFor });
  }

  /** The EIP-712 domain access requests are signed in on this deployment. */
  async accessDomain(): Promise<AccessDomain> {
    return { chainId: this.ctx.chainId, dataContract: await this.data.getAddress() };
  }

  /** What `contributor` can claim from each token in `token` (default CRP), read in batched requests. */
  async claimable(tokenIds: readonly bigint[], contributor: string, token?: string): Promise<bigint[]> {
    const paymentToken = token ?? this.ctx.deployment.contracts.CorpusToken;
    return this.ctx.multicall.readMany(
      tokenIds.map((id) => readCall(this.data, "claimable", [id, paymentToken, contributor])),
    );
  }

  /**
   * Claims the signer's revenue from any number of tokens in `token` (default CRP): reads what each owes
   * in batched requests, skips the empty ones and claims the rest in as few `claimMany` transactions as
   * the contract's batch limit allows. Returns the total and the receipts.
   */
  async claimAll(
    tokenIds: readonly bigint[],
    token?: string,
  ): Promise<{ amount: bigint; receipts: TransactionReceipt[] }> {
    const signer = requireSigner(this.ctx, "data.claimAll");
    const paymentToken = token ?? this.ctx.deployment.contracts.CorpusToken;
    const data = this.data;
    const [owed, batch] = await Promise.all([
      this.claimable(tokenIds, await signer.getAddress(), paymentToken),
      read(() => data.MAX_CLAIM_BATCH()),
    ]);
    const due = tokenIds.filter((_, i) => (owed[i] ?? 0n) > 0n);
    const receipts: TransactionReceipt[] = [];
    for (let i = 0; i < due.length; i += Number(batch)) {
      const chunk = due.slice(i, i + Number(batch));
      receipts.push(await transact(this.ctx, () => data.claimMany.populateTransaction(chunk, paymentToken)));
    }
    return { amount: owed.reduce((sum, x) => sum + x, 0n), receipts };
  }

  /** The signer's (or `account`'s) owner revenue in `token` (default CRP). */
  async revenueOf(account: string, token?: string): Promise<bigint> {
    return read(() => this.data.revenueOf(token ?? this.ctx.deployment.contracts.CorpusToken, account));
  }

  /** Withdraws the signer's owner revenue in `token` (default CRP). */
  async withdraw(token?: string): Promise<TransactionReceipt> {
    requireSigner(this.ctx, "data.withdraw");
    return transact(this.ctx, () =>
      this.data.withdraw.populateTransaction(token ?? this.ctx.deployment.contracts.CorpusToken),
    );
  }
}
