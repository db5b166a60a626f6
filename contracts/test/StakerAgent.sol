// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";

/// @title StakerAgent
/// @notice Test-only validator: a contract that stakes what it is sent, so benchmarks and tests can fill the
/// sum tree with thousands of validators in a few transactions.
contract StakerAgent {
    /// @notice Approves and stakes `amount` of `token` it holds.
    /// @param token The staked token.
    /// @param staking The staking contract.
    /// @param amount How much to stake.
    function stake(IERC20 token, ICorpusStaking staking, uint256 amount) external {
        token.approve(address(staking), amount);
        staking.stake(amount);
    }
}
