// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";
import {StakerAgent} from "./StakerAgent.sol";

/// @title BulkStaker
/// @notice Test-only: creates `count` {StakerAgent}s, each staking a different amount from this contract's
/// balance (`base + (i * 7919 % spread)` whole tokens, so stakes differ).
contract BulkStaker {
    /// @notice Every agent created, in order.
    address[] public agents;

    /// @notice Creates and stakes `count` agents.
    /// @param token The staked token (this contract must hold enough).
    /// @param staking The staking contract.
    /// @param count How many agents.
    /// @param base Smallest stake, in wei.
    /// @param spread Stakes vary by up to `spread - 1` whole tokens above `base`.
    function stakeMany(IERC20 token, ICorpusStaking staking, uint256 count, uint256 base, uint256 spread) external {
        uint256 first = agents.length;
        for (uint256 i = first; i < first + count; ++i) {
            StakerAgent agent = new StakerAgent();
            uint256 amount = base + ((i * 7919) % spread) * 1e18;
            token.transfer(address(agent), amount);
            agent.stake(token, staking, amount);
            agents.push(address(agent));
        }
    }

    /// @notice How many agents exist.
    /// @return The count.
    function agentCount() external view returns (uint256) {
        return agents.length;
    }
}
