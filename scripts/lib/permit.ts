// Permits are signed the SDK's way everywhere: one implementation, reading the token's domain on-chain.
export { PERMIT_TYPES, type SignedPermit, signPermit, tokenDomain } from "../../sdk/src/internal/permit";
