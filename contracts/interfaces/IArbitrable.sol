// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrator} from "./IArbitrator.sol";

/// @title IArbitrable
/// @notice A contract whose disputes an {IArbitrator} settles (in the spirit of ERC-792).
interface IArbitrable {
    /// @notice `arbitrator` gave its final ruling on `disputeId`.
    /// @param arbitrator The arbitrator.
    /// @param disputeId Its dispute id.
    /// @param ruling 0 (no ruling) or one of the choices.
    event Ruling(IArbitrator indexed arbitrator, uint256 indexed disputeId, uint256 ruling);

    /// @notice Receives the final ruling of a dispute this contract created. Only the arbitrator that holds
    /// the dispute may call it, once. Implementations record the ruling and apply it in a later call, so
    /// the callback is cheap and cannot fail for reasons the arbitrator does not control.
    /// @param disputeId The arbitrator's dispute id.
    /// @param ruling 0 (no ruling) or one of the choices.
    function rule(uint256 disputeId, uint256 ruling) external;
}
