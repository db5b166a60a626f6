// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// One mapping per kind of record (tokens, links, versions, offers, licences, pools, claims, revenue) and
// one slot of parameters; each operation reads only the records it touches.
/* solhint-disable max-states-count */

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {GuardedPausable} from "../governance/GuardedPausable.sol";
import {ICorpusData} from "../interfaces/ICorpusData.sol";
import {ICorpusTasks} from "../interfaces/ICorpusTasks.sol";
import {Packed32} from "../libraries/Packed32.sol";

/// @title CorpusData
/// @notice Data NFTs (datasets and models) minted from finished tasks, with versions, lineage, licences and
/// contributor revenue. See {ICorpusData} for the rules.
/// @dev Token conservation, per payment token: this contract's balance equals the owners' and treasury's
/// revenue balances plus, for every data token, `revenuePerUnit × totalUnits` minus what its contributors
/// have claimed, plus its pool's carry. Pools grow by whole wei per unit, so a pool never owes a fraction of
/// a wei; the carry (less than one wei per unit) waits for the next sale.
contract CorpusData is ICorpusData, ERC721, IERC2981, GuardedPausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ─── Constants and immutables ───────────────────────────────────────────

    /// @notice Most tasks one token may link.
    uint256 public constant MAX_TASKS = 32;
    /// @notice Most parents one token may name.
    uint256 public constant MAX_PARENTS = 8;
    /// @notice Most tokens one {claimMany} may claim from.
    uint256 public constant MAX_CLAIM_BATCH = 64;
    /// @notice Longest licence one purchase may add.
    uint256 public constant MAX_LICENSE_DURATION = 3_650 days;
    /// @notice Highest protocol fee governance may set.
    uint256 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @notice Highest contributor-share floor governance may set.
    uint256 public constant MAX_CONTRIBUTOR_FLOOR_BPS = 5_000;
    /// @notice Highest royalty cap governance may set.
    uint256 public constant MAX_ROYALTY_CAP_BPS = 1_000;

    bytes32 private constant _PROTOCOL_FEE_BPS = "protocolFeeBps";
    bytes32 private constant _CONTRIBUTOR_FLOOR_BPS = "contributorShareFloorBps";
    bytes32 private constant _ROYALTY_CAP_BPS = "royaltyCapBps";
    uint256 private constant _BPS = 10_000;
    /// @dev A claim checkpoint: the claimant's units (cached on its first claim) above its revenue per unit.
    uint256 private constant _UNITS_SHIFT = 224;
    /// @dev A pool: its revenue per unit above the carry (wei not yet divisible among its units, < 2^32).
    uint256 private constant _CARRY_BITS = 32;
    uint256 private constant _CARRY_MASK = 0xffffffff;

    /// @notice The task registry tokens are minted from.
    ICorpusTasks public immutable REGISTRY;
    /// @notice Receives protocol fees (the timelock).
    address public immutable TREASURY;

    // ─── Storage ────────────────────────────────────────────────────────────

    /// @dev One slot: what a sale and a claim read of a token.
    struct Data {
        uint32 totalUnits;
        uint16 contributorShareBps;
        uint16 parentShareBps;
        uint8 taskCount;
        uint8 parentCount;
        uint32 versionCount;
        uint64 licenseDuration;
    }

    struct Version {
        bytes32 contentHash;
        string uri;
    }

    /// @dev The offer: token and price in one slot, the terms hash in the next, the URI apart; its duration
    /// lives in the token's {Data} slot, which a sale reads anyway.
    struct Offer {
        IERC20 token;
        uint96 price;
        bytes32 termsHash;
        string termsUri;
    }

    mapping(uint256 tokenId => Data) private _data;
    mapping(uint256 tokenId => mapping(uint256 word => uint256 ids)) private _taskWords;
    mapping(uint256 tokenId => mapping(uint256 word => uint256 ids)) private _parentWords;
    mapping(uint256 tokenId => mapping(uint256 version => Version)) private _versions;
    mapping(uint256 taskId => uint256 tokenId) private _tokenOfTask;
    mapping(uint256 tokenId => Offer) private _offers;
    mapping(uint256 tokenId => mapping(address licensee => uint256 expiresAt)) private _expiries;
    mapping(uint256 tokenId => mapping(IERC20 token => uint256 perUnitAndCarry)) private _pools;
    mapping(uint256 tokenId => mapping(IERC20 token => mapping(address contributor => uint256))) private _claims;
    mapping(IERC20 token => mapping(address account => uint256)) private _revenue;
    mapping(uint256 tokenId => uint256 receiverAndBps) private _royalties;
    mapping(IERC20 token => bool) private _allowedTokens;

    // One slot: the parameters and the token count.
    uint16 private _protocolFeeBps;
    uint16 private _contributorFloorBps;
    uint16 private _royaltyCapBps;
    uint64 private _tokenCount;

    // ─── Constructor ────────────────────────────────────────────────────────

    /// @notice Deploys the Data NFT with every role given to `governance` (and the pause to `guardian`).
    /// @param registry The task registry.
    /// @param governance The timelock: admin, parameter owner and treasury.
    /// @param guardian May pause mints and sales.
    /// @param initial protocolFeeBps, contributorShareFloorBps, royaltyCapBps.
    /// @param allowedTokens Payment tokens besides CRP that licence offers may use from the start.
    constructor(
        ICorpusTasks registry,
        address governance,
        address guardian,
        uint256[3] memory initial,
        IERC20[] memory allowedTokens
    ) ERC721("Corpus Data", "CDATA") GuardedPausable(governance, guardian) {
        require(address(registry) != address(0) && governance != address(0), DataZeroAddress());
        REGISTRY = registry;
        TREASURY = governance;
        _setTokenAllowed(registry.CRP(), true);
        for (uint256 i; i < allowedTokens.length; ++i) _setTokenAllowed(allowedTokens[i], true);
        _setParameter(_PROTOCOL_FEE_BPS, initial[0]);
        _setParameter(_CONTRIBUTOR_FLOOR_BPS, initial[1]);
        _setParameter(_ROYALTY_CAP_BPS, initial[2]);
    }

    // ─── Owners ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function mint(MintParams calldata params) external nonReentrant whenNotPaused returns (uint256 tokenId) {
        uint256 taskCount = params.taskIds.length;
        require(taskCount != 0 && taskCount <= MAX_TASKS, DataInvalidTaskCount(taskCount, MAX_TASKS));
        uint256 parentCount = params.parents.length;
        require(parentCount <= MAX_PARENTS, DataTooManyParents(parentCount, MAX_PARENTS));
        uint256 contributorShare = params.contributorShareBps;
        uint256 parentShare = params.parentShareBps;
        // The fees can never exceed the price, whatever the protocol fee becomes.
        uint256 sharesCap = _BPS - MAX_PROTOCOL_FEE_BPS;
        require(
            contributorShare >= _contributorFloorBps &&
                contributorShare <= sharesCap &&
                parentShare <= sharesCap - contributorShare &&
                (parentShare == 0 || parentCount != 0),
            DataInvalidShares(contributorShare, parentShare)
        );
        // Safe: one token per transaction at most.
        unchecked {
            tokenId = ++_tokenCount;
        }
        // Task and parent ids are packed in 32 bits; parents are older than this token.
        tokenId.toUint32();
        uint256 units = _linkTasks(tokenId, params.taskIds);
        require(units != 0, DataNoContributors());
        _linkParents(tokenId, params.parents);
        _data[tokenId] = Data({
            totalUnits: units.toUint32(),
            contributorShareBps: uint16(contributorShare),
            parentShareBps: uint16(parentShare),
            taskCount: uint8(taskCount),
            parentCount: uint8(parentCount),
            versionCount: 1,
            licenseDuration: 0
        });
        _versions[tokenId][0] = Version(params.contentHash, params.metadataUri);
        emit DataMinted(
            tokenId,
            msg.sender,
            params.taskIds,
            params.parents,
            params.contentHash,
            params.metadataUri,
            units,
            contributorShare,
            parentShare
        );
        emit VersionPublished(tokenId, 0, params.contentHash, params.metadataUri);
        if (params.license.duration != 0) _setOffer(tokenId, params.license);
        _safeMint(msg.sender, tokenId);
    }

    /// @inheritdoc ICorpusData
    function publishVersion(
        uint256 tokenId,
        bytes32 contentHash,
        string calldata uri
    ) external returns (uint256 version) {
        _requireAuthorized(tokenId);
        Data storage data = _data[tokenId];
        version = data.versionCount;
        data.versionCount = (version + 1).toUint32();
        _versions[tokenId][version] = Version(contentHash, uri);
        emit VersionPublished(tokenId, version, contentHash, uri);
        emit MetadataUpdate(tokenId);
    }

    /// @inheritdoc ICorpusData
    function setLicense(uint256 tokenId, License calldata license) external {
        _requireAuthorized(tokenId);
        _setOffer(tokenId, license);
    }

    /// @inheritdoc ICorpusData
    function setRoyalty(uint256 tokenId, address receiver, uint256 bps) external {
        _requireAuthorized(tokenId);
        require(receiver != address(0), DataZeroAddress());
        uint256 cap = _royaltyCapBps;
        require(bps <= cap, DataRoyaltyTooHigh(bps, cap));
        _royalties[tokenId] = (uint256(uint160(receiver)) << 16) | bps;
        emit RoyaltySet(tokenId, receiver, bps);
    }

    /// @inheritdoc ICorpusData
    function withdraw(IERC20 token) external nonReentrant {
        uint256 amount = _revenue[token][msg.sender];
        require(amount != 0, DataNothingToClaim(msg.sender));
        _revenue[token][msg.sender] = 0;
        emit Withdrawn(token, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ─── Buyers ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function buyLicense(
        uint256 tokenId,
        address licensee,
        Quote calldata quote
    ) external nonReentrant whenNotPaused returns (uint256) {
        return _buy(tokenId, licensee, quote);
    }

    /// @inheritdoc ICorpusData
    function buyLicenseWithPermit(
        uint256 tokenId,
        address licensee,
        Quote calldata quote,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused returns (uint256) {
        // Only the offer's own token is asked for a permit (a stale quote then fails in {_buy} with its named
        // error). A permit someone front-ran is spent already; the allowance it granted is what matters. If
        // there is none, the transfer fails with the token's own error.
        IERC20 token = _offers[tokenId].token;
        if (token == quote.token && address(token) != address(0)) {
            /* solhint-disable no-empty-blocks */
            try
                IERC20Permit(address(token)).permit(msg.sender, address(this), quote.maxPrice, deadline, v, r, s)
            {} catch {}
            /* solhint-enable no-empty-blocks */
        }
        return _buy(tokenId, licensee, quote);
    }

    // ─── Contributors ───────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function claim(uint256 tokenId, IERC20 token) external nonReentrant returns (uint256 amount) {
        amount = _settleClaim(tokenId, token);
        require(amount != 0, DataNothingToClaim(msg.sender));
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICorpusData
    function claimMany(uint256[] calldata tokenIds, IERC20 token) external nonReentrant returns (uint256 amount) {
        require(tokenIds.length <= MAX_CLAIM_BATCH, DataTooManyTokens(tokenIds.length, MAX_CLAIM_BATCH));
        for (uint256 i; i < tokenIds.length; ++i) amount += _settleClaim(tokenIds[i], token);
        require(amount != 0, DataNothingToClaim(msg.sender));
        token.safeTransfer(msg.sender, amount);
    }

    // ─── Anyone ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function sweepProtocolFees(IERC20 token) external nonReentrant {
        uint256 amount = _revenue[token][TREASURY];
        require(amount != 0, DataNothingToClaim(TREASURY));
        _revenue[token][TREASURY] = 0;
        emit ProtocolFeesSwept(token, amount);
        token.safeTransfer(TREASURY, amount);
    }

    /// @inheritdoc ICorpusData
    function sweepPoolCarry(uint256 tokenId, IERC20 token) external {
        uint256 pool = _pools[tokenId][token];
        uint256 carry = pool & _CARRY_MASK;
        require(carry != 0, DataNothingToClaim(TREASURY));
        _pools[tokenId][token] = pool & ~_CARRY_MASK;
        _revenue[token][TREASURY] += carry;
        emit PoolCarrySwept(tokenId, token, carry);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function setParameter(bytes32 parameter, uint256 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParameter(parameter, value);
    }

    /// @inheritdoc ICorpusData
    function setTokenAllowed(IERC20 token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(token != REGISTRY.CRP(), DataTokenNotAllowed(token));
        _setTokenAllowed(token, allowed);
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusData
    function hasLicense(uint256 tokenId, address account) external view returns (bool) {
        address owner = _ownerOf(tokenId);
        return owner != address(0) && (owner == account || _expiries[tokenId][account] >= block.timestamp);
    }

    /// @inheritdoc ICorpusData
    function licenseExpiry(uint256 tokenId, address account) external view returns (uint256) {
        return _expiries[tokenId][account];
    }

    /// @inheritdoc ICorpusData
    function getData(uint256 tokenId) external view returns (DataView memory view_) {
        view_.owner = _requireOwned(tokenId);
        Data memory data = _data[tokenId];
        view_.taskIds = Packed32.load(_taskWords[tokenId], data.taskCount);
        view_.parents = Packed32.load(_parentWords[tokenId], data.parentCount);
        view_.totalUnits = data.totalUnits;
        view_.contributorShareBps = data.contributorShareBps;
        view_.parentShareBps = data.parentShareBps;
        view_.versionCount = data.versionCount;
        Offer storage offer = _offers[tokenId];
        view_.license = License(offer.token, offer.price, data.licenseDuration, offer.termsHash, offer.termsUri);
    }

    /// @inheritdoc ICorpusData
    function versionOf(uint256 tokenId, uint256 version) external view returns (bytes32, string memory) {
        _requireOwned(tokenId);
        require(version < _data[tokenId].versionCount, DataUnknownVersion(tokenId, version));
        Version storage entry = _versions[tokenId][version];
        return (entry.contentHash, entry.uri);
    }

    /// @inheritdoc ICorpusData
    function unitsOf(uint256 tokenId, address contributor) public view returns (uint256 units) {
        uint256 count = _data[tokenId].taskCount;
        mapping(uint256 => uint256) storage words = _taskWords[tokenId];
        for (uint256 i; i < count; ++i) {
            uint256 taskId = Packed32.at(words[i / Packed32.PER_WORD], i % Packed32.PER_WORD);
            units += REGISTRY.acceptedCount(taskId, contributor);
        }
    }

    /// @inheritdoc ICorpusData
    function claimable(uint256 tokenId, IERC20 token, address contributor) external view returns (uint256) {
        uint256 checkpoint = _claims[tokenId][token][contributor];
        uint256 units = checkpoint >> _UNITS_SHIFT;
        if (units == 0) units = unitsOf(tokenId, contributor);
        return units * ((_pools[tokenId][token] >> _CARRY_BITS) - (checkpoint & _perUnitMask()));
    }

    /// @inheritdoc ICorpusData
    function revenuePerUnit(uint256 tokenId, IERC20 token) external view returns (uint256) {
        return _pools[tokenId][token] >> _CARRY_BITS;
    }

    /// @inheritdoc ICorpusData
    function poolCarry(uint256 tokenId, IERC20 token) external view returns (uint256) {
        return _pools[tokenId][token] & _CARRY_MASK;
    }

    /// @inheritdoc ICorpusData
    function revenueOf(IERC20 token, address account) external view returns (uint256) {
        return _revenue[token][account];
    }

    /// @inheritdoc ICorpusData
    function tokenOfTask(uint256 taskId) external view returns (uint256) {
        return _tokenOfTask[taskId];
    }

    /// @inheritdoc ICorpusData
    function isTokenAllowed(IERC20 token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc ICorpusData
    function parameters()
        external
        view
        returns (uint256 protocolFeeBps, uint256 contributorShareFloorBps, uint256 royaltyCapBps)
    {
        return (_protocolFeeBps, _contributorFloorBps, _royaltyCapBps);
    }

    /// @notice How many data tokens were minted (ids run from 1).
    /// @return The count.
    function tokenCount() external view returns (uint256) {
        return _tokenCount;
    }

    /// @notice ERC-2981: the royalty on a secondary sale, never above the current governed cap.
    /// @param tokenId The token.
    /// @param salePrice The sale price.
    /// @return receiver Who receives the royalty (zero: none set).
    /// @return royaltyAmount The royalty.
    function royaltyInfo(
        uint256 tokenId,
        uint256 salePrice
    ) external view returns (address receiver, uint256 royaltyAmount) {
        uint256 packed = _royalties[tokenId];
        uint256 bps = packed & type(uint16).max;
        uint256 cap = _royaltyCapBps;
        return (address(uint160(packed >> 16)), (salePrice * (bps < cap ? bps : cap)) / _BPS);
    }

    /// @notice The URI of the token's latest version.
    /// @param tokenId The token.
    /// @return The URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _versions[tokenId][_data[tokenId].versionCount - 1].uri;
    }

    /// @notice ERC-165: ERC-721, ERC-2981, ERC-4906 (metadata updates) and AccessControl.
    /// @param interfaceId The interface.
    /// @return Whether it is supported.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl, IERC165) returns (bool) {
        return
            interfaceId == type(IERC2981).interfaceId ||
            interfaceId == bytes4(0x49064906) ||
            ERC721.supportsInterface(interfaceId) ||
            AccessControl.supportsInterface(interfaceId);
    }

    // ─── Internal: transfers ────────────────────────────────────────────────

    /// @dev Refuses to move a token to this contract: its owner revenue would be credited to an account that
    /// can never withdraw it.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        require(to != address(this), DataInvalidRecipient(to));
        return super._update(to, tokenId, auth);
    }

    // ─── Internal: minting ──────────────────────────────────────────────────

    /// @dev Checks each task (the caller's, finished, not yet backing a token), claims it for `tokenId`,
    /// packs the ids, and returns the accepted submissions across them.
    function _linkTasks(uint256 tokenId, uint256[] calldata taskIds) private returns (uint256 units) {
        for (uint256 i; i < taskIds.length; ++i) {
            uint256 taskId = taskIds[i];
            ICorpusTasks.TaskView memory task = REGISTRY.getTask(taskId);
            require(task.requester == msg.sender, DataNotTaskRequester(taskId, msg.sender));
            // Finished: nothing pending, and no more submissions can come (closed, or every slot accepted).
            bool closed = task.cancelled || block.timestamp > task.deadline || task.accepted == task.slots;
            require(closed && task.pending == 0, DataTaskNotFinished(taskId));
            uint256 existing = _tokenOfTask[taskId];
            require(existing == 0, DataTaskAlreadyMinted(taskId, existing));
            _tokenOfTask[taskId] = tokenId;
            units += task.accepted;
            // Ids are packed in 32 bits.
            taskId.toUint32();
        }
        Packed32.store(_taskWords[tokenId], taskIds);
    }

    /// @dev Checks that every parent exists and appears once, and packs them.
    function _linkParents(uint256 tokenId, uint256[] calldata parents) private {
        for (uint256 i; i < parents.length; ++i) {
            uint256 parent = parents[i];
            // Parents are minted before their child (so below 2^32 and never a loop).
            require(parent != 0 && parent < tokenId, DataInvalidParent(parent));
            for (uint256 j; j < i; ++j) require(parents[j] != parent, DataInvalidParent(parent));
        }
        Packed32.store(_parentWords[tokenId], parents);
    }

    // ─── Internal: sales ────────────────────────────────────────────────────

    /// @dev Sets the offer of `tokenId` (duration 0 withdraws it).
    function _setOffer(uint256 tokenId, License calldata license) private {
        if (license.duration != 0) {
            require(_allowedTokens[license.token], DataTokenNotAllowed(license.token));
            require(
                license.duration <= MAX_LICENSE_DURATION,
                DataInvalidDuration(license.duration, MAX_LICENSE_DURATION)
            );
        }
        require(license.price <= type(uint96).max, DataPriceTooHigh(license.price, type(uint96).max));
        _offers[tokenId] = Offer(license.token, uint96(license.price), license.termsHash, license.termsUri);
        _data[tokenId].licenseDuration = uint64(license.duration);
        emit LicenseOffered(
            tokenId,
            license.token,
            license.price,
            license.duration,
            license.termsHash,
            license.termsUri
        );
    }

    function _buy(uint256 tokenId, address licensee, Quote calldata quote) private returns (uint256) {
        address owner = _requireOwned(tokenId);
        require(licensee != address(0), DataZeroAddress());
        Data memory data = _data[tokenId];
        uint256 duration = data.licenseDuration;
        require(duration != 0, DataNoLicenseOffered(tokenId));
        Offer storage offer = _offers[tokenId];
        IERC20 token = offer.token;
        uint256 price = offer.price;
        bytes32 termsHash = offer.termsHash;
        // The buyer pays for what it read: the same token, duration and terms, and no more than it accepts.
        require(
            token == quote.token &&
                price <= quote.maxPrice &&
                duration == quote.duration &&
                termsHash == quote.termsHash,
            DataLicenseTermsChanged(tokenId, token, price, duration, termsHash)
        );

        // A live licence is extended from its expiry, an expired one starts now.
        uint256 current = _expiries[tokenId][licensee];
        uint256 expiresAt = (current > block.timestamp ? current : block.timestamp) + duration;
        _expiries[tokenId][licensee] = expiresAt;
        emit LicenseBought(tokenId, msg.sender, licensee, token, price, expiresAt);
        if (price != 0) {
            _split(tokenId, data, token, price, owner);
            _pull(token, price);
        }
        return expiresAt;
    }

    /// @dev Splits a sale: protocol fee, contributors' pool, parents' pools, and the rest to the owner.
    function _split(uint256 tokenId, Data memory data, IERC20 token, uint256 price, address owner) private {
        uint256 protocolFee = (price * _protocolFeeBps) / _BPS;
        uint256 contributors = (price * data.contributorShareBps) / _BPS;
        uint256 parents = (price * data.parentShareBps) / _BPS;
        _addToPool(tokenId, token, contributors, data.totalUnits);
        if (parents != 0) _payParents(tokenId, token, parents, data.parentCount);
        // Safe: the shares sum to at most 100% (checked at mint against the highest protocol fee).
        uint256 toOwner;
        unchecked {
            toOwner = price - protocolFee - contributors - parents;
        }
        if (protocolFee != 0) _revenue[token][TREASURY] += protocolFee;
        _revenue[token][owner] += toOwner;
        emit RevenueSplit(tokenId, token, protocolFee, contributors, parents, toOwner);
    }

    /// @dev Shares `amount` equally among the parents' pools, the first also taking the division's remainder.
    function _payParents(uint256 tokenId, IERC20 token, uint256 amount, uint256 parentCount) private {
        uint256 word = _parentWords[tokenId][0];
        uint256 each = amount / parentCount;
        uint256 first = amount - each * (parentCount - 1);
        for (uint256 i; i < parentCount; ++i) {
            uint256 parent = Packed32.at(word, i);
            _addToPool(parent, token, i == 0 ? first : each, _data[parent].totalUnits);
        }
    }

    /// @dev Adds `amount` to a pool: whole wei per unit now, and what does not divide among the units yet is
    /// carried to the pool's next sale, so the contributors get every wei of their share, however small the
    /// sales (an owner cannot price them below the number of units to keep the share).
    function _addToPool(uint256 tokenId, IERC20 token, uint256 amount, uint256 units) private {
        uint256 pool = _pools[tokenId][token];
        uint256 total = amount + (pool & _CARRY_MASK);
        uint256 perUnit = total / units;
        // Safe: the carry is below `units` (< 2^32), and revenue per unit is far below 2^224.
        uint256 updated;
        unchecked {
            updated = (((pool >> _CARRY_BITS) + perUnit) << _CARRY_BITS) | (total - perUnit * units);
        }
        if (updated != pool) _pools[tokenId][token] = updated;
    }

    /// @dev Pulls exactly `amount` of `token` from the caller, refusing tokens that deliver less.
    function _pull(IERC20 token, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        require(received == amount, DataTokenDeliveredLess(token, amount, received));
    }

    // ─── Internal: claims ───────────────────────────────────────────────────

    /// @dev Moves the caller's checkpoint on `tokenId`'s pool to the current revenue per unit and returns
    /// what it earned since; its units are read from the registry on its first claim and cached.
    function _settleClaim(uint256 tokenId, IERC20 token) private returns (uint256 amount) {
        uint256 checkpoint = _claims[tokenId][token][msg.sender];
        uint256 units = checkpoint >> _UNITS_SHIFT;
        if (units == 0) {
            units = unitsOf(tokenId, msg.sender);
            if (units == 0) return 0;
        }
        uint256 perUnit = _pools[tokenId][token] >> _CARRY_BITS;
        amount = units * (perUnit - (checkpoint & _perUnitMask()));
        if (amount == 0) return 0;
        _claims[tokenId][token][msg.sender] = (units << _UNITS_SHIFT) | perUnit;
        emit Claimed(tokenId, token, msg.sender, amount);
    }

    // ─── Internal: helpers ──────────────────────────────────────────────────

    function _requireAuthorized(uint256 tokenId) private view {
        address owner = _requireOwned(tokenId);
        require(_isAuthorized(owner, msg.sender, tokenId), DataNotOwner(tokenId, msg.sender));
    }

    function _perUnitMask() private pure returns (uint256) {
        return (uint256(1) << _UNITS_SHIFT) - 1;
    }

    function _setTokenAllowed(IERC20 token, bool allowed) private {
        require(address(token) != address(0), DataZeroAddress());
        _allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    function _setParameter(bytes32 parameter, uint256 value) private {
        uint256 old;
        uint256 max;
        if (parameter == _PROTOCOL_FEE_BPS) {
            (old, max) = (_protocolFeeBps, MAX_PROTOCOL_FEE_BPS);
        } else if (parameter == _CONTRIBUTOR_FLOOR_BPS) {
            (old, max) = (_contributorFloorBps, MAX_CONTRIBUTOR_FLOOR_BPS);
        } else if (parameter == _ROYALTY_CAP_BPS) {
            (old, max) = (_royaltyCapBps, MAX_ROYALTY_CAP_BPS);
        } else {
            revert DataParameterOutOfBounds(parameter, value, 0, 0);
        }
        require(value <= max, DataParameterOutOfBounds(parameter, value, 0, max));
        if (parameter == _PROTOCOL_FEE_BPS) _protocolFeeBps = uint16(value);
        else if (parameter == _CONTRIBUTOR_FLOOR_BPS) _contributorFloorBps = uint16(value);
        else _royaltyCapBps = uint16(value);
        emit ParameterSet(parameter, old, value);
    }
}
