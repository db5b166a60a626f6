// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CorpusStaking} from "../../contracts/staking/CorpusStaking.sol";
import {CorpusToken} from "../../contracts/token/CorpusToken.sol";
import {ICorpusToken} from "../../contracts/interfaces/ICorpusToken.sol";
import {IRandomnessSource} from "../../contracts/interfaces/IRandomnessSource.sol";
import {FixedRandomness} from "../../contracts/test/FixedRandomness.sol";
import {VM_ADDRESS, Vm} from "./Vm.sol";

Vm constant vm = Vm(VM_ADDRESS);

/// @notice Drives staking with random stakes, thaws, withdrawals, locks, unlocks, slashes, draws and time
/// warps by a fixed set of validators. It deploys the token and staking itself, as their governance, so it
/// is the only contract forge calls; it counts what each action did so a run shows what it reached.
contract StakingHandler {
    uint256 internal constant VALIDATORS = 6;
    uint256 internal constant MIN_STAKE = 10_000e18;
    uint256 internal constant FUNDING = 1_000_000e18;

    CorpusToken public immutable token;
    CorpusStaking public immutable staking;
    address[VALIDATORS] public validators;
    /// @notice CRP burnt by slashes and paid as their reward share, as the staking events would total them.
    uint256 public slashedTotal;
    uint256 public minted;
    mapping(bytes32 action => uint256) public calls;

    constructor() {
        token = new CorpusToken(address(this), 0, new address[](0), new uint256[](0));
        FixedRandomness randomness = new FixedRandomness();
        staking = new CorpusStaking(
            ICorpusToken(address(token)),
            address(this),
            address(0),
            IRandomnessSource(address(randomness)),
            MIN_STAKE,
            7 days,
            2_500,
            address(0)
        );
        staking.grantRole(staking.LOCKER_ROLE(), address(this));
        staking.grantRole(staking.SLASHER_ROLE(), address(this));
        for (uint256 i; i < VALIDATORS; ++i) {
            address v = address(uint160(0x1000 + i));
            validators[i] = v;
            token.mint(v, FUNDING);
            minted += FUNDING;
            vm.prank(v);
            token.approve(address(staking), type(uint256).max);
        }
    }

    function stake(uint256 who, uint256 amount) external {
        address v = validators[who % VALIDATORS];
        amount = 1 + (amount % (token.balanceOf(v) + 1));
        if (amount > token.balanceOf(v)) return;
        vm.prank(v);
        staking.stake(amount);
        ++calls["stake"];
    }

    function thaw(uint256 who, uint256 amount) external {
        address v = validators[who % VALIDATORS];
        (uint256 staked, uint256 locked, , , ) = staking.stakeOf(v);
        if (staked == locked) return;
        vm.prank(v);
        staking.thaw(1 + (amount % (staked - locked)));
        ++calls["thaw"];
    }

    function withdraw(uint256 who) external {
        address v = validators[who % VALIDATORS];
        (, , uint256 thawing, uint256 thawEnd, ) = staking.stakeOf(v);
        if (thawing == 0 || block.timestamp < thawEnd) return;
        vm.prank(v);
        staking.withdraw();
        ++calls["withdraw"];
    }

    function lock(uint256 who, uint256 amount) external {
        address v = validators[who % VALIDATORS];
        (uint256 staked, uint256 locked, , , ) = staking.stakeOf(v);
        if (staked == locked) return;
        staking.lock(v, 1 + (amount % (staked - locked)));
        ++calls["lock"];
    }

    function unlock(uint256 who, uint256 amount, bool byLeaf) external {
        address v = validators[who % VALIDATORS];
        (, uint256 locked, , , ) = staking.stakeOf(v);
        if (locked == 0) return;
        // Sometimes more than the lock: the release is clamped.
        amount = 1 + (amount % (locked + locked / 2 + 1));
        if (byLeaf) {
            uint256[] memory leaves = new uint256[](1);
            uint256[] memory amounts = new uint256[](1);
            leaves[0] = staking.leafOf(v);
            amounts[0] = amount;
            staking.unlockLeaves(leaves, amounts);
        } else {
            staking.unlock(v, amount);
        }
        ++calls["unlock"];
    }

    function slash(uint256 who, uint256 amount) external {
        address v = validators[who % VALIDATORS];
        (uint256 staked, , uint256 thawing, , ) = staking.stakeOf(v);
        if (staked + thawing == 0) return;
        slashedTotal += staking.slash(v, 1 + (amount % (staked + thawing + 1e18)), address(this));
        ++calls["slash"];
    }

    function draw(uint256 request, uint256 count, uint256 lockAmount) external {
        bytes32 key = bytes32(request);
        staking.requestDraw(key);
        count = 1 + (count % 3);
        lockAmount = lockAmount % 2_000e18;
        try staking.drawAndLock(key, count, new address[](0), lockAmount) returns (
            address[] memory drawn,
            uint256[] memory
        ) {
            ++calls["draw"];
            // Every validator drawn is distinct and was eligible for the lock.
            for (uint256 i; i < drawn.length; ++i) {
                for (uint256 j; j < i; ++j) require(drawn[i] != drawn[j], "a validator was drawn twice");
            }
        } catch {
            ++calls["drawRefused"];
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % 8 days));
        ++calls["warp"];
    }

    function validatorCount() external pure returns (uint256) {
        return VALIDATORS;
    }
}

/// @notice Staking's promises after every random action: the contract holds exactly the stake and thaws it
/// owes, every validator's lock stays within its stake, the sum tree's total equals the weights of its
/// leaves, and each weight is the validator's whole-CRP stake exactly when it meets the minimum.
contract StakingInvariantsTest {
    StakingHandler internal handler;

    function setUp() public {
        handler = new StakingHandler();
    }

    /// @notice The contracts forge calls at random: only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_stakingHoldsExactlyWhatItOwes() public view {
        CorpusStaking staking = handler.staking();
        uint256 owed;
        for (uint256 i; i < handler.validatorCount(); ++i) {
            (uint256 staked, , uint256 thawing, , ) = staking.stakeOf(handler.validators(i));
            owed += staked + thawing;
        }
        require(handler.token().balanceOf(address(staking)) == owed, "staking's CRP differs from what it owes");
    }

    function invariant_everyCrpIsAccountedFor() public view {
        CorpusToken token = handler.token();
        uint256 held = token.balanceOf(address(handler.staking())) + token.balanceOf(address(handler));
        for (uint256 i; i < handler.validatorCount(); ++i) held += token.balanceOf(handler.validators(i));
        // What slashes burnt left the supply; what they paid as reward is in the handler's balance.
        require(held == token.totalSupply(), "CRP appeared or vanished");
        require(token.totalSupply() <= handler.minted(), "supply grew");
    }

    function invariant_locksNeverExceedStake() public view {
        CorpusStaking staking = handler.staking();
        for (uint256 i; i < handler.validatorCount(); ++i) {
            (uint256 staked, uint256 locked, , , ) = staking.stakeOf(handler.validators(i));
            require(locked <= staked, "a lock exceeds its stake");
        }
    }

    function invariant_treeTotalIsTheSumOfActiveWholeCrpStakes() public view {
        CorpusStaking staking = handler.staking();
        (uint256 minimumStake, , , ) = staking.parameters();
        uint256 total;
        for (uint256 i; i < handler.validatorCount(); ++i) {
            address v = handler.validators(i);
            (uint256 staked, , , , bool active) = staking.stakeOf(v);
            uint256 weight = staking.selectionWeight(v);
            require(active == (staked >= minimumStake), "activity disagrees with the minimum stake");
            require(weight == (active ? staked / 1e18 : 0), "a weight is not the whole-CRP active stake");
            total += weight;
        }
        require(staking.totalSelectionWeight() == total, "the tree's total is not the sum of its weights");
    }
}
