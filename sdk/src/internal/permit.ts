import { Signature, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import type { CorpusToken } from "../typechain";

/** The EIP-2612 Permit struct. */
export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** A signed EIP-2612 permit, split the way `*WithPermit` functions take it. */
export interface SignedPermit {
  owner: string;
  spender: string;
  value: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** The token's EIP-712 domain, read from the chain (ERC-5267), never assumed. */
export async function tokenDomain(token: CorpusToken): Promise<TypedDataDomain> {
  const domain = await token.eip712Domain();
  return {
    name: domain.name,
    version: domain.version,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** Signs an EIP-2612 permit for `spender` over the token's own domain and the owner's current nonce. */
export async function signPermit(
  token: CorpusToken,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<SignedPermit> {
  const ownerAddress = await owner.getAddress();
  const nonce = await token.nonces(ownerAddress);
  const signature = await owner.signTypedData(await tokenDomain(token), PERMIT_TYPES, {
    owner: ownerAddress,
    spender,
    value,
    nonce,
    deadline,
  });
  const { v, r, s } = Signature.from(signature);
  return { owner: ownerAddress, spender, value, deadline, v, r, s };
}
