// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title FixedRandomness
/// @notice Test-only randomness source: always ready, answering a settable seed mixed with the request, so
/// draws reproduce. (It skips the delay that real sources impose on purpose.)
contract FixedRandomness is IRandomnessSource {
    /// @notice The seed mixed into every answer.
    bytes32 public seed;

    /// @notice Sets the seed.
    /// @param newSeed The new seed.
    function setSeed(bytes32 newSeed) external {
        seed = newSeed;
    }

    /// @inheritdoc IRandomnessSource
    function requestSeed(bytes32 request) external returns (uint256 readyBlock) {
        emit RandomnessRequested(msg.sender, request, block.number);
        return block.number;
    }

    /// @inheritdoc IRandomnessSource
    function seedOf(address, bytes32 request) external view returns (bytes32) {
        return keccak256(abi.encode(seed, request));
    }
}
