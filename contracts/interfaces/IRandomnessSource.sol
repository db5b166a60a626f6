// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRandomnessSource
/// @notice Where Corpus gets the seeds for drawing review panels and juries. Governance can swap the
/// source (for a VRF-backed one) without touching the contracts that draw.
/// @dev Two steps, so that no one can know a seed before committing to what it decides: a requester first
/// records a request, and the seed only exists from a later block on (a future block hash, or an oracle's
/// answer). A seed the beneficiary of a draw could read before acting would let it retry until it liked the
/// panel (see audits/randomness.md). Requests are namespaced by requester.
interface IRandomnessSource {
    /// @notice `request` by `requester` was already recorded and has not expired.
    error RandomnessAlreadyRequested(address requester, bytes32 request);
    /// @notice No seed was requested for `request` by `requester`.
    error RandomnessNotRequested(address requester, bytes32 request);
    /// @notice The seed does not exist yet: ask again from block `readyBlock` on.
    error RandomnessNotReady(address requester, bytes32 request, uint256 readyBlock);
    /// @notice The seed can no longer be derived (its block is out of reach); request it again.
    error RandomnessExpired(address requester, bytes32 request, uint256 readyBlock);

    /// @notice `requester` asked for a seed for `request`, available from `readyBlock` on.
    /// @param requester The contract that asked.
    /// @param request Its request id.
    /// @param readyBlock The first block in which {seedOf} answers.
    event RandomnessRequested(address indexed requester, bytes32 indexed request, uint256 readyBlock);

    /// @notice Records a request by the caller; its seed becomes available later. Requesting again is
    /// refused until the earlier request has expired, so a requester cannot re-roll a seed it dislikes.
    /// @param request Identifies the draw for the caller (e.g. a submission id).
    /// @return readyBlock The first block in which {seedOf} answers.
    function requestSeed(bytes32 request) external returns (uint256 readyBlock);

    /// @notice The seed of `requester`'s `request`; reverts until it exists, and after it expired.
    /// @param requester Who requested it.
    /// @param request The request id.
    /// @return seed 32 random bytes.
    function seedOf(address requester, bytes32 request) external view returns (bytes32 seed);
}
