// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ICorpusData
/// @notice Data NFTs: datasets and models minted from finished tasks of the task registry, with on-chain
/// provenance (the tasks, a content hash, versions, parent tokens) and licence revenue that flows back to
/// the workers whose accepted submissions made the data.
///
/// Contributors: a token's contributor units are the accepted submissions of its linked tasks, read from the
/// registry (never supplied by the minter); a worker owns as many units as it had submissions accepted.
/// Each sale of a licence splits the price: the protocol fee to the treasury, the token's contributor share
/// to its contributors' pool, its parent share (if any) equally to its parents' pools, and the rest to the
/// owner. A pool grows by whole wei per unit; what does not divide among its units yet (less than one wei
/// per unit) is the pool's carry, added to its next sale, so contributors get every wei of their share; a
/// carry a pool will never use can be swept to the treasury ({sweepPoolCarry}), so nothing stays for good. A contributor claims
/// `units × (revenue per unit − revenue per unit at its last claim)` at any time, in O(linked tasks).
interface ICorpusData {
    // ─── Types ──────────────────────────────────────────────────────────────

    /// @notice What a minter declares.
    /// @param taskIds Finished tasks of the caller's (1 to {MAX_TASKS}); each backs at most one token.
    /// @param parents Tokens this one derives from (at most {MAX_PARENTS}, existing, distinct).
    /// @param contentHash Root over the accepted submissions' content, as the minter built it.
    /// @param metadataUri Where the token's metadata lives (version 0).
    /// @param contributorShareBps Share of each sale for the contributors; at least the governed floor.
    /// @param parentShareBps Share of each sale routed to the parents' contributor pools (0 without parents).
    /// @param license The licence offered from the start (duration 0: none yet, and its other fields are
    /// ignored; see {setLicense}).
    struct MintParams {
        uint256[] taskIds;
        uint256[] parents;
        bytes32 contentHash;
        string metadataUri;
        uint256 contributorShareBps;
        uint256 parentShareBps;
        License license;
    }

    /// @notice A licence offer as a buyer reads it before paying.
    /// @param token Payment token.
    /// @param price Per purchase, in `token` wei.
    /// @param duration Seconds each purchase adds.
    /// @param termsHash Hash of the terms document.
    /// @param termsUri Where the terms document lives.
    struct License {
        IERC20 token;
        uint256 price;
        uint256 duration;
        bytes32 termsHash;
        string termsUri;
    }

    /// @notice What a buyer read of the offer and accepts: a purchase reverts unless the offer still has
    /// this token, this duration and these terms, at a price no higher than `maxPrice`.
    /// @param token Payment token.
    /// @param maxPrice The most the buyer pays.
    /// @param duration Seconds the purchase must add.
    /// @param termsHash Hash of the terms the buyer accepts.
    struct Quote {
        IERC20 token;
        uint256 maxPrice;
        uint256 duration;
        bytes32 termsHash;
    }

    /// @notice A token as integrators read it.
    /// @param owner Current owner.
    /// @param taskIds Its linked tasks.
    /// @param parents Its parent tokens.
    /// @param totalUnits Accepted submissions across its tasks.
    /// @param contributorShareBps Contributors' share of each sale.
    /// @param parentShareBps Parents' share of each sale.
    /// @param versionCount Versions published (version 0 is the mint).
    /// @param license The licence offer (duration 0: none).
    // A return value, never stored: one word per field is what the ABI encodes anyway.
    // solhint-disable-next-line gas-struct-packing
    struct DataView {
        address owner;
        uint256[] taskIds;
        uint256[] parents;
        uint256 totalUnits;
        uint256 contributorShareBps;
        uint256 parentShareBps;
        uint256 versionCount;
        License license;
    }

    // ─── Errors ─────────────────────────────────────────────────────────────

    /// @notice An address that must be set was zero.
    error DataZeroAddress();
    /// @notice A mint must link 1 to `max` tasks.
    error DataInvalidTaskCount(uint256 count, uint256 max);
    /// @notice A mint may name at most `max` parents.
    error DataTooManyParents(uint256 count, uint256 max);
    /// @notice A parent that does not exist, or that appears twice.
    error DataInvalidParent(uint256 parentId);
    /// @notice The caller is not the requester of the task.
    error DataNotTaskRequester(uint256 taskId, address caller);
    /// @notice The task still takes submissions or has submissions pending.
    error DataTaskNotFinished(uint256 taskId);
    /// @notice The task already backs token `tokenId` (or appears twice in the list: `tokenId` is then the
    /// token being minted).
    error DataTaskAlreadyMinted(uint256 taskId, uint256 tokenId);
    /// @notice The linked tasks have no accepted submission: there would be no contributor to pay.
    error DataNoContributors();
    /// @notice A contributor share below the governed floor, or shares that leave nothing for the fees.
    error DataInvalidShares(uint256 contributorShareBps, uint256 parentShareBps);
    /// @notice Only the token's owner (or an approved operator) may do this.
    error DataNotOwner(uint256 tokenId, address caller);
    /// @notice A licence duration longer than {MAX_LICENSE_DURATION} (0 means no offer).
    error DataInvalidDuration(uint256 duration, uint256 max);
    /// @notice A payment token not on the allowlist.
    error DataTokenNotAllowed(IERC20 token);
    /// @notice The token has no licence on offer.
    error DataNoLicenseOffered(uint256 tokenId);
    /// @notice The offer changed since the buyer read it (another token, duration or terms, or a price above
    /// what it accepts); the arguments are the offer as it stands.
    error DataLicenseTermsChanged(uint256 tokenId, IERC20 token, uint256 price, uint256 duration, bytes32 termsHash);
    /// @notice A licence price of 2^96 wei or more.
    error DataPriceTooHigh(uint256 price, uint256 max);
    /// @notice A token that delivered less than the amount transferred (fee-on-transfer tokens are refused).
    error DataTokenDeliveredLess(IERC20 token, uint256 expected, uint256 received);
    /// @notice Nothing to claim or withdraw.
    error DataNothingToClaim(address account);
    /// @notice A version that does not exist.
    error DataUnknownVersion(uint256 tokenId, uint256 version);
    /// @notice A royalty above the governed cap.
    error DataRoyaltyTooHigh(uint256 bps, uint256 cap);
    /// @notice A data token cannot be sent to `to` (this contract, which could never withdraw its revenue).
    error DataInvalidRecipient(address to);
    /// @notice A {claimMany} over more than `max` tokens.
    error DataTooManyTokens(uint256 count, uint256 max);
    /// @notice A parameter outside its bounds (or an unknown parameter: bounds 0, 0).
    error DataParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    // ─── Events ─────────────────────────────────────────────────────────────

    /// @notice A data token was minted.
    /// @param tokenId The new token.
    /// @param minter The tasks' requester, its first owner.
    /// @param taskIds The linked tasks.
    /// @param parents The parent tokens.
    /// @param contentHash Version 0's content hash.
    /// @param metadataUri Version 0's URI.
    /// @param totalUnits Accepted submissions across the tasks.
    /// @param contributorShareBps Contributors' share of each sale.
    /// @param parentShareBps Parents' share of each sale.
    event DataMinted(
        uint256 indexed tokenId,
        address indexed minter,
        uint256[] taskIds,
        uint256[] parents,
        bytes32 contentHash,
        string metadataUri,
        uint256 totalUnits,
        uint256 contributorShareBps,
        uint256 parentShareBps
    );
    /// @notice The owner published a new version.
    /// @param tokenId The token.
    /// @param version Its number (the mint is version 0).
    /// @param contentHash The version's content hash.
    /// @param uri The version's URI.
    event VersionPublished(uint256 indexed tokenId, uint256 indexed version, bytes32 contentHash, string uri);
    /// @notice The owner set (or withdrew, with duration 0) the licence offer.
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @param price Per purchase.
    /// @param duration Seconds per purchase (0: no offer).
    /// @param termsHash Hash of the terms.
    /// @param termsUri Where the terms live.
    event LicenseOffered(
        uint256 indexed tokenId,
        IERC20 token,
        uint256 price,
        uint256 duration,
        bytes32 termsHash,
        string termsUri
    );
    /// @notice `payer` bought a licence for `licensee`, now valid until `expiresAt`.
    /// @param tokenId The token.
    /// @param payer Who paid.
    /// @param licensee Who holds the licence.
    /// @param token Payment token.
    /// @param price What was paid.
    /// @param expiresAt The licence's new expiry (unix seconds).
    event LicenseBought(
        uint256 indexed tokenId,
        address indexed payer,
        address indexed licensee,
        IERC20 token,
        uint256 price,
        uint256 expiresAt
    );
    /// @notice How a sale's price was split.
    /// @param tokenId The token sold.
    /// @param token Payment token.
    /// @param protocolFee To the treasury.
    /// @param contributors Added to the token's contributor pool (distributed per unit, or carried).
    /// @param parents Added to its parents' pools, in all.
    /// @param owner Credited to the owner (the four add up to the price).
    event RevenueSplit(
        uint256 indexed tokenId,
        IERC20 indexed token,
        uint256 protocolFee,
        uint256 contributors,
        uint256 parents,
        uint256 owner
    );
    /// @notice A contributor claimed from a token's pool.
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @param contributor Who claimed.
    /// @param amount What it received.
    event Claimed(uint256 indexed tokenId, IERC20 indexed token, address indexed contributor, uint256 amount);
    /// @notice `account` withdrew its balance (owner revenue).
    /// @param token Payment token.
    /// @param account Who withdrew.
    /// @param amount What it received.
    event Withdrawn(IERC20 indexed token, address indexed account, uint256 amount);
    /// @notice A pool's carry was moved to the treasury's revenue.
    /// @param tokenId The data token.
    /// @param token Payment token.
    /// @param amount The carry (less than one wei per unit).
    event PoolCarrySwept(uint256 indexed tokenId, IERC20 indexed token, uint256 amount);
    /// @notice Protocol fees were sent to the treasury.
    /// @param token Payment token.
    /// @param amount What was sent.
    event ProtocolFeesSwept(IERC20 indexed token, uint256 amount);
    /// @notice ERC-4906: the token's metadata changed (a new version was published).
    /// @param tokenId The token.
    event MetadataUpdate(uint256 tokenId);
    /// @notice The owner set the ERC-2981 royalty.
    /// @param tokenId The token.
    /// @param receiver Who receives royalties.
    /// @param bps Royalty in basis points of the sale price.
    event RoyaltySet(uint256 indexed tokenId, address receiver, uint256 bps);
    /// @notice Governance changed a parameter.
    /// @param parameter Its name.
    /// @param oldValue Previous value.
    /// @param newValue New value.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);
    /// @notice Governance allowed or disallowed a payment token for new licence offers.
    /// @param token The token.
    /// @param allowed Whether it may be used.
    event TokenAllowed(IERC20 indexed token, bool allowed);

    // ─── Owners ─────────────────────────────────────────────────────────────

    /// @notice Mints a data token to the caller from finished tasks it requested.
    /// @param params See {MintParams}.
    /// @return tokenId The new token.
    function mint(MintParams calldata params) external returns (uint256 tokenId);

    /// @notice Publishes a new version of a token. Owner or approved only.
    /// @param tokenId The token.
    /// @param contentHash The version's content hash.
    /// @param uri The version's URI (becomes the token URI).
    /// @return version The new version's number.
    function publishVersion(
        uint256 tokenId,
        bytes32 contentHash,
        string calldata uri
    ) external returns (uint256 version);

    /// @notice Sets the licence offer; `duration` 0 withdraws it (licences already bought stay valid).
    /// Owner or approved only.
    /// @param tokenId The token.
    /// @param license The offer (an allowlisted token, a duration up to {MAX_LICENSE_DURATION}).
    function setLicense(uint256 tokenId, License calldata license) external;

    /// @notice Sets the ERC-2981 royalty for secondary sales (at most the governed cap). Owner or approved only.
    /// @param tokenId The token.
    /// @param receiver Who receives royalties.
    /// @param bps Basis points of the sale price.
    function setRoyalty(uint256 tokenId, address receiver, uint256 bps) external;

    /// @notice Sends the caller its owner revenue in `token`.
    /// @param token Payment token.
    function withdraw(IERC20 token) external;

    // ─── Buyers ─────────────────────────────────────────────────────────────

    /// @notice Buys a licence for `licensee` at the current offer, paying from the caller (approved
    /// beforehand). A live licence is extended from its expiry, an expired one from now.
    /// @param tokenId The token.
    /// @param licensee Who will hold the licence.
    /// @param quote The offer as the buyer read it (`getData(tokenId).license`) and the most it pays.
    /// @return expiresAt The licence's new expiry.
    function buyLicense(uint256 tokenId, address licensee, Quote calldata quote) external returns (uint256 expiresAt);

    /// @notice {buyLicense} with an EIP-2612 permit for the payment token instead of an approval (a permit
    /// already used is ignored if the allowance is there).
    /// @param tokenId The token.
    /// @param licensee Who will hold the licence.
    /// @param quote The offer as the buyer read it; `quote.maxPrice` is also the permit's value.
    /// @param deadline Permit deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    /// @return expiresAt The licence's new expiry.
    function buyLicenseWithPermit(
        uint256 tokenId,
        address licensee,
        Quote calldata quote,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 expiresAt);

    // ─── Contributors ───────────────────────────────────────────────────────

    /// @notice Sends the caller its share of `tokenId`'s contributor pool in `token` (a token that does not
    /// exist has no contributors: {DataNothingToClaim}).
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @return amount What was sent.
    function claim(uint256 tokenId, IERC20 token) external returns (uint256 amount);

    /// @notice Claims from several tokens' pools in one transfer; tokens with nothing owed are skipped.
    /// @param tokenIds The tokens (at most {MAX_CLAIM_BATCH}).
    /// @param token Payment token.
    /// @return amount What was sent in all.
    function claimMany(uint256[] calldata tokenIds, IERC20 token) external returns (uint256 amount);

    // ─── Anyone ─────────────────────────────────────────────────────────────

    /// @notice Sends the protocol fees accrued in `token` to the treasury.
    /// @param token Payment token.
    function sweepProtocolFees(IERC20 token) external;

    /// @notice Moves a pool's carry to the treasury's revenue (then {sweepProtocolFees}), for a pool that will
    /// not sell again in `token`: the carry is less than one wei per unit, so its contributors lose less than
    /// a wei each, and nothing stays in the contract for good. Anyone may call it.
    /// @param tokenId The data token.
    /// @param token Payment token.
    function sweepPoolCarry(uint256 tokenId, IERC20 token) external;

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets protocolFeeBps, contributorShareFloorBps or royaltyCapBps. Timelock only; bounded.
    /// @param parameter The name.
    /// @param value The new value.
    function setParameter(bytes32 parameter, uint256 value) external;

    /// @notice Allows or disallows a payment token for new licence offers (CRP is always allowed).
    /// @param token The token.
    /// @param allowed Whether it may be used.
    function setTokenAllowed(IERC20 token, bool allowed) external;

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice Whether `account` may access the data of `tokenId` now: its owner, or a licence not expired
    /// (false for a token that does not exist).
    /// @param tokenId The token.
    /// @param account Anyone.
    /// @return Whether it may.
    function hasLicense(uint256 tokenId, address account) external view returns (bool);

    /// @notice When `account`'s licence for `tokenId` expires (0: never bought).
    /// @param tokenId The token.
    /// @param account Anyone.
    /// @return Unix seconds.
    function licenseExpiry(uint256 tokenId, address account) external view returns (uint256);

    /// @notice A token with its offer.
    /// @param tokenId The token.
    /// @return The token's view.
    function getData(uint256 tokenId) external view returns (DataView memory);

    /// @notice A version of a token.
    /// @param tokenId The token.
    /// @param version 0 (the mint) to versionCount − 1.
    /// @return contentHash Its content hash.
    /// @return uri Its URI.
    function versionOf(uint256 tokenId, uint256 version) external view returns (bytes32 contentHash, string memory uri);

    /// @notice `contributor`'s units in `tokenId` (its accepted submissions across the linked tasks).
    /// @param tokenId The token.
    /// @param contributor Anyone.
    /// @return units Its units.
    function unitsOf(uint256 tokenId, address contributor) external view returns (uint256 units);

    /// @notice What `contributor` can claim from `tokenId`'s pool in `token` now.
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @param contributor Anyone.
    /// @return amount Claimable.
    function claimable(uint256 tokenId, IERC20 token, address contributor) external view returns (uint256 amount);

    /// @notice Wei of `tokenId`'s pool in `token` not yet divisible among its units (below its unit count),
    /// carried to its next sale.
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @return Wei.
    function poolCarry(uint256 tokenId, IERC20 token) external view returns (uint256);

    /// @notice Revenue per contributor unit ever added to `tokenId`'s pool in `token`.
    /// @param tokenId The token.
    /// @param token Payment token.
    /// @return Wei per unit.
    function revenuePerUnit(uint256 tokenId, IERC20 token) external view returns (uint256);

    /// @notice `account`'s withdrawable owner revenue in `token` (the treasury's: unswept protocol fees).
    /// @param token Payment token.
    /// @param account Anyone.
    /// @return Wei.
    function revenueOf(IERC20 token, address account) external view returns (uint256);

    /// @notice The token a task backs (0: none).
    /// @param taskId A registry task.
    /// @return tokenId The token.
    function tokenOfTask(uint256 taskId) external view returns (uint256 tokenId);

    /// @notice Whether new licence offers may use `token`.
    /// @param token Any token.
    /// @return Whether it may.
    function isTokenAllowed(IERC20 token) external view returns (bool);

    /// @notice The current parameters.
    /// @return protocolFeeBps Treasury share of each sale.
    /// @return contributorShareFloorBps Lowest contributor share a mint may set.
    /// @return royaltyCapBps Highest ERC-2981 royalty.
    function parameters()
        external
        view
        returns (uint256 protocolFeeBps, uint256 contributorShareFloorBps, uint256 royaltyCapBps);
}
