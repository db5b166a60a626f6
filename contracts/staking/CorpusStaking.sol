// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {GuardedPausable} from "../governance/GuardedPausable.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";
import {ICorpusToken} from "../interfaces/ICorpusToken.sol";
import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";
import {SortitionTree} from "../libraries/SortitionTree.sol";

/// @title CorpusStaking
/// @notice Validator and juror stake: stake, thaw, withdraw, locks for open assignments, slashing, and
/// stake-weighted random selection in O(k log n).
/// @dev Every validator is a leaf of an eight-ary {SortitionTree} whose weight is its staked CRP in whole
/// tokens while active (at least the minimum stake) and 0 otherwise. The leaf is updated on every change
/// of staked stake, so a draw reads only the tree and one slot per pick (the leaf's owner and lock).
/// Token conservation: this contract's CRP balance equals the sum over validators of `staked + thawing`;
/// slashes leave by transfer (reward) and burn (the rest). Locks are a part of `staked`, never more.
contract CorpusStaking is ICorpusStaking, GuardedPausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SortitionTree for SortitionTree.Tree;

    // ─── Constants and immutables ───────────────────────────────────────────

    /// @notice Role of the protocol contracts that draw validators and lock their stake.
    bytes32 public constant LOCKER_ROLE = keccak256("LOCKER_ROLE");
    /// @notice Role of the protocol contracts that slash (the task registry, dispute resolution).
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");

    /// @notice Lowest minimum stake governance may set: 1 CRP (a weight of at least one).
    uint256 public constant MIN_MINIMUM_STAKE = 1e18;
    /// @notice Highest minimum stake governance may set: 10,000,000 CRP.
    uint256 public constant MAX_MINIMUM_STAKE = 10_000_000e18;
    /// @notice Shortest unbonding period governance may set.
    uint256 public constant MIN_UNBONDING_PERIOD = 1 days;
    /// @notice Longest unbonding period governance may set.
    uint256 public constant MAX_UNBONDING_PERIOD = 90 days;
    /// @notice Highest share of a slash that may go to its beneficiary: the rest is always burnt, so no one
    /// profits from having a validator slashed by more than half of what it loses.
    uint256 public constant MAX_SLASH_REWARD_BPS = 5_000;
    /// @notice Most validators one draw may pick (the largest appeal jury fits).
    uint256 public constant MAX_DRAW_SIZE = 64;
    /// @notice Most addresses one draw may exclude.
    uint256 public constant MAX_EXCLUSIONS = 64;
    /// @notice Most drawn-but-ineligible validators (stale weight, too little unlocked stake) one draw skips.
    uint256 public constant MAX_DRAW_REJECTIONS = 32;
    /// @notice Most validators one {refresh} call may update.
    uint256 public constant MAX_REFRESH_BATCH = 256;
    /// @notice Longest operator URI, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;

    uint256 private constant _BPS = 10_000;
    /// @dev Whole-tree tries per pick before drawing over the remaining weight only (see {_pick}).
    uint256 private constant _FAST_TRIES = 3;
    /// @dev Selection weight is stake in whole CRP: 32-bit tree lanes hold the whole capped supply.
    uint256 private constant _WEIGHT_UNIT = 1e18;

    /// @notice The staked token (CRP).
    ICorpusToken public immutable TOKEN;

    // ─── Storage ────────────────────────────────────────────────────────────

    /// @dev One slot per validator: its stake and its thaw. `leaf` is its tree leaf (0: never staked).
    struct Validator {
        uint96 staked;
        uint32 leaf;
        uint96 thawing;
        uint32 thawEnd;
    }

    /// @dev One slot per tree leaf: what a draw needs to know of the validator it lands on.
    struct Leaf {
        address owner;
        uint96 locked;
    }

    mapping(address validator => Validator) private _validators;
    mapping(uint256 leaf => Leaf) private _leaves;
    mapping(address validator => string uri) private _operatorUris;
    SortitionTree.Tree private _tree;

    // One slot: what every stake change (the minimum) and every draw (the minimum and the source) read.
    uint96 private _minimumStake;
    IRandomnessSource private _randomness;
    // One slot: read by thaws and slashes.
    uint32 private _unbondingPeriod;
    uint16 private _slashRewardBps;

    // ─── Constructor ────────────────────────────────────────────────────────

    /// @notice Deploys staking with every role given to `governance` (and the pause to `guardian`).
    /// @param token The CRP token.
    /// @param governance The timelock: admin of every role and parameter.
    /// @param guardian May pause new stake.
    /// @param randomness The initial randomness source.
    /// @param minimumStake Minimum stake to be active, in wei.
    /// @param unbondingPeriod Seconds a thaw takes.
    /// @param slashRewardBps Beneficiary share of a slash, in basis points.
    /// @param bootstrapAdmin Also admin until it renounces (zero: none): lets a deployment script grant the
    /// protocol contracts deployed after staking their roles, then renounce, without a governance vote.
    constructor(
        ICorpusToken token,
        address governance,
        address guardian,
        IRandomnessSource randomness,
        uint256 minimumStake,
        uint256 unbondingPeriod,
        uint256 slashRewardBps,
        address bootstrapAdmin
    ) GuardedPausable(governance, guardian) {
        require(address(token) != address(0) && governance != address(0), StakingZeroAddress());
        if (bootstrapAdmin != address(0)) _grantRole(DEFAULT_ADMIN_ROLE, bootstrapAdmin);
        TOKEN = token;
        _setMinimumStake(minimumStake);
        _setUnbondingPeriod(unbondingPeriod);
        _setSlashRewardShare(slashRewardBps);
        _setRandomnessSource(randomness);
    }

    // ─── Validators ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusStaking
    function stake(uint256 amount) external nonReentrant whenNotPaused {
        _stake(amount);
    }

    /// @inheritdoc ICorpusStaking
    function stakeWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused {
        // A front-runner may have submitted the permit already; the allowance then exists and the stake
        // proceeds. If it does not, transferFrom fails with the token's own error.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _stake(amount);
    }

    /// @inheritdoc ICorpusStaking
    function thaw(uint256 amount) external {
        require(amount != 0, StakingZeroAmount());
        Validator memory v = _validators[msg.sender];
        uint256 unlocked = v.staked - _leaves[v.leaf].locked; // leaf 0 (never staked) has no lock
        require(amount <= unlocked, StakingInsufficientUnlockedStake(msg.sender, unlocked, amount));
        uint256 end = block.timestamp + _unbondingPeriod;
        // Restarting never moves the end earlier, even if governance shortened the period since.
        if (v.thawing != 0 && v.thawEnd > end) end = v.thawEnd;
        // Safe: amount <= unlocked <= staked, and thawing + amount <= everything ever staked < 2^96.
        unchecked {
            v.staked -= uint96(amount);
            v.thawing += uint96(amount);
        }
        v.thawEnd = uint32(end);
        _validators[msg.sender] = v;
        _syncWeight(msg.sender, v.leaf, v.staked);
        emit ThawStarted(msg.sender, amount, v.thawing, end);
    }

    /// @inheritdoc ICorpusStaking
    function withdraw() external nonReentrant {
        Validator storage v = _validators[msg.sender];
        uint256 amount = v.thawing;
        uint256 end = v.thawEnd;
        require(amount != 0, StakingNothingThawing(msg.sender));
        require(block.timestamp >= end, StakingThawNotMature(msg.sender, end, block.timestamp));
        v.thawing = 0;
        v.thawEnd = 0;
        emit Withdrawn(msg.sender, amount);
        IERC20(address(TOKEN)).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICorpusStaking
    function register(string calldata uri) external {
        uint256 length = bytes(uri).length;
        require(length != 0 && length <= MAX_URI_LENGTH, StakingInvalidOperatorUri(length, MAX_URI_LENGTH));
        _operatorUris[msg.sender] = uri;
        emit OperatorRegistered(msg.sender, uri);
    }

    /// @inheritdoc ICorpusStaking
    function refresh(address[] calldata validators) external {
        require(
            validators.length <= MAX_REFRESH_BATCH,
            StakingRefreshBatchTooLarge(validators.length, MAX_REFRESH_BATCH)
        );
        for (uint256 i; i < validators.length; ++i) {
            Validator storage v = _validators[validators[i]];
            _syncWeight(validators[i], v.leaf, v.staked);
        }
    }

    // ─── Protocol contracts ─────────────────────────────────────────────────

    /// @inheritdoc ICorpusStaking
    function requestDraw(bytes32 request) external onlyRole(LOCKER_ROLE) returns (uint256 readyBlock) {
        return _randomness.requestSeed(_seedRequest(msg.sender, request));
    }

    /// @inheritdoc ICorpusStaking
    function drawAndLock(
        bytes32 request,
        uint256 count,
        address[] calldata exclude,
        uint256 lockAmount
    ) external onlyRole(LOCKER_ROLE) returns (address[] memory validators, uint256[] memory leaves) {
        bytes32 seed = _randomness.seedOf(address(this), _seedRequest(msg.sender, request));
        (validators, leaves) = _draw(seed, count, exclude, lockAmount);
        if (lockAmount != 0) {
            for (uint256 i; i < leaves.length; ++i) {
                // Safe: the draw checked `weight * 1 CRP - locked >= lockAmount`, and weight * 1 CRP <= staked.
                unchecked {
                    _leaves[leaves[i]].locked += uint96(lockAmount);
                }
            }
        }
        emit ValidatorsDrawn(request, msg.sender, lockAmount, validators);
    }

    /// @inheritdoc ICorpusStaking
    function lock(address validator, uint256 amount) external onlyRole(LOCKER_ROLE) {
        require(amount != 0, StakingZeroAmount());
        Validator memory v = _validators[validator];
        require(v.leaf != 0, StakingNotAValidator(validator));
        Leaf storage leaf = _leaves[v.leaf];
        uint256 locked = leaf.locked;
        uint256 unlocked = v.staked - locked;
        require(amount <= unlocked, StakingInsufficientUnlockedStake(validator, unlocked, amount));
        // Safe: locked + amount <= staked < 2^96.
        unchecked {
            locked += amount;
        }
        leaf.locked = uint96(locked);
        emit StakeLocked(validator, msg.sender, amount, locked);
    }

    /// @inheritdoc ICorpusStaking
    function unlock(address validator, uint256 amount) external onlyRole(LOCKER_ROLE) returns (uint256 released) {
        uint256 leafIndex = _validators[validator].leaf;
        require(leafIndex != 0, StakingNotAValidator(validator));
        return _unlock(_leaves[leafIndex], validator, amount);
    }

    /// @inheritdoc ICorpusStaking
    function unlockLeaves(
        uint256[] calldata leaves,
        uint256[] calldata amounts
    ) external onlyRole(LOCKER_ROLE) returns (address[] memory owners) {
        require(leaves.length == amounts.length, StakingLengthMismatch(leaves.length, amounts.length));
        owners = new address[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            Leaf storage leaf = _leaves[leaves[i]];
            address owner = leaf.owner;
            require(owner != address(0), StakingUnknownLeaf(leaves[i]));
            owners[i] = owner;
            if (amounts[i] != 0) _unlock(leaf, owner, amounts[i]);
        }
    }

    /// @inheritdoc ICorpusStaking
    function slash(
        address validator,
        uint256 amount,
        address beneficiary
    ) external onlyRole(SLASHER_ROLE) nonReentrant returns (uint256 slashed) {
        require(amount != 0, StakingZeroAmount());
        require(beneficiary != address(0), StakingZeroAddress());
        Validator memory v = _validators[validator];
        require(v.leaf != 0, StakingNotAValidator(validator));
        Leaf storage leaf = _leaves[v.leaf];
        uint256 locked = leaf.locked;

        // Safe: every amount taken is capped by what it is taken from.
        unchecked {
            // From staked stake, the locked part first, then the free part.
            uint256 fromStaked = amount < v.staked ? amount : v.staked;
            uint256 fromLocked = fromStaked < locked ? fromStaked : locked;
            if (fromLocked != 0) leaf.locked = uint96(locked - fromLocked);
            v.staked -= uint96(fromStaked);
            // Then from thawing stake: leaving does not escape a slash.
            uint256 left = amount - fromStaked;
            uint256 fromThawing = left < v.thawing ? left : v.thawing;
            v.thawing -= uint96(fromThawing);
            slashed = fromStaked + fromThawing;
        }
        if (slashed == 0) return 0;
        _validators[validator] = v;
        _syncWeight(validator, v.leaf, v.staked);

        uint256 reward = (slashed * _slashRewardBps) / _BPS;
        uint256 burned = slashed - reward;
        emit Slashed(validator, msg.sender, beneficiary, slashed, reward, burned);
        if (reward != 0) IERC20(address(TOKEN)).safeTransfer(beneficiary, reward);
        TOKEN.burn(burned);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusStaking
    function setMinimumStake(uint256 newMinimumStake) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinimumStake(newMinimumStake);
    }

    /// @inheritdoc ICorpusStaking
    function setUnbondingPeriod(uint256 newUnbondingPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setUnbondingPeriod(newUnbondingPeriod);
    }

    /// @inheritdoc ICorpusStaking
    function setSlashRewardShare(uint256 newRewardBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setSlashRewardShare(newRewardBps);
    }

    /// @inheritdoc ICorpusStaking
    function setRandomnessSource(IRandomnessSource newSource) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRandomnessSource(newSource);
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusStaking
    function stakeOf(
        address validator
    ) external view returns (uint256 staked, uint256 locked, uint256 thawing, uint256 thawEnd, bool active) {
        Validator memory v = _validators[validator];
        return (v.staked, _leaves[v.leaf].locked, v.thawing, v.thawing == 0 ? 0 : v.thawEnd, _weightFor(v.staked) != 0);
    }

    /// @inheritdoc ICorpusStaking
    function selectionWeight(address validator) external view returns (uint256) {
        return _tree.weightOf(_validators[validator].leaf);
    }

    /// @inheritdoc ICorpusStaking
    function leafOf(address validator) external view returns (uint256) {
        return _validators[validator].leaf;
    }

    /// @inheritdoc ICorpusStaking
    function leafOwner(uint256 leaf) external view returns (address) {
        return _leaves[leaf].owner;
    }

    /// @inheritdoc ICorpusStaking
    function totalSelectionWeight() external view returns (uint256) {
        return _tree.total;
    }

    /// @inheritdoc ICorpusStaking
    function validatorCount() external view returns (uint256) {
        return _tree.leafCount;
    }

    /// @inheritdoc ICorpusStaking
    function operatorUri(address validator) external view returns (string memory) {
        return _operatorUris[validator];
    }

    /// @inheritdoc ICorpusStaking
    function previewDraw(
        bytes32 seed,
        uint256 count,
        address[] calldata exclude,
        uint256 lockAmount
    ) external view returns (address[] memory validators) {
        (validators, ) = _draw(seed, count, exclude, lockAmount);
    }

    /// @inheritdoc ICorpusStaking
    function parameters()
        external
        view
        returns (uint256 minimumStake, uint256 unbondingPeriod, uint256 slashRewardBps, IRandomnessSource randomness)
    {
        return (_minimumStake, _unbondingPeriod, _slashRewardBps, _randomness);
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    /// @dev Releases up to `amount` of `leaf`'s lock: a slash may already have taken locked stake, so what
    /// is left of it is released, never more.
    function _unlock(Leaf storage leaf, address validator, uint256 amount) private returns (uint256 released) {
        uint256 locked = leaf.locked;
        released = amount < locked ? amount : locked;
        // Safe: released <= locked.
        unchecked {
            locked -= released;
        }
        leaf.locked = uint96(locked);
        emit StakeUnlocked(validator, msg.sender, released, locked);
    }

    function _stake(uint256 amount) private {
        require(amount != 0, StakingZeroAmount());
        Validator storage v = _validators[msg.sender];
        uint256 leaf = v.leaf;
        if (leaf == 0) {
            leaf = _tree.allocate();
            v.leaf = uint32(leaf);
            _leaves[leaf].owner = msg.sender;
        }
        uint256 staked = v.staked + amount;
        v.staked = staked.toUint96();
        _syncWeight(msg.sender, leaf, staked);
        emit Staked(msg.sender, amount, staked);
        IERC20(address(TOKEN)).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Seed requests are namespaced by locker, so two protocol contracts never share (or block) a seed.
    function _seedRequest(address locker, bytes32 request) private pure returns (bytes32) {
        return keccak256(abi.encode(locker, request));
    }

    /// @dev Brings `validator`'s leaf to the weight its `staked` stake earns now; announces (de)activation.
    function _syncWeight(address validator, uint256 leaf, uint256 staked) private {
        if (leaf == 0) return; // never staked: leaf 0 is reserved and must keep weighing 0
        uint256 oldWeight = _tree.weightOf(leaf);
        uint256 newWeight = _weightFor(staked);
        if (newWeight == oldWeight) return;
        _tree.set(leaf, newWeight);
        if ((oldWeight == 0) != (newWeight == 0)) emit ValidatorActivationChanged(validator, newWeight != 0);
    }

    function _weightFor(uint256 staked) private view returns (uint256) {
        return staked >= _minimumStake ? staked / _WEIGHT_UNIT : 0;
    }

    /// @dev Draws without replacement: each pick, and each excluded or ineligible validator met, is removed
    /// (in memory) from the rest of the draw, so the result is exact sampling proportional to weight among
    /// eligible validators. Eligibility is read from the tree weight and the leaf's lock alone (one slot per
    /// pick): the weight must reach the current minimum (a change of minimum leaves weights stale until
    /// {refresh}) and `weight * 1 CRP - locked` must cover `lockAmount`. Ineligible validators are skipped at
    /// most {MAX_DRAW_REJECTIONS} times. Returns the validators drawn and their leaves (for locking).
    function _draw(
        bytes32 seed,
        uint256 count,
        address[] calldata exclude,
        uint256 lockAmount
    ) private view returns (address[] memory drawn, uint256[] memory leaves) {
        require(count != 0 && count <= MAX_DRAW_SIZE, StakingInvalidDrawSize(count, MAX_DRAW_SIZE));
        (uint256[] memory removed, uint256 removedCount, uint256 removedWeight) = _exclusions(exclude, count);
        return _drawFrom(seed, count, lockAmount, removed, removedCount, _tree.total - removedWeight);
    }

    /// @dev The draw loop of {_draw}, once the excluded leaves are in `removed` and `remaining` is the weight
    /// left to draw from.
    function _drawFrom(
        bytes32 seed,
        uint256 count,
        uint256 lockAmount,
        uint256[] memory removed,
        uint256 removedCount,
        uint256 remaining
    ) private view returns (address[] memory drawn, uint256[] memory leaves) {
        drawn = new address[](count);
        leaves = new uint256[](count);
        uint256 found;
        uint256 attempt;
        uint256 minimumWeight = _minimumStake / _WEIGHT_UNIT;
        while (found < count) {
            require(remaining != 0, StakingNotEnoughEligibleValidators(count, found));
            uint256 leaf;
            uint256 weight;
            (leaf, weight, attempt) = _pick(seed, attempt, removed, removedCount, remaining);
            removed[removedCount++] = SortitionTree.removal(leaf, weight);
            remaining -= weight;
            address owner = _eligibleOwner(leaf, weight >= minimumWeight ? weight : 0, lockAmount);
            if (owner != address(0)) {
                drawn[found] = owner;
                leaves[found++] = leaf;
            } else {
                // `removed` has room for the exclusions, every pick and {MAX_DRAW_REJECTIONS} rejections: stop
                // rejecting while there is still room for the picks to come.
                require(removed.length - removedCount >= count - found, StakingTooManyIneligibleDrawn(count, found));
            }
        }
    }

    /// @dev One pick among the leaves not in `removed`, exactly proportional to weight. Fast path: draw over
    /// the whole tree and retry if the leaf is removed (cheap while removed leaves hold little weight, as
    /// with many validators); after {_FAST_TRIES} misses, draw over the remaining weight only, subtracting
    /// the removed leaves level by level. Both accept a leaf with probability proportional to its weight
    /// among the remaining ones, so mixing them does not bias the draw.
    function _pick(
        bytes32 seed,
        uint256 attempt,
        uint256[] memory removed,
        uint256 removedCount,
        uint256 remaining
    ) private view returns (uint256 leaf, uint256 weight, uint256 nextAttempt) {
        uint256 total = _tree.total;
        for (uint256 i; i < _FAST_TRIES; ++i) {
            (leaf, weight) = _tree.find(uint256(keccak256(abi.encode(seed, attempt++))) % total, removed, 0);
            if (!_isRemoved(removed, removedCount, leaf)) return (leaf, weight, attempt);
        }
        (leaf, weight) = _tree.find(uint256(keccak256(abi.encode(seed, attempt++))) % remaining, removed, removedCount);
        return (leaf, weight, attempt);
    }

    /// @dev The owner of a drawn leaf if its weight (0 when below the minimum) covers its locks and the
    /// draw's lock, else address(0).
    function _eligibleOwner(uint256 leaf, uint256 weight, uint256 lockAmount) private view returns (address) {
        Leaf storage picked = _leaves[leaf];
        return weight != 0 && weight * _WEIGHT_UNIT >= picked.locked + lockAmount ? picked.owner : address(0);
    }

    /// @dev The excluded addresses that hold weight, once each, in a list with room for the picks and
    /// rejections to come.
    function _exclusions(
        address[] calldata exclude,
        uint256 count
    ) private view returns (uint256[] memory removed, uint256 removedCount, uint256 removedWeight) {
        require(exclude.length <= MAX_EXCLUSIONS, StakingTooManyExclusions(exclude.length, MAX_EXCLUSIONS));
        removed = new uint256[](exclude.length + count + MAX_DRAW_REJECTIONS);
        for (uint256 i; i < exclude.length; ++i) {
            uint256 leaf = _validators[exclude[i]].leaf;
            // Leaf 0 (never staked) weighs 0, like an inactive validator: nothing to exclude.
            uint256 weight = _tree.weightOf(leaf);
            if (weight == 0 || _isRemoved(removed, removedCount, leaf)) continue;
            removed[removedCount++] = SortitionTree.removal(leaf, weight);
            removedWeight += weight;
        }
    }

    function _isRemoved(uint256[] memory removed, uint256 removedCount, uint256 leaf) private pure returns (bool) {
        for (uint256 i; i < removedCount; ++i) {
            if (removed[i] >> 32 == leaf) return true;
        }
        return false;
    }

    function _setMinimumStake(uint256 newMinimumStake) private {
        require(
            newMinimumStake >= MIN_MINIMUM_STAKE && newMinimumStake <= MAX_MINIMUM_STAKE,
            StakingMinimumStakeOutOfBounds(newMinimumStake, MIN_MINIMUM_STAKE, MAX_MINIMUM_STAKE)
        );
        require(newMinimumStake % _WEIGHT_UNIT == 0, StakingMinimumStakeNotWholeToken(newMinimumStake));
        emit MinimumStakeSet(_minimumStake, newMinimumStake);
        _minimumStake = uint96(newMinimumStake);
    }

    function _setUnbondingPeriod(uint256 newUnbondingPeriod) private {
        require(
            newUnbondingPeriod >= MIN_UNBONDING_PERIOD && newUnbondingPeriod <= MAX_UNBONDING_PERIOD,
            StakingUnbondingPeriodOutOfBounds(newUnbondingPeriod, MIN_UNBONDING_PERIOD, MAX_UNBONDING_PERIOD)
        );
        emit UnbondingPeriodSet(_unbondingPeriod, newUnbondingPeriod);
        _unbondingPeriod = uint32(newUnbondingPeriod);
    }

    function _setSlashRewardShare(uint256 newRewardBps) private {
        require(
            newRewardBps <= MAX_SLASH_REWARD_BPS,
            StakingSlashRewardOutOfBounds(newRewardBps, MAX_SLASH_REWARD_BPS)
        );
        emit SlashRewardShareSet(_slashRewardBps, newRewardBps);
        _slashRewardBps = uint16(newRewardBps);
    }

    function _setRandomnessSource(IRandomnessSource newSource) private {
        require(address(newSource).code.length != 0, StakingInvalidRandomnessSource(address(newSource)));
        emit RandomnessSourceSet(address(_randomness), address(newSource));
        _randomness = newSource;
    }
}
