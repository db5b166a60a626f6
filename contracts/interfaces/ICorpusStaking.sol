// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICorpusToken} from "./ICorpusToken.sol";
import {IRandomnessSource} from "./IRandomnessSource.sol";

/// @title ICorpusStaking
/// @notice Validators and jurors stake CRP here. Stake buys a chance, proportional to its size, of being
/// drawn to review work or judge a dispute, and it is what a dishonest or absent reviewer loses.
///
/// A validator's CRP is in one of three states:
/// - **staked**: counts for selection while at least the minimum stake; part of it may be **locked** by
///   protocol contracts while the validator has an open assignment or jury duty (locked stake cannot thaw);
/// - **thawing**: on its way out, withdrawable when the unbonding period has passed; it no longer counts for
///   selection but can still be slashed, so leaving never escapes a slash for something done while staked.
///
/// A second `thaw` adds to the thawing amount and restarts the unbonding period for the whole of it; the end
/// never moves earlier, even if governance shortened the period in between. Withdraw a matured thaw first to avoid delaying it. Only the validator can thaw its
/// own stake: no one else can delay or grow its unbonding.
interface ICorpusStaking {
    // ─── Errors ─────────────────────────────────────────────────────────────

    /// @notice An amount that must be positive was zero.
    error StakingZeroAmount();
    /// @notice An address that must be set was zero.
    error StakingZeroAddress();
    /// @notice `thaw` asked for more than the validator's staked stake that is not locked.
    error StakingInsufficientUnlockedStake(address validator, uint256 unlocked, uint256 needed);
    /// @notice `withdraw` with nothing thawing.
    error StakingNothingThawing(address validator);
    /// @notice `withdraw` before the unbonding period of the thaw has passed.
    error StakingThawNotMature(address validator, uint256 thawEnd, uint256 currentTime);
    /// @notice An operator URI that is empty or longer than {MAX_URI_LENGTH} bytes.
    error StakingInvalidOperatorUri(uint256 length, uint256 maxLength);
    /// @notice A draw of zero validators or of more than {MAX_DRAW_SIZE}.
    error StakingInvalidDrawSize(uint256 count, uint256 maxCount);
    /// @notice A draw excluding more than {MAX_EXCLUSIONS} addresses.
    error StakingTooManyExclusions(uint256 count, uint256 maxCount);
    /// @notice Fewer eligible validators (active, not excluded, with enough unlocked stake) than the draw needs.
    error StakingNotEnoughEligibleValidators(uint256 wanted, uint256 found);
    /// @notice The draw met more ineligible validators (stale weight, too little unlocked stake) than it may skip
    /// ({MAX_DRAW_REJECTIONS}) before finding `wanted`; eligible ones may remain, so retry with another request.
    error StakingTooManyIneligibleDrawn(uint256 wanted, uint256 found);
    /// @notice A refresh of more than {MAX_REFRESH_BATCH} validators.
    error StakingRefreshBatchTooLarge(uint256 count, uint256 maxCount);
    /// @notice A lock on an address that has no stake.
    error StakingNotAValidator(address account);
    /// @notice No validator holds this leaf.
    error StakingUnknownLeaf(uint256 leaf);
    /// @notice Two arrays that must be as long as each other are not.
    error StakingLengthMismatch(uint256 first, uint256 second);
    /// @notice A minimum stake outside [{MIN_MINIMUM_STAKE}, {MAX_MINIMUM_STAKE}].
    error StakingMinimumStakeOutOfBounds(uint256 minimumStake, uint256 min, uint256 max);
    /// @notice A minimum stake that is not a whole number of CRP (selection weighs stake in whole CRP).
    error StakingMinimumStakeNotWholeToken(uint256 minimumStake);
    /// @notice An unbonding period outside [{MIN_UNBONDING_PERIOD}, {MAX_UNBONDING_PERIOD}].
    error StakingUnbondingPeriodOutOfBounds(uint256 unbondingPeriod, uint256 min, uint256 max);
    /// @notice A slash reward share above {MAX_SLASH_REWARD_BPS}.
    error StakingSlashRewardOutOfBounds(uint256 rewardBps, uint256 max);
    /// @notice A randomness source that is not a contract.
    error StakingInvalidRandomnessSource(address source);

    // ─── Events ─────────────────────────────────────────────────────────────

    /// @notice `validator` added `amount` to its stake, which is now `staked`.
    /// @param validator The staker.
    /// @param amount CRP added, in wei.
    /// @param staked The validator's staked amount after the call (locked included, thawing excluded).
    event Staked(address indexed validator, uint256 amount, uint256 staked);
    /// @notice `validator` moved `amount` of its stake to thawing; everything thawing matures at `thawEnd`.
    /// @param validator The staker.
    /// @param amount CRP moved to thawing by this call.
    /// @param thawing The total now thawing.
    /// @param thawEnd When the total becomes withdrawable (unix seconds).
    event ThawStarted(address indexed validator, uint256 amount, uint256 thawing, uint256 thawEnd);
    /// @notice `validator` withdrew `amount` of matured thawing stake.
    /// @param validator The staker, who received the tokens.
    /// @param amount CRP withdrawn.
    event Withdrawn(address indexed validator, uint256 amount);
    /// @notice `validator` set the URI where its operator endpoint and metadata are described.
    /// @param validator The staker.
    /// @param uri The new URI.
    event OperatorRegistered(address indexed validator, string uri);
    /// @notice `validator` became eligible for selection (`active`) or stopped being eligible.
    /// @param validator The staker.
    /// @param active Whether its stake now counts for selection.
    event ValidatorActivationChanged(address indexed validator, bool active);
    /// @notice A protocol contract locked part of `validator`'s stake for an assignment.
    /// @param validator The staker.
    /// @param locker The protocol contract.
    /// @param amount CRP locked by this call.
    /// @param locked The validator's total locked stake after the call.
    event StakeLocked(address indexed validator, address indexed locker, uint256 amount, uint256 locked);
    /// @notice A protocol contract drew `validators` for `request` and locked `lockAmount` of each one's stake.
    /// @param request The draw's request id (a submission or dispute round).
    /// @param locker The protocol contract.
    /// @param lockAmount CRP locked per validator.
    /// @param validators The validators drawn, in draw order.
    event ValidatorsDrawn(bytes32 indexed request, address indexed locker, uint256 lockAmount, address[] validators);
    /// @notice A protocol contract released part of `validator`'s locked stake.
    /// @param validator The staker.
    /// @param locker The protocol contract.
    /// @param amount CRP released (never more than was locked).
    /// @param locked The validator's total locked stake after the call.
    event StakeUnlocked(address indexed validator, address indexed locker, uint256 amount, uint256 locked);
    /// @notice `validator` lost `amount`: `reward` went to `beneficiary` and `burned` was burnt.
    /// @param validator The slashed staker.
    /// @param slasher The protocol contract that slashed.
    /// @param beneficiary Who received the reward share.
    /// @param amount CRP taken in all (`reward + burned`), from locked, then free, then thawing stake.
    /// @param reward The beneficiary's share.
    /// @param burned The rest, burnt.
    event Slashed(
        address indexed validator,
        address indexed slasher,
        address indexed beneficiary,
        uint256 amount,
        uint256 reward,
        uint256 burned
    );
    /// @notice Governance changed the minimum stake to be active.
    /// @param oldMinimumStake Previous value, in wei.
    /// @param newMinimumStake New value, in wei.
    event MinimumStakeSet(uint256 oldMinimumStake, uint256 newMinimumStake);
    /// @notice Governance changed the unbonding period (thaws already started keep their end).
    /// @param oldUnbondingPeriod Previous value, in seconds.
    /// @param newUnbondingPeriod New value, in seconds.
    event UnbondingPeriodSet(uint256 oldUnbondingPeriod, uint256 newUnbondingPeriod);
    /// @notice Governance changed the share of a slash paid to its beneficiary.
    /// @param oldRewardBps Previous value, in basis points.
    /// @param newRewardBps New value, in basis points.
    event SlashRewardShareSet(uint256 oldRewardBps, uint256 newRewardBps);
    /// @notice Governance changed where draw seeds come from (requests made to the old source must be made
    /// again).
    /// @param oldSource Previous source.
    /// @param newSource New source.
    event RandomnessSourceSet(address oldSource, address newSource);

    // ─── Validators ─────────────────────────────────────────────────────────

    /// @notice Stakes `amount` CRP (approved beforehand) for the caller.
    /// @param amount CRP in wei; positive.
    function stake(uint256 amount) external;

    /// @notice Stakes with an EIP-2612 permit instead of an approval. A permit that was front-run (already
    /// used) is ignored as long as the allowance is there, so the stake still succeeds.
    /// @param amount CRP in wei; positive.
    /// @param deadline Permit deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Moves `amount` of the caller's unlocked stake to thawing, restarting the unbonding period for
    /// everything thawing.
    /// @param amount CRP in wei; positive and at most staked minus locked.
    function thaw(uint256 amount) external;

    /// @notice Sends the caller everything thawing once its unbonding period has passed; works while paused.
    function withdraw() external;

    /// @notice Sets (or changes) the caller's operator endpoint / metadata URI.
    /// @param uri Non-empty, at most {MAX_URI_LENGTH} bytes.
    function register(string calldata uri) external;

    /// @notice Re-evaluates `validators` against the current minimum stake. A change of the minimum cannot
    /// loop over every validator, so weights stay as they were until each validator's stake changes or this
    /// is called (a proposal that changes the minimum should refresh the validators it affects; draws skip
    /// validators below the current minimum meanwhile). Anyone may call it; it only updates weights.
    /// @param validators Any addresses; at most {MAX_REFRESH_BATCH}.
    function refresh(address[] calldata validators) external;

    // ─── Protocol contracts ─────────────────────────────────────────────────

    /// @notice Asks the randomness source for the seed of a future draw. The seed exists only from a later
    /// block on, so whoever triggers the draw commits to it before anyone can know the panel. Only LOCKER_ROLE.
    /// @param request A value unique to this draw for the caller (e.g. a submission or dispute round id).
    /// @return readyBlock The first block in which {drawAndLock} can use the seed.
    function requestDraw(bytes32 request) external returns (uint256 readyBlock);

    /// @notice Draws `count` distinct eligible validators with probability proportional to stake and locks
    /// `lockAmount` of each one's stake, with the seed of the caller's earlier {requestDraw} of `request`
    /// (reverts with the source's error until it is ready, or once it expired). Only LOCKER_ROLE (the task
    /// registry, dispute resolution).
    /// @param request The request id given to {requestDraw}.
    /// @param count How many validators; 1 to {MAX_DRAW_SIZE}.
    /// @param exclude Addresses that must not be drawn (the parties); at most {MAX_EXCLUSIONS}.
    /// @param lockAmount Stake each drawn validator must have unlocked, and gets locked.
    /// @return validators The validators drawn, in draw order.
    /// @return leaves Their sum-tree leaves, in the same order (a validator's leaf never changes; a caller
    /// may keep leaves, eight to a slot, instead of addresses, and release them with {unlockLeaves}).
    function drawAndLock(
        bytes32 request,
        uint256 count,
        address[] calldata exclude,
        uint256 lockAmount
    ) external returns (address[] memory validators, uint256[] memory leaves);

    /// @notice Locks `amount` of `validator`'s unlocked stake. Only LOCKER_ROLE.
    /// @param validator A staker with at least `amount` unlocked.
    /// @param amount CRP in wei.
    function lock(address validator, uint256 amount) external;

    /// @notice Releases up to `amount` of `validator`'s locked stake (less if a slash already took it).
    /// Only LOCKER_ROLE.
    /// @param validator The staker.
    /// @param amount CRP in wei.
    /// @return released What was actually released.
    function unlock(address validator, uint256 amount) external returns (uint256 released);

    /// @notice Releases up to `amounts[i]` of the locked stake of the validator at `leaves[i]`, for each i
    /// (less where a slash already took it). Only LOCKER_ROLE.
    /// @param leaves Validators' leaves, as {drawAndLock} returned them.
    /// @param amounts CRP in wei, one per leaf (0 releases nothing).
    /// @return owners The validator at each leaf.
    function unlockLeaves(
        uint256[] calldata leaves,
        uint256[] calldata amounts
    ) external returns (address[] memory owners);

    /// @notice Slashes up to `amount` of `validator`'s stake, from locked, then free, then thawing stake;
    /// pays the governed share to `beneficiary` and burns the rest. Only SLASHER_ROLE. A validator with
    /// nothing left to take is slashed 0 without reverting, so a ruling or finalization never blocks on it.
    /// @param validator The staker.
    /// @param amount CRP in wei; capped at what the validator has.
    /// @param beneficiary Receives the reward share.
    /// @return slashed What was actually taken.
    function slash(address validator, uint256 amount, address beneficiary) external returns (uint256 slashed);

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the minimum stake to be active. Timelock only; bounded.
    /// @param newMinimumStake In wei.
    function setMinimumStake(uint256 newMinimumStake) external;

    /// @notice Sets the unbonding period for new thaws. Timelock only; bounded.
    /// @param newUnbondingPeriod In seconds.
    function setUnbondingPeriod(uint256 newUnbondingPeriod) external;

    /// @notice Sets the share of each slash paid to its beneficiary. Timelock only; bounded.
    /// @param newRewardBps In basis points.
    function setSlashRewardShare(uint256 newRewardBps) external;

    /// @notice Switches the randomness source for draws. Timelock only.
    /// @param newSource A contract implementing {IRandomnessSource}.
    function setRandomnessSource(IRandomnessSource newSource) external;

    // ─── Views ──────────────────────────────────────────────────────────────

    // solhint-disable-next-line func-name-mixedcase
    /// @notice The staked token (CRP).
    /// @return token CRP.
    function TOKEN() external view returns (ICorpusToken token);

    /// @notice Everything about one validator's stake.
    /// @param validator Any address.
    /// @return staked Staked stake (locked included, thawing excluded).
    /// @return locked Locked by protocol contracts.
    /// @return thawing On its way out.
    /// @return thawEnd When `thawing` becomes withdrawable (0 if nothing thaws).
    /// @return active Whether `staked` meets the minimum stake.
    function stakeOf(
        address validator
    ) external view returns (uint256 staked, uint256 locked, uint256 thawing, uint256 thawEnd, bool active);

    /// @notice The validator's weight in draws (whole CRP staked while active, else 0), as the tree holds it.
    /// Eligibility in a draw is judged on this weight: a validator is drawn only if its weight reaches the
    /// minimum stake and `weight * 1 CRP - locked` covers the lock, so fractions of a CRP never count.
    /// @param validator Any address.
    /// @return weight Its selection weight.
    function selectionWeight(address validator) external view returns (uint256 weight);

    /// @notice The sum-tree leaf of `validator` (0 if it never staked); it never changes.
    /// @param validator Any address.
    /// @return leaf Its leaf.
    function leafOf(address validator) external view returns (uint256 leaf);

    /// @notice The validator at `leaf` (zero for a leaf not allocated).
    /// @param leaf A leaf.
    /// @return validator Its owner.
    function leafOwner(uint256 leaf) external view returns (address validator);

    /// @notice The sum of every validator's selection weight.
    /// @return total The sum tree's total.
    function totalSelectionWeight() external view returns (uint256 total);

    /// @notice How many addresses have ever staked (the leaves of the sum tree).
    /// @return count The number of validators.
    function validatorCount() external view returns (uint256 count);

    /// @notice The operator URI `validator` registered.
    /// @param validator Any address.
    /// @return uri The URI, empty if none.
    function operatorUri(address validator) external view returns (string memory uri);

    /// @notice The draw {drawAndLock} would make with seed `seed`, without locking anything.
    /// @param seed The random seed (in {drawAndLock}, the randomness source's answer for the request).
    /// @param count How many validators.
    /// @param exclude Addresses that must not be drawn.
    /// @param lockAmount Unlocked stake a validator needs to be eligible.
    /// @return validators The validators that would be drawn.
    function previewDraw(
        bytes32 seed,
        uint256 count,
        address[] calldata exclude,
        uint256 lockAmount
    ) external view returns (address[] memory validators);

    /// @notice Current parameters.
    /// @return minimumStake Minimum stake to be active, in wei.
    /// @return unbondingPeriod Seconds a thaw takes.
    /// @return slashRewardBps Beneficiary share of a slash, in basis points.
    /// @return randomness The randomness source.
    function parameters()
        external
        view
        returns (uint256 minimumStake, uint256 unbondingPeriod, uint256 slashRewardBps, IRandomnessSource randomness);
}
