// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";
import {ICorpusTasks} from "../interfaces/ICorpusTasks.sol";
import {Packed32} from "../libraries/Packed32.sol";

/// @title TaskRecords
/// @notice The task registry's storage records, and the views integrators page through them with.
/// @dev Internal functions only: compiled into {CorpusTasks}, nothing to deploy or link.
library TaskRecords {
    /// @notice Largest panel a task may ask for.
    uint256 internal constant MAX_PANEL_SIZE = 7;
    /// @dev Bits per seat of a packed panel: a staking leaf (leaves fit 32 bits).
    uint256 private constant _BPS = 10_000;

    /// @dev Three slots. The money terms (reward, bond, both fee rates) and the review stake are fixed at
    /// creation, so governance never changes what a running task pays or locks; the liveness penalty (capped
    /// at the task's review stake), the dispute window and the number of panel rounds are protocol rules read
    /// when they apply.
    /// Tokens are referred to by their registry id, which leaves room to pack every amount at full width.
    struct Task {
        // slot 0: what submitting and reviewing read
        address requester;
        uint32 deadline;
        uint32 reviewWindow;
        uint16 slots;
        uint8 panelSize;
        uint8 quorum;
        // slot 1: the money terms
        uint96 reward;
        uint96 workerBond;
        uint16 tokenId;
        uint8 kind;
        bool cancelled;
        uint16 validatorFeeBps;
        uint16 protocolFeeBps;
        // slot 2: what every submission changes
        uint128 funds;
        uint16 pending;
        uint16 accepted;
        uint16 feesSwept;
        uint32 reviewStakeCrp;
        // The newest submission: the head of the task's list, linked through each `previousInTask`.
        uint48 lastSubmission;
    }

    /// @dev Four slots. The panel is kept as its members' staking leaves, 32 bits per seat, in one slot of
    /// its own, written only when a panel is drawn (slot 2 has room, but not for seven seats).
    // solhint-disable-next-line gas-struct-packing
    struct Submission {
        // slot 0: what attesting reads and writes
        address worker;
        uint48 taskId;
        ICorpusTasks.Status status;
        uint8 round;
        uint16 voted;
        uint16 accepts;
        // slot 1
        bytes32 contentHash;
        // slot 2
        uint32 reviewDeadline;
        uint32 disputeDeadline;
        uint8 verdict;
        uint8 ruling;
        uint8 flags;
        uint48 previousInTask;
        // slot 3
        uint256 panel;
    }

    /// @dev A worker's standing in one task: its accepted count and its live submission (0: none).
    struct WorkerTask {
        uint32 accepted;
        uint64 liveSubmission;
    }

    /// @dev A worker's public track record.
    struct WorkerRecord {
        uint64 accepted;
        uint64 rejected;
    }

    /// @notice One task as integrators read it.
    /// @param tasks The registry's tasks.
    /// @param tokensById The registry's payment tokens.
    /// @param taskId The task.
    /// @return view_ The task.
    function taskView(
        mapping(uint256 => Task) storage tasks,
        mapping(uint256 => IERC20) storage tokensById,
        uint256 taskId
    ) internal view returns (ICorpusTasks.TaskView memory view_) {
        Task storage task = tasks[taskId];
        require(task.requester != address(0), ICorpusTasks.TasksUnknownTask(taskId));
        uint256 reward = task.reward;
        view_ = ICorpusTasks.TaskView({
            requester: task.requester,
            token: tokensById[task.tokenId],
            reward: reward,
            validatorFee: validatorFee(task),
            protocolFee: protocolFee(task),
            workerBond: task.workerBond,
            funds: task.funds,
            reviewStake: reviewStake(task),
            slots: task.slots,
            accepted: task.accepted,
            pending: task.pending,
            deadline: task.deadline,
            reviewWindow: task.reviewWindow,
            panelSize: task.panelSize,
            quorum: task.quorum,
            kind: task.kind,
            cancelled: task.cancelled,
            unsweptProtocolFees: unsweptProtocolFees(task),
            lastSubmission: task.lastSubmission
        });
    }

    /// @notice One submission as integrators read it.
    /// @param tasks The registry's tasks.
    /// @param submissions The registry's submissions.
    /// @param staking Where panel leaves are resolved to validators.
    /// @param submissionId The submission.
    /// @return view_ The submission.
    function submissionView(
        mapping(uint256 => Task) storage tasks,
        mapping(uint256 => Submission) storage submissions,
        ICorpusStaking staking,
        uint256 submissionId
    ) internal view returns (ICorpusTasks.SubmissionView memory view_) {
        Submission storage sub = submissions[submissionId];
        require(sub.worker != address(0), ICorpusTasks.TasksUnknownSubmission(submissionId));
        // The panel stays empty until the first one is drawn.
        uint256 packed = sub.panel;
        uint256 panelSize = packed == 0 ? 0 : tasks[sub.taskId].panelSize;
        address[] memory panel = new address[](panelSize);
        for (uint256 i; i < panelSize; ++i) panel[i] = staking.leafOwner(Packed32.at(packed, i));
        view_ = ICorpusTasks.SubmissionView({
            taskId: sub.taskId,
            worker: sub.worker,
            contentHash: sub.contentHash,
            status: sub.status,
            round: sub.round,
            reviewDeadline: sub.reviewDeadline,
            disputeDeadline: sub.disputeDeadline,
            verdict: sub.verdict,
            ruling: sub.ruling,
            panel: panel,
            voted: sub.voted,
            accepts: sub.accepts,
            previousInTask: sub.previousInTask
        });
    }

    /// @notice `bps` basis points of `amount`, rounded down. Every fee of the registry is computed here, in
    /// 256 bits (a reward times a rate overflows the 96 bits rewards are stored in).
    /// @param amount A reward, in wei.
    /// @param bps A rate, in basis points.
    /// @return fee In wei.
    function feeOf(uint256 amount, uint256 bps) internal pure returns (uint256 fee) {
        return (amount * bps) / _BPS;
    }

    /// @notice What `task` pays the panel of each submission it reviews (fixed at creation).
    /// @param task A task.
    /// @return fee In the task's token.
    function validatorFee(Task storage task) internal view returns (uint256 fee) {
        return feeOf(task.reward, task.validatorFeeBps);
    }

    /// @notice What `task` owes the treasury per accepted submission (fixed at creation).
    /// @param task A task.
    /// @return fee In the task's token.
    function protocolFee(Task storage task) internal view returns (uint256 fee) {
        return feeOf(task.reward, task.protocolFeeBps);
    }

    /// @notice The protocol fees of `task`'s accepted submissions not yet swept, per submission as reserved.
    /// @param task A task.
    /// @return fees In the task's token.
    function unsweptProtocolFees(Task storage task) internal view returns (uint256 fees) {
        return uint256(task.accepted - task.feesSwept) * protocolFee(task);
    }

    /// @notice The stake each panel member of `task` locks, in wei (kept in whole CRP).
    /// @param task A task.
    /// @return stake In CRP wei.
    function reviewStake(Task storage task) internal view returns (uint256 stake) {
        return uint256(task.reviewStakeCrp) * 1e18;
    }
}
