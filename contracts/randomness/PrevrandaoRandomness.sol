// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title PrevrandaoRandomness
/// @notice The default randomness source: the beacon chain's RANDAO value of the block, mixed with the
/// request and the caller so that draws in one block differ.
/// @dev What a block proposer can bias: it knows `block.prevrandao` of its own block before publishing it,
/// so it can see which validators a draw in that block would pick and choose to include the transaction
/// or not (or, at the cost of its block reward, withhold the block to re-roll the next value). It cannot
/// pick arbitrary validators, only choose among the few outcomes its slots give it. See audits/ for why
/// slashing makes that small edge unprofitable; governance can switch to a VRF-backed source.
contract PrevrandaoRandomness is IRandomnessSource {
    /// @inheritdoc IRandomnessSource
    function randomSeed(bytes32 request) external view returns (bytes32) {
        return keccak256(abi.encode(block.prevrandao, block.number, msg.sender, request));
    }
}
