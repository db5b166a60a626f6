// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only token that burns 1% of every transfer, so recipients receive less than was sent.
contract FeeOnTransferToken is ERC20 {
    /// @notice Mints `supply` to the deployer.
    /// @param supply Initial supply.
    constructor(uint256 supply) ERC20("Fee On Transfer", "FOT") {
        _mint(msg.sender, supply);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
