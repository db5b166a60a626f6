// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlockingToken
/// @notice Test-only token with a blocklist (as USDC and USDT have): transfers to a blocked address revert.
contract BlockingToken is ERC20 {
    /// @notice The recipient is blocked.
    error Blocked(address account);

    /// @notice Whether an address is blocked.
    mapping(address account => bool) public blocked;

    /// @notice Mints `supply` to the deployer.
    /// @param supply Initial supply.
    constructor(uint256 supply) ERC20("Blocking", "BLK") {
        _mint(msg.sender, supply);
    }

    /// @notice Blocks or unblocks `account`.
    /// @param account The address.
    /// @param isBlocked Whether transfers to it revert.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}
