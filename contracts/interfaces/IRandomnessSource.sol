// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRandomnessSource
/// @notice Where Corpus gets the seeds for drawing review panels and juries. Governance can swap the
/// source (for a VRF-backed one) without touching the contracts that draw.
/// @dev A source answers synchronously. An asynchronous oracle (a VRF) fits behind this interface by
/// answering from randomness it was delivered earlier (per block or epoch), mixed with `request`.
interface IRandomnessSource {
    /// @notice A seed for `request` (a value unique to what is being drawn, e.g. a submission id).
    /// @param request Identifies the draw; different requests in one block get different seeds.
    /// @return seed 32 random bytes.
    function randomSeed(bytes32 request) external view returns (bytes32 seed);
}
