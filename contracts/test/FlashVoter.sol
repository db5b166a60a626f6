// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title FlashVoter
/// @notice Test-only attacker: borrows governance tokens for one transaction, delegates them to itself inside
/// the loan's callback, then tries to propose or to vote with them before repaying.
contract FlashVoter is IERC3156FlashBorrower {
    using SafeERC20 for IERC20;

    /// @notice What the borrowed votes are used for.
    enum Action {
        Propose,
        Vote
    }

    bytes32 private constant _CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice Where the tokens are borrowed.
    IERC3156FlashLender public immutable LENDER;
    /// @notice The governor attacked.
    IGovernor public immutable GOVERNOR;

    /// @notice The callback came from another lender or for a loan this contract did not take.
    /// @param lender The caller of the callback.
    /// @param initiator Who took the loan.
    error FlashVoterUntrustedLoan(address lender, address initiator);

    /// @notice What the borrowed votes achieved, emitted inside the loan before repaying.
    /// @param action What was tried.
    /// @param borrowed How much was borrowed.
    /// @param votesDuringLoan This contract's current votes inside the callback, after delegating.
    /// @param success Whether the governor accepted the call.
    /// @param result The proposal id or the vote's weight (abi-encoded), or the governor's revert data.
    event LoanUsed(Action action, uint256 borrowed, uint256 votesDuringLoan, bool success, bytes result);

    /// @notice An attacker borrowing from `lender` to use on `governor`.
    /// @param lender The flash lender.
    /// @param governor The governor.
    constructor(IERC3156FlashLender lender, IGovernor governor) {
        LENDER = lender;
        GOVERNOR = governor;
    }

    /// @notice Borrows `amount` of `token` and proposes with it.
    /// @param token The governance token (an {IVotes} ERC-20).
    /// @param amount How much to borrow.
    /// @param targets The proposal's targets.
    /// @param values The proposal's values.
    /// @param calldatas The proposal's calls.
    /// @param description The proposal's description.
    /// @param bubble Let the governor's revert undo the whole loan (else record it in {LoanUsed} and repay).
    function proposeWithLoan(
        address token,
        uint256 amount,
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        bool bubble
    ) external {
        bytes memory params = abi.encode(targets, values, calldatas, description);
        LENDER.flashLoan(this, token, amount, abi.encode(Action.Propose, bubble, params));
    }

    /// @notice Borrows `amount` of `token` and votes `support` on `proposalId` with it.
    /// @param token The governance token (an {IVotes} ERC-20).
    /// @param amount How much to borrow.
    /// @param proposalId An active proposal.
    /// @param support 0 against, 1 for, 2 abstain.
    /// @param bubble Let the governor's revert undo the whole loan (else record it in {LoanUsed} and repay).
    function voteWithLoan(address token, uint256 amount, uint256 proposalId, uint8 support, bool bubble) external {
        LENDER.flashLoan(this, token, amount, abi.encode(Action.Vote, bubble, abi.encode(proposalId, support)));
    }

    /// @inheritdoc IERC3156FlashBorrower
    function onFlashLoan(
        address initiator,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata data
    ) external returns (bytes32) {
        require(
            msg.sender == address(LENDER) && initiator == address(this),
            FlashVoterUntrustedLoan(msg.sender, initiator)
        );
        IVotes(token).delegate(address(this));
        uint256 votes = IVotes(token).getVotes(address(this));
        (Action action, bool bubble, bytes memory params) = abi.decode(data, (Action, bool, bytes));
        (bool success, bytes memory result) = action == Action.Propose
            ? _propose(params, bubble)
            : _vote(params, bubble);
        emit LoanUsed(action, amount, votes, success, result);
        IERC20(token).forceApprove(address(LENDER), amount + fee);
        return _CALLBACK_SUCCESS;
    }

    function _propose(bytes memory params, bool bubble) private returns (bool success, bytes memory result) {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory description) = abi
            .decode(params, (address[], uint256[], bytes[], string));
        if (bubble) return (true, abi.encode(GOVERNOR.propose(targets, values, calldatas, description)));
        try GOVERNOR.propose(targets, values, calldatas, description) returns (uint256 proposalId) {
            return (true, abi.encode(proposalId));
        } catch (bytes memory reason) {
            return (false, reason);
        }
    }

    function _vote(bytes memory params, bool bubble) private returns (bool success, bytes memory result) {
        (uint256 proposalId, uint8 support) = abi.decode(params, (uint256, uint8));
        if (bubble) return (true, abi.encode(GOVERNOR.castVote(proposalId, support)));
        try GOVERNOR.castVote(proposalId, support) returns (uint256 weight) {
            return (true, abi.encode(weight));
        } catch (bytes memory reason) {
            return (false, reason);
        }
    }
}
