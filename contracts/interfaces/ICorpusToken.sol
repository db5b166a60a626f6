// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title ICorpusToken
/// @notice The Corpus reward token (CRP): pays for data work, secures review by staking and governs the protocol.
interface ICorpusToken is IERC20, IERC20Permit, IVotes {
    /// @notice The constructor's initial allocation lists differ in length.
    error CorpusTokenAllocationLengthMismatch(uint256 recipients, uint256 amounts);

    /// @notice An address that must be set (the admin) was zero.
    error CorpusTokenZeroAddress();

    /// @notice Mints `amount` new tokens to `to`; only holders of {MINTER_ROLE}, never beyond {cap}.
    /// @param to The recipient of the new tokens.
    /// @param amount The amount to mint, in wei.
    function mint(address to, uint256 amount) external;

    /// @notice Destroys `amount` of the caller's tokens (slashing burns through this path).
    /// @param amount The amount to burn, in wei.
    function burn(uint256 amount) external;

    /// @notice The hard cap on total supply: 1,000,000,000 CRP.
    function cap() external view returns (uint256);
}
