// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IArbitrable} from "./IArbitrable.sol";

/// @title IArbitrator
/// @notice Where Corpus contracts send a question they cannot settle themselves, in the spirit of ERC-792:
/// an arbitrable contract creates a dispute, and the arbitrator later calls {IArbitrable.rule} on it with
/// the final ruling. Governance can point the task registry at another arbitrator that implements this.
/// @dev Rulings are `0` (refused to rule, or a tie) or `1..choices`. Fees are paid in {feeToken}: the
/// arbitrable contract approves this arbitrator for {arbitrationCost} and the arbitrator pulls it in
/// {createDispute}. `extraData` is `abi.encode(address[] excluded)`: the parties first, one per choice in
/// ruling order (`excluded[c - 1]` is the party ruling `c` favours), then the reviewers whose work is in
/// question; none of them may sit on the jury.
interface IArbitrator {
    /// @notice A dispute was created by `arbitrable`.
    /// @param disputeId The arbitrator's id for it.
    /// @param arbitrable The contract that will receive the ruling.
    event DisputeCreation(uint256 indexed disputeId, IArbitrable indexed arbitrable);

    /// @notice The token fees are paid in (CRP).
    /// @return token The fee token.
    function feeToken() external view returns (IERC20 token);

    /// @notice What {createDispute} pulls from the caller for a dispute with `extraData`.
    /// @param extraData As described above.
    /// @return fee In {feeToken} wei.
    function arbitrationCost(bytes calldata extraData) external view returns (uint256 fee);

    /// @notice Creates a dispute with `choices` possible rulings, pulling {arbitrationCost} from the caller.
    /// Whatever of the fee the arbitrator gives back (a winner's bond) goes to `party`, never to the caller,
    /// which holds no account for it.
    /// @param choices How many rulings besides 0.
    /// @param extraData As described above.
    /// @param party Who paid the fee through the caller (the disputer).
    /// @return disputeId The new dispute's id; never one this arbitrator returned before.
    function createDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external returns (uint256 disputeId);

    /// @notice Creates a dispute that no one paid for (a review panel that never agreed is not the worker's
    /// fault); its jurors are paid only from the stake of incoherent jurors. The arbitrator decides which
    /// callers it accepts this from.
    /// @param choices How many rulings besides 0.
    /// @param extraData As described above.
    /// @param party Who asked for the dispute (the worker).
    /// @return disputeId The new dispute's id; never one this arbitrator returned before.
    function createUnfundedDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external returns (uint256 disputeId);
}
