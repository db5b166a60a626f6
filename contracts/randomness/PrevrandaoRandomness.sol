// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title PrevrandaoRandomness
/// @notice The default randomness source: a request made in block N is answered with the hash of block N+1
/// (whose header carries that block's RANDAO mix, `prevrandao`), mixed with the requester and the request.
/// No one knows that hash when the request is made, so the party that triggers a draw cannot see its panel
/// before committing to it.
/// @dev What remains biasable: whoever builds block N+1 (its proposer, or the builder it buys the block
/// from) chooses that block's contents, fee recipient and extra data, so it can grind through as many
/// candidate hashes as it can compute and publish the one whose draw it prefers. Slashing and disputes
/// price that in (audits/economics.md); chains with a single sequencer need a VRF-backed source. The
/// EVM only serves the last 256 block hashes, so a seed not used within 256 blocks of its block expires and
/// must be requested again. See audits/randomness.md; governance can switch to a VRF-backed source.
contract PrevrandaoRandomness is IRandomnessSource {
    /// @notice Blocks a seed stays derivable for after its block (the reach of BLOCKHASH).
    uint256 public constant SEED_LIFETIME = 256;

    mapping(address requester => mapping(bytes32 request => uint256 seedBlock)) private _seedBlocks;

    /// @inheritdoc IRandomnessSource
    function requestSeed(bytes32 request) external returns (uint256 readyBlock) {
        uint256 seedBlock = _seedBlocks[msg.sender][request];
        require(
            seedBlock == 0 || block.number > seedBlock + SEED_LIFETIME,
            RandomnessAlreadyRequested(msg.sender, request)
        );
        seedBlock = block.number + 1;
        _seedBlocks[msg.sender][request] = seedBlock;
        readyBlock = seedBlock + 1;
        emit RandomnessRequested(msg.sender, request, readyBlock);
    }

    /// @inheritdoc IRandomnessSource
    function seedOf(address requester, bytes32 request) external view returns (bytes32) {
        uint256 seedBlock = _seedBlocks[requester][request];
        require(seedBlock != 0, RandomnessNotRequested(requester, request));
        require(block.number > seedBlock, RandomnessNotReady(requester, request, seedBlock + 1));
        require(block.number <= seedBlock + SEED_LIFETIME, RandomnessExpired(requester, request, seedBlock + 1));
        return keccak256(abi.encode(blockhash(seedBlock), requester, request));
    }
}
