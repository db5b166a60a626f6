import {
  type Signer,
  type TypedDataField,
  getAddress,
  hexlify,
  isHexString,
  randomBytes,
  verifyTypedData,
} from "ethers";
import { CorpusAccessDeniedError, CorpusInputError } from "./errors/sdk-errors";
import { read } from "./internal/transact";
import type { CorpusData } from "./typechain";

/**
 * Signed data-access requests: a licensee proves to a data server that it holds a Corpus licence, without
 * a transaction. The request is EIP-712 typed data over the Data NFT contract's domain (so a signature for
 * one chain or contract is worthless on another), names the server it is for (so a server cannot replay it
 * to another), expires within minutes, and carries a nonce the server remembers until then.
 */
export const ACCESS_REQUEST_TYPES: Record<string, TypedDataField[]> = {
  AccessRequest: [
    { name: "tokenId", type: "uint256" },
    { name: "licensee", type: "address" },
    { name: "audience", type: "string" },
    { name: "nonce", type: "bytes32" },
    { name: "expiry", type: "uint64" },
  ],
};

/** The EIP-712 domain name and version of access requests. */
export const ACCESS_DOMAIN = { name: "Corpus Data Access", version: "1" } as const;

export interface AccessRequest {
  tokenId: bigint;
  licensee: string;
  /** The data server it is for, e.g. its origin `https://data.example.org`. */
  audience: string;
  /** 32 random bytes, hex. */
  nonce: string;
  /** Unix seconds after which the request is refused. */
  expiry: bigint;
}

export interface SignedAccessRequest {
  request: AccessRequest;
  signature: string;
}

/** Where the requests are verified: the chain and the Data NFT contract (the EIP-712 domain). */
export interface AccessDomain {
  chainId: bigint;
  dataContract: string;
}

function domainOf(d: AccessDomain) {
  return { ...ACCESS_DOMAIN, chainId: d.chainId, verifyingContract: d.dataContract };
}

/** Signs an access request to `audience` for `tokenId`, valid for `validFor` seconds (default 120). */
export async function signAccessRequest(
  signer: Signer,
  domain: AccessDomain,
  params: { tokenId: bigint; audience: string; validFor?: number; now?: number },
): Promise<SignedAccessRequest> {
  if (params.audience.length === 0) throw new CorpusInputError("audience", "must name the data server");
  const now = params.now ?? Math.floor(Date.now() / 1000);
  const request: AccessRequest = {
    tokenId: params.tokenId,
    licensee: await signer.getAddress(),
    audience: params.audience,
    nonce: hexlify(randomBytes(32)),
    expiry: BigInt(now + (params.validFor ?? 120)),
  };
  const signature = await signer.signTypedData(domainOf(domain), ACCESS_REQUEST_TYPES, request);
  return { request, signature };
}

/** Remembers nonces until their request expires. `consume` is atomic: true the first time only. */
export interface NonceStore {
  consume(licensee: string, nonce: string, expiry: bigint): Promise<boolean>;
}

/** An in-memory {@link NonceStore} that forgets a nonce once its request has expired (bounded memory). */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, bigint>();

  constructor(private readonly clock: () => number = () => Math.floor(Date.now() / 1000)) {}

  async consume(licensee: string, nonce: string, expiry: bigint): Promise<boolean> {
    const now = BigInt(this.clock());
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
    const key = `${licensee.toLowerCase()}:${nonce.toLowerCase()}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiry);
    return true;
  }
}

export interface VerifyAccessOptions {
  /** This server's audience string; requests for another are refused. */
  audience: string;
  nonces: NonceStore;
  /** The longest validity accepted (default 300 s): a request valid for days is a bearer token. */
  maxValidity?: number;
  /** Unix seconds now (default: the system clock). */
  now?: number;
}

/** What a verified request proves. */
export interface VerifiedAccess {
  licensee: string;
  tokenId: bigint;
  /**
   * When the licence runs out (unix seconds). 0 for the token's owner, who has access without buying a
   * licence: a server that ends sessions at this time must treat 0 as "no expiry".
   */
  licenceExpiry: bigint;
}

/**
 * Verifies a signed access request and that its signer holds a live licence on-chain (`hasLicense`).
 * Refusals are {@link CorpusAccessDeniedError}s whose `reason` says which check failed. The nonce is only
 * consumed once every other check passed, so a refused request does not burn it.
 */
export async function verifyAccessRequest(
  data: CorpusData,
  domain: AccessDomain,
  signed: SignedAccessRequest,
  options: VerifyAccessOptions,
): Promise<VerifiedAccess> {
  const { request, signature } = signed;
  if (!isHexString(request.nonce, 32)) throw new CorpusInputError("nonce", "must be 32 bytes of hex", request.nonce);
  let signer: string;
  try {
    signer = verifyTypedData(domainOf(domain), ACCESS_REQUEST_TYPES, request, signature);
  } catch (error) {
    throw new CorpusAccessDeniedError("bad-signature", `the signature does not decode (${String(error)})`);
  }
  const licensee = getAddress(request.licensee);
  if (signer !== licensee) {
    throw new CorpusAccessDeniedError("bad-signature", `signed by ${signer}, not by the licensee ${licensee}`);
  }
  if (request.audience !== options.audience) {
    throw new CorpusAccessDeniedError("wrong-audience", `for ${request.audience}, not ${options.audience}`);
  }
  const now = BigInt(options.now ?? Math.floor(Date.now() / 1000));
  if (request.expiry < now) throw new CorpusAccessDeniedError("expired", `expired at ${request.expiry}, now ${now}`);
  const maxValidity = BigInt(options.maxValidity ?? 300);
  if (request.expiry > now + maxValidity) {
    throw new CorpusAccessDeniedError("expiry-too-far", `valid until ${request.expiry}, more than ${maxValidity} s`);
  }
  const [licensed, licenceExpiry] = await read(() =>
    Promise.all([data.hasLicense(request.tokenId, licensee), data.licenseExpiry(request.tokenId, licensee)]),
  );
  if (!licensed) {
    throw new CorpusAccessDeniedError("no-licence", `${licensee} holds no live licence for token ${request.tokenId}`);
  }
  if (!(await options.nonces.consume(licensee, request.nonce, request.expiry))) {
    throw new CorpusAccessDeniedError("replayed", `nonce ${request.nonce} was already used`);
  }
  return { licensee, tokenId: request.tokenId, licenceExpiry };
}
