// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";

/// @title ICorpusTasks
/// @notice The task registry: requesters escrow rewards for data tasks, workers submit, stake-drawn panels
/// review, and accepted work is paid in full. Everything a task can ever pay is escrowed when it is
/// created; every payout is a pull balance.
interface ICorpusTasks is IArbitrable {
    // ─── Types ──────────────────────────────────────────────────────────────

    /// @notice Where a submission is in its life.
    /// @dev Drawing: waiting for its panel (the seed was requested). Reviewing: the panel attests.
    /// Provisional: a verdict was reached; the dispute window runs. NoAgreement: every panel round ended
    /// without a verdict; the worker may escalate. Disputed: the arbitrator holds it. Ruled: the ruling is
    /// in, waiting for {ICorpusTasks.finalize}. Accepted / Rejected: final. Voided: closed without anyone's
    /// fault (no panel could be drawn in time, no agreement and no escalation, a ruling of 0 after an
    /// escalation, or no ruling within the ruling timeout): the worker's bond comes back and the slot is
    /// free again.
    enum Status {
        None,
        Drawing,
        Reviewing,
        Provisional,
        NoAgreement,
        Disputed,
        Ruled,
        Accepted,
        Rejected,
        Voided
    }

    /// @notice What a requester asks for. Amounts are in `token` wei; times are unix seconds.
    /// @param token The payment token: CRP or a token on the governance allowlist.
    /// @param reward Paid to the worker of each accepted submission.
    /// @param slots How many accepted submissions the task wants.
    /// @param deadline Last moment a submission is taken.
    /// @param reviewWindow Seconds a panel has to attest once drawn.
    /// @param panelSize Validators per review (odd).
    /// @param quorum How many of them must agree for a verdict (a strict majority or more).
    /// @param workerBond Bonded by each submission; back to the worker if accepted, to the requester if
    /// rejected. Make it at least the validator fee: a rejected submission's review is paid from the
    /// task's escrow, and the bond is what compensates the requester for junk. Against a staker that
    /// resubmits junk until a panel it controls accepts it, about 40% of the reward is needed at a third
    /// of the stake (audits/economics.md, 2b).
    /// @param kind The task kind (see {ICorpusTasks.taskKindCount}).
    /// @param specUri Where the task's specification lives.
    /// @param specHash The content hash of the specification.
    struct TaskParams {
        IERC20 token;
        uint256 reward;
        uint256 slots;
        uint256 deadline;
        uint256 reviewWindow;
        uint256 panelSize;
        uint256 quorum;
        uint256 workerBond;
        uint256 kind;
        string specUri;
        bytes32 specHash;
    }

    /// @notice A task as integrators read it.
    /// @param requester Who posted it.
    /// @param token Payment token.
    /// @param reward Per accepted submission.
    /// @param validatorFee Shared by the panel of each submission it reviews.
    /// @param protocolFee To the treasury per accepted submission.
    /// @param workerBond Per submission.
    /// @param funds Escrow not yet reserved by a submission (what a new submission or a refund draws on).
    /// @param reviewStake Stake locked from each panel member while it reviews.
    /// @param slots Accepted submissions wanted.
    /// @param accepted Accepted so far.
    /// @param pending Submissions not yet final.
    /// @param deadline Last moment to submit.
    /// @param reviewWindow Seconds per panel round.
    /// @param panelSize Validators per review.
    /// @param quorum Agreeing attestations for a verdict.
    /// @param kind Task kind.
    /// @param cancelled Whether the requester cancelled it.
    /// @param unsweptProtocolFees Protocol fees of accepted submissions not yet swept to the treasury.
    /// @param lastSubmission The task's newest submission (0: none); each links to the one before it.
    // A return value, never stored: one word per field is what the ABI encodes anyway.
    // solhint-disable-next-line gas-struct-packing
    struct TaskView {
        address requester;
        IERC20 token;
        uint256 reward;
        uint256 validatorFee;
        uint256 protocolFee;
        uint256 workerBond;
        uint256 funds;
        uint256 reviewStake;
        uint256 slots;
        uint256 accepted;
        uint256 pending;
        uint256 deadline;
        uint256 reviewWindow;
        uint256 panelSize;
        uint256 quorum;
        uint256 kind;
        bool cancelled;
        uint256 unsweptProtocolFees;
        uint256 lastSubmission;
    }

    /// @notice A submission as integrators read it.
    /// @param taskId Its task.
    /// @param worker Who submitted it.
    /// @param contentHash The content hash of the work.
    /// @param status See {Status}.
    /// @param round Panel round (0 for the first panel).
    /// @param reviewDeadline Drawing: the panel must be drawn by then; Reviewing onwards: last moment to attest.
    /// @param disputeDeadline Provisional / NoAgreement: last moment to dispute or escalate; Disputed: last
    /// moment for the ruling before the submission may be voided.
    /// @param verdict The panel's provisional verdict: 0 none, 1 accept, 2 reject.
    /// @param ruling The arbitrator's ruling, once in.
    /// @param panel This round's panel (empty while drawing the first one).
    /// @param voted Which seats attested (bit i: seat i).
    /// @param accepts Which seats attested accept.
    /// @param previousInTask The task's submission before this one (0: none): the task's list, newest first.
    struct SubmissionView {
        uint256 taskId;
        address worker;
        bytes32 contentHash;
        Status status;
        uint256 round;
        uint256 reviewDeadline;
        uint256 disputeDeadline;
        uint256 verdict;
        uint256 ruling;
        address[] panel;
        uint256 voted;
        uint256 accepts;
        uint256 previousInTask;
    }

    // ─── Errors ─────────────────────────────────────────────────────────────

    /// @notice An address that must be set was zero.
    error TasksZeroAddress();
    /// @notice `token` is neither CRP nor on the allowlist.
    error TasksTokenNotAllowed(IERC20 token);
    /// @notice `token` delivered `received` where `expected` was sent (fee-on-transfer or rebasing tokens).
    error TasksTokenDeliveredLess(IERC20 token, uint256 expected, uint256 received);
    /// @notice The reward is zero or too large.
    error TasksInvalidReward(uint256 reward, uint256 max);
    /// @notice An amount is zero or too large.
    error TasksInvalidAmount(uint256 amount, uint256 max);
    /// @notice The worker bond is too large.
    error TasksInvalidWorkerBond(uint256 bond, uint256 max);
    /// @notice Slots outside `1..max`.
    error TasksInvalidSlots(uint256 slots, uint256 max);
    /// @notice The deadline is not in the future or too far away.
    error TasksInvalidDeadline(uint256 deadline, uint256 earliest, uint256 latest);
    /// @notice The review window is outside its bounds.
    error TasksInvalidReviewWindow(uint256 window, uint256 min, uint256 max);
    /// @notice The panel size is even, zero or too large, or the quorum is not a majority of it.
    error TasksInvalidPanel(uint256 panelSize, uint256 quorum, uint256 maxPanelSize);
    /// @notice The task kind is not (yet) defined.
    error TasksInvalidKind(uint256 kind, uint256 kindCount);
    /// @notice The spec URI is empty or too long, or its hash is zero.
    error TasksInvalidSpec(uint256 uriLength, uint256 maxUriLength);
    /// @notice A submission's URI is empty or too long, or its content hash is zero.
    error TasksInvalidContent(uint256 uriLength, uint256 maxUriLength);
    /// @notice No task with this id.
    error TasksUnknownTask(uint256 taskId);
    /// @notice No submission with this id.
    error TasksUnknownSubmission(uint256 submissionId);
    /// @notice The caller is not the task's requester.
    error TasksNotRequester(uint256 taskId, address caller);
    /// @notice The task no longer takes submissions or funds (cancelled or past its deadline).
    error TasksTaskClosed(uint256 taskId);
    /// @notice The task is still open: it can be refunded only once cancelled or past its deadline.
    error TasksTaskStillOpen(uint256 taskId, uint256 deadline);
    /// @notice Every slot is taken by an accepted or pending submission.
    error TasksNoFreeSlot(uint256 taskId, uint256 slots);
    /// @notice The task's unreserved escrow cannot cover another submission; the requester can top it up.
    error TasksInsufficientFunds(uint256 taskId, uint256 funds, uint256 needed);
    /// @notice The requester cannot work on its own task.
    error TasksRequesterCannotSubmit(uint256 taskId);
    /// @notice The worker already has a submission for this task that is not final.
    error TasksLiveSubmission(uint256 taskId, address worker, uint256 submissionId);
    /// @notice The submission is not in a state that allows this call.
    error TasksWrongStatus(uint256 submissionId, Status status);
    /// @notice The caller does not sit in `seat` of the submission's panel.
    error TasksNotOnPanel(uint256 submissionId, uint256 seat, address caller);
    /// @notice The panel member already attested.
    error TasksAlreadyAttested(uint256 submissionId, address validator);
    /// @notice The window this call belongs to closed at `deadline`.
    error TasksWindowClosed(uint256 submissionId, uint256 deadline);
    /// @notice The window that must end first is still open until `deadline`.
    error TasksWindowOpen(uint256 submissionId, uint256 deadline);
    /// @notice Only the party that lost the verdict (or, after no agreement, the worker) may do this.
    error TasksNotLosingParty(uint256 submissionId, address caller);
    /// @notice No arbitrator is set.
    error TasksNoArbitrator();
    /// @notice The caller is not the arbitrator holding `disputeId`, or the ruling already came.
    error TasksUnknownDispute(address arbitrator, uint256 disputeId);
    /// @notice The arbitrator returned a dispute id that another submission's dispute already holds.
    error TasksDisputeIdReused(IArbitrator arbitrator, uint256 disputeId);
    /// @notice The ruling is outside `0..2`.
    error TasksInvalidRuling(uint256 ruling);
    /// @notice Nothing to withdraw.
    error TasksNothingToWithdraw(IERC20 token, address account);
    /// @notice A parameter outside its bounds.
    error TasksParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    // ─── Events ─────────────────────────────────────────────────────────────

    /// @notice A task was posted and its escrow taken.
    /// @param taskId The new task.
    /// @param requester Who posted it.
    /// @param token Payment token.
    /// @param kind Task kind.
    /// @param reward Per accepted submission.
    /// @param slots Accepted submissions wanted.
    /// @param deadline Last moment to submit.
    /// @param escrow Everything taken: slots × (reward + validator fee + protocol fee).
    /// @param specHash Content hash of the spec.
    /// @param specUri The spec's URI.
    event TaskCreated(
        uint256 indexed taskId,
        address indexed requester,
        IERC20 indexed token,
        uint256 kind,
        uint256 reward,
        uint256 slots,
        uint256 deadline,
        uint256 escrow,
        bytes32 specHash,
        string specUri
    );
    /// @notice The task's review rules, fixed at creation.
    /// @param taskId The task.
    /// @param reviewWindow Seconds per panel round.
    /// @param panelSize Validators per review.
    /// @param quorum Agreeing attestations for a verdict.
    /// @param workerBond Per submission.
    /// @param validatorFee Per reviewed submission.
    /// @param protocolFee Per accepted submission.
    /// @param reviewStake Locked per panel member.
    event TaskReviewTerms(
        uint256 indexed taskId,
        uint256 reviewWindow,
        uint256 panelSize,
        uint256 quorum,
        uint256 workerBond,
        uint256 validatorFee,
        uint256 protocolFee,
        uint256 reviewStake
    );
    /// @notice `funder` added `amount` to the task's unreserved escrow.
    /// @param taskId The task.
    /// @param funder Who paid.
    /// @param amount In the task's token.
    /// @param funds The task's unreserved escrow after.
    event TaskFunded(uint256 indexed taskId, address indexed funder, uint256 amount, uint256 funds);
    /// @notice The requester closed the task to new submissions.
    /// @param taskId The task.
    event TaskCancelled(uint256 indexed taskId);
    /// @notice The task's unreserved escrow went back to the requester's balance.
    /// @param taskId The task.
    /// @param requester The task's requester.
    /// @param amount In the task's token.
    event TaskRefunded(uint256 indexed taskId, address indexed requester, uint256 amount);
    /// @notice A worker submitted work (and bonded `bond`).
    /// @param submissionId The submission.
    /// @param taskId The task.
    /// @param worker Who submitted it.
    /// @param contentHash The content hash of the work.
    /// @param bond The worker bond paid in.
    /// @param uri Where the work can be fetched.
    event Submitted(
        uint256 indexed submissionId,
        uint256 indexed taskId,
        address indexed worker,
        bytes32 contentHash,
        uint256 bond,
        string uri
    );
    /// @notice A panel seed was requested; {ICorpusTasks.drawPanel} works from `readyBlock` on.
    /// @param submissionId The submission.
    /// @param round Panel round (0 for the first panel).
    /// @param readyBlock First block in which the seed exists.
    event PanelRequested(uint256 indexed submissionId, uint256 round, uint256 readyBlock);
    /// @notice A panel was drawn and locked; it may attest until `reviewDeadline`.
    /// @param submissionId The submission.
    /// @param round Panel round (0 for the first panel).
    /// @param panel The members, by seat.
    /// @param reviewDeadline Last moment to attest.
    event PanelDrawn(uint256 indexed submissionId, uint256 round, address[] panel, uint256 reviewDeadline);
    /// @notice A panel member attested.
    /// @param submissionId The submission.
    /// @param validator The panel member.
    /// @param accept Accept or reject.
    /// @param reasonHash Hash of a written reason (optional).
    event Attested(uint256 indexed submissionId, address indexed validator, bool accept, bytes32 reasonHash);
    /// @notice Enough members agreed: the verdict is provisional until `disputeDeadline`.
    /// @param submissionId The submission.
    /// @param accepted Whether the verdict accepts the work.
    /// @param disputeDeadline Last moment to dispute it.
    event VerdictReached(uint256 indexed submissionId, bool accepted, uint256 disputeDeadline);
    /// @notice A panel round ended without a verdict.
    /// @param submissionId The submission.
    /// @param round Panel round (0 for the first panel).
    /// @param finalRound Whether no further round follows (the worker may escalate until `escalateDeadline`).
    /// @param escalateDeadline Last moment to escalate (0 if another round follows).
    event NoAgreement(uint256 indexed submissionId, uint256 round, bool finalRound, uint256 escalateDeadline);
    /// @notice The submission went to the arbitrator.
    /// @param submissionId The submission.
    /// @param disputer Who sent it.
    /// @param arbitrator The arbitrator holding it.
    /// @param disputeId The arbitrator's id.
    /// @param bond What the disputer paid (0 for an escalation after no agreement).
    event SubmissionDisputed(
        uint256 indexed submissionId,
        address indexed disputer,
        IArbitrator indexed arbitrator,
        uint256 disputeId,
        uint256 bond
    );
    /// @notice A panel round was settled (seat i is bit i; members are those of {PanelDrawn}): each
    /// coherent member was credited `feeShare` in the task's token, every member was unlocked, and the
    /// members in `slashedSeats` (absent, or overturned by the arbitrator) were slashed (see staking's
    /// `Slashed` for the amounts).
    /// @param submissionId The submission.
    /// @param round Panel round (0 for the first panel).
    /// @param coherentSeats Seats that attested the final verdict.
    /// @param feeShare Each coherent member's share of the validator fee.
    /// @param slashedSeats Seats that were slashed.
    event PanelSettled(
        uint256 indexed submissionId,
        uint256 round,
        uint256 coherentSeats,
        uint256 feeShare,
        uint256 slashedSeats
    );
    /// @notice The submission is final. With {PanelSettled}, {TaskRefunded} and {Withdrawn} this accounts
    /// for every change of a withdrawable balance.
    /// @param submissionId The submission.
    /// @param taskId The task.
    /// @param status Accepted, Rejected or Voided.
    /// @param workerPayout Added to the worker's balance (reward and bond, or the bond back).
    /// @param requesterPayout Added to the requester's balance (the bond of rejected work, and once the task
    /// is closed, the escrow the submission no longer needs).
    event SubmissionFinalized(
        uint256 indexed submissionId,
        uint256 indexed taskId,
        Status status,
        uint256 workerPayout,
        uint256 requesterPayout
    );
    /// @notice Protocol fees of a task's accepted submissions were sent to the treasury.
    /// @param taskId The task.
    /// @param amount In the task's token.
    event ProtocolFeesSwept(uint256 indexed taskId, uint256 amount);
    /// @notice `account` withdrew `amount` of `token`.
    /// @param token The token.
    /// @param account Who withdrew.
    /// @param amount In the task's token.
    event Withdrawn(IERC20 indexed token, address indexed account, uint256 amount);
    /// @notice A governed parameter changed.
    /// @param parameter Its name, as a bytes32 string.
    /// @param oldValue Its previous value.
    /// @param newValue Its new value.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);
    /// @notice A token was added to or removed from the allowlist.
    /// @param token The token.
    /// @param allowed Whether new tasks may use it.
    event TokenAllowed(IERC20 indexed token, bool allowed);
    /// @notice The arbitrator for new disputes changed (running disputes stay with theirs).
    /// @param oldArbitrator The previous arbitrator.
    /// @param newArbitrator The new arbitrator.
    event ArbitratorSet(IArbitrator oldArbitrator, IArbitrator newArbitrator);

    // ─── Requesters ─────────────────────────────────────────────────────────

    /// @notice Posts a task and escrows `slots × (reward + validator fee + protocol fee)` in one transfer.
    /// @param params See {TaskParams}.
    /// @return taskId The new task's id.
    function createTask(TaskParams calldata params) external returns (uint256 taskId);

    /// @notice {createTask} with an EIP-2612 permit for the escrow, in one transaction.
    /// @param params See {TaskParams}.
    /// @param permitDeadline The permit's deadline.
    /// @param v Permit signature.
    /// @param r Permit signature.
    /// @param s Permit signature.
    /// @return taskId The new task's id.
    function createTaskWithPermit(
        TaskParams calldata params,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 taskId);

    /// @notice Adds `amount` to an open task's unreserved escrow (after rejections spent validator fees).
    /// @param taskId An open task.
    /// @param amount In the task's token.
    function fundTask(uint256 taskId, uint256 amount) external;

    /// @notice Closes the task to new submissions and credits its unreserved escrow to the requester.
    /// Pending submissions finish normally; what they release later goes straight to the requester.
    /// @param taskId A task of the caller's.
    function cancelTask(uint256 taskId) external;

    /// @notice Credits a closed task's (cancelled, or past its deadline) unreserved escrow to its
    /// requester. Anyone may call it.
    /// @param taskId The task.
    function refund(uint256 taskId) external;

    // ─── Workers ────────────────────────────────────────────────────────────

    /// @notice Submits work to an open task with a free slot, bonds the worker bond and requests the
    /// review panel's seed.
    /// @param taskId The task.
    /// @param contentHash The content hash of the work.
    /// @param uri Where the work can be fetched.
    /// @return submissionId The new submission's id.
    function submit(uint256 taskId, bytes32 contentHash, string calldata uri) external returns (uint256 submissionId);

    // ─── Review ─────────────────────────────────────────────────────────────

    /// @notice Draws the submission's panel from staking (excluding the requester, the worker and the
    /// previous round's panel) and locks each member's review stake. Anyone may call it once the seed is
    /// ready; the reviewing clock starts now.
    /// @param submissionId A submission waiting for its panel.
    function drawPanel(uint256 submissionId) external;

    /// @notice Requests the panel seed again once the previous request expired undrawn. Anyone may call it.
    /// @param submissionId A submission waiting for its panel.
    function renewPanelSeed(uint256 submissionId) external;

    /// @notice Records the caller's attestation. Open until the review deadline, also after a verdict.
    /// @param submissionId The submission.
    /// @param seat The caller's seat in the panel (its index in {PanelDrawn}).
    /// @param accept Accept or reject.
    /// @param reasonHash Optional hash of a written reason.
    function attest(uint256 submissionId, uint256 seat, bool accept, bytes32 reasonHash) external;

    /// @notice Ends a panel round that reached no verdict by its deadline: absentees are slashed the
    /// liveness penalty, everyone is unlocked, and a fresh panel is requested (or, after the last round,
    /// the worker may escalate). Anyone may call it.
    /// @param submissionId A submission whose review deadline passed without a verdict.
    function closeRound(uint256 submissionId) external;

    /// @notice Sends a provisional verdict to the arbitrator, paying its fee in CRP. Only the party that
    /// lost (the worker after a reject, the requester after an accept), within the dispute window.
    /// @param submissionId The submission.
    function dispute(uint256 submissionId) external;

    /// @notice After no panel agreed, the worker sends the submission to the arbitrator without a fee.
    /// @param submissionId The submission.
    function escalate(uint256 submissionId) external;

    /// @notice Makes a submission final once nothing can change it any more: pays the worker and the
    /// panel, or frees the slot; settles every panel member's lock. Anyone may call it.
    /// @param submissionId The submission.
    function finalize(uint256 submissionId) external;

    /// @notice Sends the protocol fees a task's accepted submissions owe to the treasury. Anyone may call it.
    /// @param taskId The task.
    function sweepProtocolFees(uint256 taskId) external;

    /// @notice Sends the caller's whole balance of `token`.
    /// @param token The token.
    function withdraw(IERC20 token) external;

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets a governed parameter. Timelock only; each within the bounds the contract's constants
    /// state (the reverting error names them).
    /// @param parameter One of "protocolFeeBps", "validatorFeeBps", "reviewStake", "livenessPenalty",
    /// "disputeWindow", "maxPanelRounds", "taskKindCount", as bytes32.
    /// @param value The new value.
    function setParameter(bytes32 parameter, uint256 value) external;

    /// @notice Adds or removes a payment token. Timelock only. Removing stops new tasks only.
    /// @param token The token (not CRP, which is always allowed).
    /// @param allowed Whether new tasks may use it.
    function setTokenAllowed(IERC20 token, bool allowed) external;

    /// @notice Sets the arbitrator for new disputes (zero: none). Timelock only.
    /// @param newArbitrator The arbitrator.
    function setArbitrator(IArbitrator newArbitrator) external;

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice One task.
    /// @param taskId The task.
    /// @return view_ See {TaskView}.
    function getTask(uint256 taskId) external view returns (TaskView memory view_);

    /// @notice One submission.
    /// @param submissionId The submission.
    /// @return view_ See {SubmissionView}.
    function getSubmission(uint256 submissionId) external view returns (SubmissionView memory view_);

    /// @notice A worker's public track record across all tasks.
    /// @param worker The worker.
    /// @return accepted Submissions accepted.
    /// @return rejected Submissions rejected (voided ones count as neither).
    function workerRecord(address worker) external view returns (uint256 accepted, uint256 rejected);

    /// @notice How many of `worker`'s submissions `taskId` accepted (contributor shares derive from it).
    /// @param taskId The task.
    /// @param worker The worker.
    /// @return accepted Accepted submissions.
    function acceptedCount(uint256 taskId, address worker) external view returns (uint256 accepted);

    /// @notice What `account` can withdraw of `token`.
    /// @param token The token.
    /// @param account The account.
    /// @return amount In wei.
    function balanceOf(IERC20 token, address account) external view returns (uint256 amount);

    // solhint-disable-next-line func-name-mixedcase
    /// @notice CRP: always a payment token, and the token of dispute fees and stake.
    /// @return The CRP token.
    function CRP() external view returns (IERC20);

    /// @notice The number of tasks ever created (ids run from 1 to this).
    /// @return count Tasks.
    function taskCount() external view returns (uint256 count);

    /// @notice The number of submissions ever made (ids run from 1 to this).
    /// @return count Submissions.
    function submissionCount() external view returns (uint256 count);

    /// @notice How many task kinds are defined (0 labeling, 1 ranking/preference, 2 generation,
    /// 3 validation, 4 model evaluation; governance may define more).
    /// @return count Kinds.
    function taskKindCount() external view returns (uint256 count);
}
