// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test-only attacker: an ERC-20 whose every balance change calls back into a target once, as a token
/// with transfer hooks (ERC-777 style) could, and records how that reentrant call ended.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _payload;
    /// @notice Whether the last reentrant call reverted.
    bool public lastReentryReverted;
    /// @notice The revert data of the last reentrant call.
    bytes public lastReentryRevertData;

    /// @notice Mints `supply` to the deployer.
    /// @param supply Initial supply.
    constructor(uint256 supply) ERC20("Reentrant", "REE") {
        _mint(msg.sender, supply);
    }

    /// @notice Arms the hook: the next balance change calls `target` with `payload`.
    /// @param target The contract to reenter.
    /// @param payload The calldata.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    /// @notice Burns the caller's tokens (what a slash does with CRP).
    /// @param amount The amount.
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = target.call(_payload);
            lastReentryReverted = !ok;
            lastReentryRevertData = data;
        }
    }
}
