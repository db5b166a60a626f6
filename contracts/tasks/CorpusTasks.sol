// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// The registry's state is its tasks, submissions and balances plus one slot of parameters; splitting it up
// would only add cross-contract calls to the paths that move money.
/* solhint-disable max-states-count */

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {GuardedPausable} from "../governance/GuardedPausable.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";
import {ICorpusTasks} from "../interfaces/ICorpusTasks.sol";
import {TaskRecords} from "./TaskRecords.sol";
import {Packed32} from "../libraries/Packed32.sol";

/// @title CorpusTasks
/// @notice The task registry: escrowed data tasks, submissions, stake-drawn review panels, disputes through
/// an {IArbitrator}, and pull-based payouts.
/// @dev Escrow accounting, per task and token: a task holds `funds` (unreserved escrow); each pending
/// submission reserves `reward + validatorFee + protocolFee` out of it, plus the bond its worker paid in.
/// Finalizing pays out of the reservation and releases the rest back to `funds` (or, once the task is
/// closed, straight to the requester's balance); an accepted submission's protocol fee stays with the task
/// until {sweepProtocolFees} sends it to the treasury. So for every token, this contract's balance equals
/// the sum of all `funds`, reservations and bonds of pending submissions, unswept protocol fees and
/// withdrawable balances; the requester can only ever take back `funds`, never a reservation.
contract CorpusTasks is ICorpusTasks, GuardedPausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ─── Constants and immutables ───────────────────────────────────────────

    /// @notice Largest panel a task may ask for.
    uint256 public constant MAX_PANEL_SIZE = TaskRecords.MAX_PANEL_SIZE;
    /// @notice Most slots one task may have.
    uint256 public constant MAX_SLOTS = 10_000;
    /// @notice Largest reward or bond (about 7.9e10 tokens of 18 decimals), so that escrow arithmetic
    /// never overflows its storage.
    uint256 public constant MAX_AMOUNT = type(uint96).max;
    /// @notice Shortest review window a task may set.
    uint256 public constant MIN_REVIEW_WINDOW = 1 hours;
    /// @notice Longest review window a task may set.
    uint256 public constant MAX_REVIEW_WINDOW = 30 days;
    /// @notice Furthest a task's deadline may lie in the future.
    uint256 public constant MAX_TASK_DURATION = 365 days;
    /// @notice Longest spec or submission URI, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;

    /// @notice Protocol fee bounds, in basis points of the reward.
    uint256 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @notice Validator fee bounds, in basis points of the reward.
    uint256 public constant MAX_VALIDATOR_FEE_BPS = 2_000;
    /// @notice Review stake bounds (CRP wei locked per panel member).
    uint256 public constant MIN_REVIEW_STAKE = 1e18;
    /// @notice Review stake bounds (CRP wei locked per panel member).
    uint256 public constant MAX_REVIEW_STAKE = 1_000_000e18;
    /// @notice Dispute window bounds.
    uint256 public constant MIN_DISPUTE_WINDOW = 1 hours;
    /// @notice Dispute window bounds.
    uint256 public constant MAX_DISPUTE_WINDOW = 14 days;
    /// @notice Fewest panel rounds governance may set: the first panel.
    uint256 public constant MIN_PANEL_ROUNDS = 1;
    /// @notice Most panel rounds (the first panel and redraws) before a submission can only be escalated.
    uint256 public constant MAX_PANEL_ROUNDS = 5;
    /// @notice Most task kinds governance may define.
    uint256 public constant MAX_TASK_KINDS = 255;

    /// @notice How long the arbitrator has to rule before anyone may void a disputed submission, so that
    /// an arbitrator that never answers cannot hold escrow, bonds and panel stake for ever.
    uint256 public constant RULING_TIMEOUT = 180 days;

    /// @notice Ruling: accept the submission.
    uint256 public constant RULING_ACCEPT = 1;
    /// @notice Ruling: reject the submission.
    uint256 public constant RULING_REJECT = 2;

    bytes32 private constant _PROTOCOL_FEE_BPS = "protocolFeeBps";
    bytes32 private constant _VALIDATOR_FEE_BPS = "validatorFeeBps";
    bytes32 private constant _REVIEW_STAKE = "reviewStake";
    bytes32 private constant _LIVENESS_PENALTY = "livenessPenalty";
    bytes32 private constant _DISPUTE_WINDOW = "disputeWindow";
    bytes32 private constant _MAX_PANEL_ROUNDS = "maxPanelRounds";
    bytes32 private constant _TASK_KIND_COUNT = "taskKindCount";

    uint256 private constant _VERDICT_NONE = 0;
    /// @dev Submission flag: the review round was cut short by a dispute (absentees are not slashed).
    uint8 private constant _FLAG_CUT_SHORT = 1;
    /// @dev Submission flag: the panel was already settled (no agreement), the arbitrator decides alone.
    uint8 private constant _FLAG_PANEL_SETTLED = 2;

    /// @notice The staking contract panels are drawn from, locked in and slashed by.
    ICorpusStaking public immutable STAKING;
    /// @notice CRP: always a payment token, and the token of dispute fees and stake.
    IERC20 public immutable CRP;
    /// @notice Receives protocol fees, liveness penalties' reward share and rounding dust (the timelock).
    address public immutable TREASURY;

    // ─── Storage ────────────────────────────────────────────────────────────

    mapping(uint256 taskId => TaskRecords.Task) private _tasks;
    mapping(uint256 submissionId => TaskRecords.Submission) private _submissions;
    mapping(uint256 taskId => mapping(address worker => TaskRecords.WorkerTask)) private _workerTasks;
    mapping(address worker => TaskRecords.WorkerRecord) private _records;
    /// @dev A payment token's entry: its id (tasks and balances refer to tokens by it) and whether new
    /// tasks may use it. Ids start at 1 (CRP); a token keeps its id when it leaves the allowlist.
    struct PaymentToken {
        uint16 id;
        bool allowed;
    }

    mapping(IERC20 token => PaymentToken) private _paymentTokens;
    mapping(uint256 tokenId => IERC20 token) private _tokensById;
    mapping(uint256 tokenId => mapping(address account => uint256)) private _balances;
    /// @dev keccak256(arbitrator, disputeId) => submission id, deleted when the ruling arrives.
    mapping(bytes32 disputeKey => uint256 submissionId) private _disputes;

    uint256 private _taskCount;
    uint256 private _submissionCount;

    // One slot: every parameter that creating a task, attesting or settling a review reads.
    uint88 private _reviewStake;
    uint88 private _livenessPenalty;
    uint32 private _disputeWindow;
    uint16 private _protocolFeeBps;
    uint16 private _validatorFeeBps;
    uint8 private _maxPanelRounds;
    uint8 private _taskKindCount;
    // One slot.
    IArbitrator private _arbitrator;
    uint16 private _tokenCount;

    // ─── Constructor ────────────────────────────────────────────────────────

    /// @notice Deploys the registry with every role given to `governance` (and the pause to `guardian`).
    /// @param staking The staking contract (this registry needs its LOCKER_ROLE and SLASHER_ROLE).
    /// @param governance The timelock: admin, parameter owner and treasury.
    /// @param guardian May pause new tasks and submissions.
    /// @param arbitrator The arbitrator for disputes (zero until dispute resolution is deployed).
    /// @param initial Initial parameters: protocolFeeBps, validatorFeeBps, reviewStake, livenessPenalty,
    /// disputeWindow, maxPanelRounds.
    /// @param allowedTokens Payment tokens besides CRP that new tasks may use from the start.
    constructor(
        ICorpusStaking staking,
        address governance,
        address guardian,
        IArbitrator arbitrator,
        uint256[6] memory initial,
        IERC20[] memory allowedTokens
    ) GuardedPausable(governance, guardian) {
        require(address(staking) != address(0) && governance != address(0), TasksZeroAddress());
        STAKING = staking;
        CRP = IERC20(staking.TOKEN());
        TREASURY = governance;
        _arbitrator = arbitrator;
        _taskKindCount = 5;
        _registerToken(CRP, true);
        _setParameter(_PROTOCOL_FEE_BPS, initial[0]);
        _setParameter(_VALIDATOR_FEE_BPS, initial[1]);
        _setParameter(_REVIEW_STAKE, initial[2]);
        _setParameter(_LIVENESS_PENALTY, initial[3]);
        _setParameter(_DISPUTE_WINDOW, initial[4]);
        _setParameter(_MAX_PANEL_ROUNDS, initial[5]);
        for (uint256 i; i < allowedTokens.length; ++i) _setTokenAllowed(allowedTokens[i], true);
    }

    // ─── Requesters ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusTasks
    function createTask(TaskParams calldata params) external nonReentrant whenNotPaused returns (uint256) {
        return _createTask(params, _validateTask(params));
    }

    /// @inheritdoc ICorpusTasks
    function createTaskWithPermit(
        TaskParams calldata params,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused returns (uint256) {
        uint256 tokenId = _validateTask(params);
        (uint256 escrow, , ) = escrowFor(params.reward, params.slots);
        // A front-runner may have used the permit already; the allowance then exists and creation goes on.
        // If it does not, the transfer fails with the token's own error.
        IERC20Permit token = IERC20Permit(address(params.token));
        // solhint-disable-next-line no-empty-blocks
        try token.permit(msg.sender, address(this), escrow, permitDeadline, v, r, s) {} catch {}
        return _createTask(params, tokenId);
    }

    /// @inheritdoc ICorpusTasks
    function fundTask(uint256 taskId, uint256 amount) external nonReentrant whenNotPaused {
        TaskRecords.Task storage task = _existingTask(taskId);
        require(_isOpen(task), TasksTaskClosed(taskId));
        require(amount != 0 && amount <= MAX_AMOUNT, TasksInvalidAmount(amount, MAX_AMOUNT));
        uint256 funds = task.funds + amount;
        task.funds = funds.toUint128();
        emit TaskFunded(taskId, msg.sender, amount, funds);
        _pull(_tokensById[task.tokenId], msg.sender, amount);
    }

    /// @inheritdoc ICorpusTasks
    function cancelTask(uint256 taskId) external {
        TaskRecords.Task storage task = _existingTask(taskId);
        require(msg.sender == task.requester, TasksNotRequester(taskId, msg.sender));
        require(_isOpen(task), TasksTaskClosed(taskId));
        task.cancelled = true;
        emit TaskCancelled(taskId);
        _refund(taskId, task);
    }

    /// @inheritdoc ICorpusTasks
    function refund(uint256 taskId) external {
        TaskRecords.Task storage task = _existingTask(taskId);
        require(!_isOpen(task), TasksTaskStillOpen(taskId, task.deadline));
        _refund(taskId, task);
    }

    // ─── Workers ────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusTasks
    function submit(
        uint256 taskId,
        bytes32 contentHash,
        string calldata uri
    ) external nonReentrant whenNotPaused returns (uint256 submissionId) {
        TaskRecords.Task storage task = _existingTask(taskId);
        uint256 uriLength = bytes(uri).length;
        require(
            contentHash != bytes32(0) && uriLength != 0 && uriLength <= MAX_URI_LENGTH,
            TasksInvalidContent(uriLength, MAX_URI_LENGTH)
        );
        submissionId = _reserveSlot(taskId, task);
        // Field by field: the panel slot stays untouched until a panel is drawn.
        TaskRecords.Submission storage sub = _submissions[submissionId];
        sub.worker = msg.sender;
        sub.taskId = uint48(taskId);
        sub.status = Status.Drawing;
        sub.contentHash = contentHash;
        sub.reviewDeadline = uint32(block.timestamp + task.reviewWindow);
        // Link it into the task's list (both slots are being written anyway: no extra storage write).
        sub.previousInTask = task.lastSubmission;
        task.lastSubmission = uint48(submissionId);

        uint256 bond = task.workerBond;
        emit Submitted(submissionId, taskId, msg.sender, contentHash, bond, uri);
        if (bond != 0) _pull(_tokensById[task.tokenId], msg.sender, bond);
        _requestPanel(submissionId, 0);
    }

    // ─── Review ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusTasks
    function drawPanel(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        _requireStatus(submissionId, sub.status, Status.Drawing);
        uint256 drawBy = sub.reviewDeadline;
        require(block.timestamp <= drawBy, TasksWindowClosed(submissionId, drawBy));
        TaskRecords.Task storage task = _tasks[sub.taskId];
        uint256 panelSize = task.panelSize;
        uint256 round = sub.round;

        // The parties never review their own work, nor does a panel that already failed to agree on it.
        address[] memory exclude = new address[](round == 0 ? 2 : 2 + panelSize);
        exclude[0] = task.requester;
        exclude[1] = sub.worker;
        if (round != 0) {
            uint256 previous = sub.panel;
            for (uint256 i; i < panelSize; ++i) exclude[2 + i] = STAKING.leafOwner(Packed32.at(previous, i));
        }
        (address[] memory panel, uint256[] memory leaves) = STAKING.drawAndLock(
            _drawKey(submissionId, round),
            panelSize,
            exclude,
            TaskRecords.reviewStake(task)
        );
        sub.panel = Packed32.pack(leaves, 0);

        uint256 reviewDeadline = block.timestamp + task.reviewWindow;
        sub.status = Status.Reviewing;
        sub.voted = 0;
        sub.accepts = 0;
        sub.reviewDeadline = uint32(reviewDeadline);
        emit PanelDrawn(submissionId, round, panel, reviewDeadline);
    }

    /// @inheritdoc ICorpusTasks
    function renewPanelSeed(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        _requireStatus(submissionId, sub.status, Status.Drawing);
        uint256 drawBy = sub.reviewDeadline;
        require(block.timestamp <= drawBy, TasksWindowClosed(submissionId, drawBy));
        // The randomness source refuses while the earlier request is still usable: no re-rolling.
        _requestPanel(submissionId, sub.round);
    }

    /// @inheritdoc ICorpusTasks
    function attest(uint256 submissionId, uint256 seat, bool accept, bytes32 reasonHash) external {
        TaskRecords.Submission storage sub = _submissions[submissionId];
        Status status = sub.status;
        require(status == Status.Reviewing || status == Status.Provisional, TasksWrongStatus(submissionId, status));
        uint256 reviewDeadline = sub.reviewDeadline;
        require(block.timestamp <= reviewDeadline, TasksWindowClosed(submissionId, reviewDeadline));
        require(
            seat < MAX_PANEL_SIZE && _isSeatedAt(sub.panel, seat, msg.sender),
            TasksNotOnPanel(submissionId, seat, msg.sender)
        );
        uint256 bit = 1 << seat;
        uint256 voted = sub.voted;
        require(voted & bit == 0, TasksAlreadyAttested(submissionId, msg.sender));
        voted |= bit;
        uint256 accepts = sub.accepts;
        if (accept) accepts |= bit;
        sub.voted = uint16(voted);
        sub.accepts = uint16(accepts);
        emit Attested(submissionId, msg.sender, accept, reasonHash);

        if (status == Status.Reviewing) {
            uint256 agreeing = Packed32.popCount(accept ? accepts : voted & ~accepts);
            if (agreeing >= _tasks[sub.taskId].quorum) {
                uint256 disputeDeadline = block.timestamp + _disputeWindow;
                sub.status = Status.Provisional;
                sub.verdict = uint8(accept ? RULING_ACCEPT : RULING_REJECT);
                sub.disputeDeadline = uint32(disputeDeadline);
                emit VerdictReached(submissionId, accept, disputeDeadline);
            }
        }
    }

    /// @inheritdoc ICorpusTasks
    function closeRound(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        _requireStatus(submissionId, sub.status, Status.Reviewing);
        uint256 reviewDeadline = sub.reviewDeadline;
        require(block.timestamp > reviewDeadline, TasksWindowOpen(submissionId, reviewDeadline));
        TaskRecords.Task storage task = _tasks[sub.taskId];
        // No verdict: no one is coherent and no fee is paid; absentees pay the liveness penalty.
        _settlePanel(submissionId, sub, task, _VERDICT_NONE, _VERDICT_NONE, address(0));

        uint256 round = sub.round + 1;
        bool finalRound = round >= _maxPanelRounds;
        if (finalRound) {
            uint256 escalateBy = block.timestamp + _disputeWindow;
            sub.status = Status.NoAgreement;
            sub.disputeDeadline = uint32(escalateBy);
            sub.flags |= _FLAG_PANEL_SETTLED;
            emit NoAgreement(submissionId, round - 1, true, escalateBy);
        } else {
            sub.status = Status.Drawing;
            sub.round = uint8(round);
            sub.reviewDeadline = uint32(block.timestamp + task.reviewWindow);
            emit NoAgreement(submissionId, round - 1, false, 0);
            _requestPanel(submissionId, round);
        }
    }

    /// @inheritdoc ICorpusTasks
    function dispute(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        _requireStatus(submissionId, sub.status, Status.Provisional);
        uint256 disputeDeadline = sub.disputeDeadline;
        require(block.timestamp <= disputeDeadline, TasksWindowClosed(submissionId, disputeDeadline));
        TaskRecords.Task storage task = _tasks[sub.taskId];
        address loser = sub.verdict == RULING_ACCEPT ? task.requester : sub.worker;
        require(msg.sender == loser, TasksNotLosingParty(submissionId, msg.sender));
        if (block.timestamp <= sub.reviewDeadline) {
            // The review ends here; members who had not attested yet lose their window, not their stake.
            sub.reviewDeadline = uint32(block.timestamp);
            sub.flags |= _FLAG_CUT_SHORT;
        }
        _openDispute(submissionId, sub, task, true);
    }

    /// @inheritdoc ICorpusTasks
    function escalate(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        _requireStatus(submissionId, sub.status, Status.NoAgreement);
        uint256 escalateBy = sub.disputeDeadline;
        require(block.timestamp <= escalateBy, TasksWindowClosed(submissionId, escalateBy));
        require(msg.sender == sub.worker, TasksNotLosingParty(submissionId, msg.sender));
        _openDispute(submissionId, sub, _tasks[sub.taskId], false);
    }

    /// @inheritdoc IArbitrable
    function rule(uint256 disputeId, uint256 ruling) external nonReentrant {
        bytes32 key = _disputeKey(IArbitrator(msg.sender), disputeId);
        uint256 submissionId = _disputes[key];
        require(submissionId != 0, TasksUnknownDispute(msg.sender, disputeId));
        require(ruling <= RULING_REJECT, TasksInvalidRuling(ruling));
        delete _disputes[key];
        TaskRecords.Submission storage sub = _submissions[submissionId];
        // A ruling that comes after the submission was voided for want of one changes nothing.
        if (sub.status == Status.Disputed) {
            sub.status = Status.Ruled;
            sub.ruling = uint8(ruling);
        }
        emit Ruling(IArbitrator(msg.sender), disputeId, ruling);
    }

    /// @inheritdoc ICorpusTasks
    function finalize(uint256 submissionId) external nonReentrant {
        TaskRecords.Submission storage sub = _existingSubmission(submissionId);
        TaskRecords.Task storage task = _tasks[sub.taskId];
        Status status = sub.status;
        uint256 outcome;
        uint256 toRequester;
        if (status == Status.Provisional) {
            uint256 disputeDeadline = sub.disputeDeadline;
            require(block.timestamp > disputeDeadline, TasksWindowOpen(submissionId, disputeDeadline));
            // Every member keeps its full window to attest (and to share the fee) unless all have.
            uint256 reviewDeadline = sub.reviewDeadline;
            require(
                block.timestamp > reviewDeadline || sub.voted == (1 << task.panelSize) - 1,
                TasksWindowOpen(submissionId, reviewDeadline)
            );
            outcome = sub.verdict;
            toRequester = _settlePanel(submissionId, sub, task, outcome, _VERDICT_NONE, address(0));
        } else if (status == Status.Ruled) {
            uint256 ruling = sub.ruling;
            if (sub.flags & _FLAG_PANEL_SETTLED != 0) {
                // Escalated after no agreement: the arbitrator decides alone; no ruling voids.
                outcome = ruling;
            } else {
                uint256 verdict = sub.verdict;
                outcome = ruling == _VERDICT_NONE ? verdict : ruling;
                uint256 overturned = outcome == verdict ? _VERDICT_NONE : verdict;
                address winner = outcome == RULING_ACCEPT ? sub.worker : task.requester;
                toRequester = _settlePanel(submissionId, sub, task, outcome, overturned, winner);
            }
        } else if (status == Status.Disputed) {
            // The arbitrator never ruled: no verdict is applied and no fee paid; a panel still locked is
            // released, with absentees paying the liveness penalty as in any settlement.
            uint256 rulingBy = sub.disputeDeadline;
            require(block.timestamp > rulingBy, TasksWindowOpen(submissionId, rulingBy));
            if (sub.flags & _FLAG_PANEL_SETTLED == 0) {
                toRequester = _settlePanel(submissionId, sub, task, _VERDICT_NONE, _VERDICT_NONE, address(0));
            }
        } else if (status == Status.NoAgreement) {
            uint256 escalateBy = sub.disputeDeadline;
            require(block.timestamp > escalateBy, TasksWindowOpen(submissionId, escalateBy));
        } else if (status == Status.Drawing) {
            uint256 drawBy = sub.reviewDeadline;
            require(block.timestamp > drawBy, TasksWindowOpen(submissionId, drawBy));
        } else {
            revert TasksWrongStatus(submissionId, status);
        }
        _close(submissionId, sub, task, outcome, toRequester);
    }

    /// @inheritdoc ICorpusTasks
    function sweepProtocolFees(uint256 taskId) external nonReentrant {
        TaskRecords.Task storage task = _existingTask(taskId);
        // Per submission, rounded down as each reservation was: rounding the total once could pay the
        // treasury a few wei that no reservation holds.
        uint256 amount = TaskRecords.unsweptProtocolFees(task);
        require(amount != 0, TasksNothingToWithdraw(_tokensById[task.tokenId], TREASURY));
        task.feesSwept = task.accepted;
        emit ProtocolFeesSwept(taskId, amount);
        _tokensById[task.tokenId].safeTransfer(TREASURY, amount);
    }

    /// @inheritdoc ICorpusTasks
    function withdraw(IERC20 token) external nonReentrant {
        mapping(address => uint256) storage balances = _balances[_paymentTokens[token].id];
        uint256 amount = balances[msg.sender];
        require(amount != 0, TasksNothingToWithdraw(token, msg.sender));
        balances[msg.sender] = 0;
        emit Withdrawn(token, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusTasks
    function setParameter(bytes32 parameter, uint256 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParameter(parameter, value);
    }

    /// @inheritdoc ICorpusTasks
    function setTokenAllowed(IERC20 token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTokenAllowed(token, allowed);
    }

    /// @inheritdoc ICorpusTasks
    function setArbitrator(IArbitrator newArbitrator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit ArbitratorSet(_arbitrator, newArbitrator);
        _arbitrator = newArbitrator;
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice What a task with `reward` per slot and `slots` slots escrows at today's fees.
    /// @param reward Per accepted submission.
    /// @param slots Accepted submissions wanted.
    /// @return escrow The whole amount {createTask} takes.
    /// @return validatorFee Per reviewed submission.
    /// @return protocolFee Per accepted submission.
    function escrowFor(
        uint256 reward,
        uint256 slots
    ) public view returns (uint256 escrow, uint256 validatorFee, uint256 protocolFee) {
        validatorFee = TaskRecords.feeOf(reward, _validatorFeeBps);
        protocolFee = TaskRecords.feeOf(reward, _protocolFeeBps);
        escrow = (reward + validatorFee + protocolFee) * slots;
    }

    /// @notice Every governed parameter's current value.
    /// @return protocolFeeBps Protocol fee on new tasks, in basis points of the reward.
    /// @return validatorFeeBps Validator fee on new tasks, in basis points of the reward.
    /// @return reviewStake CRP locked per panel member on new tasks.
    /// @return livenessPenalty CRP slashed from a panel member that never attested.
    /// @return disputeWindow Seconds to dispute a verdict (or escalate after no agreement).
    /// @return maxPanelRounds Panel rounds before a submission can only be escalated.
    /// @return arbitrator Where new disputes go.
    function parameters()
        external
        view
        returns (
            uint256 protocolFeeBps,
            uint256 validatorFeeBps,
            uint256 reviewStake,
            uint256 livenessPenalty,
            uint256 disputeWindow,
            uint256 maxPanelRounds,
            IArbitrator arbitrator
        )
    {
        return (
            _protocolFeeBps,
            _validatorFeeBps,
            _reviewStake,
            _livenessPenalty,
            _disputeWindow,
            _maxPanelRounds,
            _arbitrator
        );
    }

    /// @notice Whether new tasks may pay in `token`.
    /// @param token Any token.
    /// @return allowed CRP, or on the allowlist.
    function isTokenAllowed(IERC20 token) public view returns (bool allowed) {
        return _paymentTokens[token].allowed;
    }

    /// @inheritdoc ICorpusTasks
    function getTask(uint256 taskId) external view returns (TaskView memory) {
        return TaskRecords.taskView(_tasks, _tokensById, taskId);
    }

    /// @inheritdoc ICorpusTasks
    function getSubmission(uint256 submissionId) external view returns (SubmissionView memory) {
        return TaskRecords.submissionView(_tasks, _submissions, STAKING, submissionId);
    }

    /// @inheritdoc ICorpusTasks
    function workerRecord(address worker) external view returns (uint256 accepted, uint256 rejected) {
        TaskRecords.WorkerRecord memory record = _records[worker];
        return (record.accepted, record.rejected);
    }

    /// @inheritdoc ICorpusTasks
    function acceptedCount(uint256 taskId, address worker) external view returns (uint256) {
        return _workerTasks[taskId][worker].accepted;
    }

    /// @inheritdoc ICorpusTasks
    function balanceOf(IERC20 token, address account) external view returns (uint256) {
        return _balances[_paymentTokens[token].id][account];
    }

    /// @inheritdoc ICorpusTasks
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ICorpusTasks
    function submissionCount() external view returns (uint256) {
        return _submissionCount;
    }

    /// @inheritdoc ICorpusTasks
    function taskKindCount() external view returns (uint256) {
        return _taskKindCount;
    }

    // ─── Internal: tasks ────────────────────────────────────────────────────

    /// @dev Stores a task whose parameters {_validateTask} accepted and takes its escrow.
    function _createTask(TaskParams calldata p, uint256 tokenId) private returns (uint256 taskId) {
        (uint256 escrow, uint256 validatorFee, uint256 protocolFee) = escrowFor(p.reward, p.slots);
        uint256 reviewStake = _reviewStake;
        // Safe: taskId < 2^256 for ever.
        unchecked {
            taskId = ++_taskCount;
        }
        _tasks[taskId] = TaskRecords.Task({
            requester: msg.sender,
            deadline: uint32(p.deadline),
            reviewWindow: uint32(p.reviewWindow),
            slots: uint16(p.slots),
            panelSize: uint8(p.panelSize),
            quorum: uint8(p.quorum),
            reward: uint96(p.reward),
            workerBond: uint96(p.workerBond),
            tokenId: uint16(tokenId),
            kind: uint8(p.kind),
            cancelled: false,
            validatorFeeBps: _validatorFeeBps,
            protocolFeeBps: _protocolFeeBps,
            // Safe: escrow <= MAX_SLOTS * 1.3 * MAX_AMOUNT < 2^128.
            funds: uint128(escrow),
            pending: 0,
            accepted: 0,
            feesSwept: 0,
            lastSubmission: 0,
            // Whole CRP, as governance sets it (checked in _setParameter).
            reviewStakeCrp: uint32(reviewStake / 1e18)
        });
        _announceTask(taskId, p, escrow, validatorFee, protocolFee, reviewStake);
        _pull(p.token, msg.sender, escrow);
    }

    function _announceTask(
        uint256 taskId,
        TaskParams calldata p,
        uint256 escrow,
        uint256 validatorFee,
        uint256 protocolFee,
        uint256 reviewStake
    ) private {
        emit TaskCreated(
            taskId,
            msg.sender,
            p.token,
            p.kind,
            p.reward,
            p.slots,
            p.deadline,
            escrow,
            p.specHash,
            p.specUri
        );
        emit TaskReviewTerms(
            taskId,
            p.reviewWindow,
            p.panelSize,
            p.quorum,
            p.workerBond,
            validatorFee,
            protocolFee,
            reviewStake
        );
    }

    /// @dev Checks every parameter against its bounds; returns the payment token's id.
    function _validateTask(TaskParams calldata p) private view returns (uint256 tokenId) {
        PaymentToken memory token = _paymentTokens[p.token];
        require(token.allowed, TasksTokenNotAllowed(p.token));
        tokenId = token.id;
        require(p.reward != 0 && p.reward <= MAX_AMOUNT, TasksInvalidReward(p.reward, MAX_AMOUNT));
        require(p.workerBond <= MAX_AMOUNT, TasksInvalidWorkerBond(p.workerBond, MAX_AMOUNT));
        require(p.slots != 0 && p.slots <= MAX_SLOTS, TasksInvalidSlots(p.slots, MAX_SLOTS));
        uint256 latest = block.timestamp + MAX_TASK_DURATION;
        require(
            p.deadline > block.timestamp && p.deadline <= latest,
            TasksInvalidDeadline(p.deadline, block.timestamp + 1, latest)
        );
        require(
            p.reviewWindow >= MIN_REVIEW_WINDOW && p.reviewWindow <= MAX_REVIEW_WINDOW,
            TasksInvalidReviewWindow(p.reviewWindow, MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW)
        );
        require(
            p.panelSize % 2 == 1 &&
                p.panelSize <= MAX_PANEL_SIZE &&
                p.quorum > p.panelSize / 2 &&
                p.quorum <= p.panelSize,
            TasksInvalidPanel(p.panelSize, p.quorum, MAX_PANEL_SIZE)
        );
        require(p.kind < _taskKindCount, TasksInvalidKind(p.kind, _taskKindCount));
        uint256 uriLength = bytes(p.specUri).length;
        require(
            p.specHash != bytes32(0) && uriLength != 0 && uriLength <= MAX_URI_LENGTH,
            TasksInvalidSpec(uriLength, MAX_URI_LENGTH)
        );
    }

    /// @dev Checks that the caller may submit to the task now and reserves a slot and its escrow for it.
    function _reserveSlot(uint256 taskId, TaskRecords.Task storage task) private returns (uint256 submissionId) {
        require(_isOpen(task), TasksTaskClosed(taskId));
        require(msg.sender != task.requester, TasksRequesterCannotSubmit(taskId));
        TaskRecords.WorkerTask storage standing = _workerTasks[taskId][msg.sender];
        uint256 live = standing.liveSubmission;
        require(live == 0, TasksLiveSubmission(taskId, msg.sender, live));
        uint256 pending = task.pending;
        require(task.accepted + pending < task.slots, TasksNoFreeSlot(taskId, task.slots));
        uint256 reserved = _reservation(task);
        uint256 funds = task.funds;
        require(funds >= reserved, TasksInsufficientFunds(taskId, funds, reserved));
        // Safe: funds >= reserved; pending < slots <= MAX_SLOTS.
        unchecked {
            task.funds = uint128(funds - reserved);
            task.pending = uint16(pending + 1);
            submissionId = ++_submissionCount;
        }
        standing.liveSubmission = uint64(submissionId);
    }

    function _refund(uint256 taskId, TaskRecords.Task storage task) private {
        uint256 funds = task.funds;
        if (funds == 0) return;
        task.funds = 0;
        address requester = task.requester;
        emit TaskRefunded(taskId, requester, funds);
        _credit(task.tokenId, requester, funds);
    }

    // ─── Internal: review ───────────────────────────────────────────────────

    function _requestPanel(uint256 submissionId, uint256 round) private {
        uint256 readyBlock = STAKING.requestDraw(_drawKey(submissionId, round));
        emit PanelRequested(submissionId, round, readyBlock);
    }

    function _openDispute(
        uint256 submissionId,
        TaskRecords.Submission storage sub,
        TaskRecords.Task storage task,
        bool funded
    ) private {
        IArbitrator arbitrator = _arbitrator;
        require(address(arbitrator) != address(0), TasksNoArbitrator());
        uint256 panelSize = task.panelSize;
        // The parties first, in ruling order (1 accept favours the worker, 2 reject the requester), then the panel.
        address[] memory excluded = new address[](2 + panelSize);
        excluded[0] = sub.worker;
        excluded[1] = task.requester;
        uint256 panel = sub.panel;
        for (uint256 i; i < panelSize; ++i) excluded[2 + i] = STAKING.leafOwner(Packed32.at(panel, i));
        bytes memory extraData = abi.encode(excluded);
        sub.status = Status.Disputed;
        // From here the deadline is the arbitrator's: without a ruling by then, the submission can be voided.
        sub.disputeDeadline = uint32(block.timestamp + RULING_TIMEOUT);

        uint256 disputeId;
        uint256 fee;
        if (funded) {
            fee = arbitrator.arbitrationCost(extraData);
            if (fee != 0) {
                CRP.safeTransferFrom(msg.sender, address(this), fee);
                CRP.forceApprove(address(arbitrator), fee);
            }
            disputeId = arbitrator.createDispute(2, extraData, msg.sender);
            // Whatever the arbitrator did not pull goes back to the disputer and never stays approved.
            uint256 unpulled = fee == 0 ? 0 : CRP.allowance(address(this), address(arbitrator));
            if (unpulled != 0) {
                CRP.forceApprove(address(arbitrator), 0);
                CRP.safeTransfer(msg.sender, unpulled);
                fee -= unpulled;
            }
        } else {
            disputeId = arbitrator.createUnfundedDispute(2, extraData, msg.sender);
        }
        bytes32 key = _disputeKey(arbitrator, disputeId);
        // An arbitrator that hands out an id twice must not orphan the dispute that already holds it.
        require(_disputes[key] == 0, TasksDisputeIdReused(arbitrator, disputeId));
        _disputes[key] = submissionId;
        emit SubmissionDisputed(submissionId, msg.sender, arbitrator, disputeId, fee);
    }

    /// @dev Settles the current panel: every member is unlocked except for what it is slashed (absentees
    /// the liveness penalty unless a dispute cut their window short; members whose verdict the arbitrator
    /// overturned their whole review stake, to the winner), and the members who attested `outcome` share
    /// the validator fee equally. The rounding dust, or the whole fee when no one is coherent, goes back to
    /// the task. Returns what was credited to the requester.
    function _settlePanel(
        uint256 submissionId,
        TaskRecords.Submission storage sub,
        TaskRecords.Task storage task,
        uint256 outcome,
        uint256 overturned,
        address winner
    ) private returns (uint256 toRequester) {
        (uint256 coherentSeats, uint256 overturnedSeats, uint256 absentSeats) = _seatMasks(
            sub,
            task.panelSize,
            outcome,
            overturned
        );
        (address[] memory members, uint256 slashedSeats) = _releasePanel(
            sub,
            task,
            overturnedSeats,
            absentSeats,
            winner
        );
        uint256 share;
        (share, toRequester) = _payPanel(task, members, coherentSeats, outcome != _VERDICT_NONE);
        emit PanelSettled(submissionId, sub.round, coherentSeats, share, slashedSeats);
    }

    /// @dev Unlocks every member but for what it is slashed, then slashes that: a slash takes from locked
    /// stake first, so it comes out of this review's lock. Returns the members and which were slashed.
    function _releasePanel(
        TaskRecords.Submission storage sub,
        TaskRecords.Task storage task,
        uint256 overturnedSeats,
        uint256 absentSeats,
        address winner
    ) private returns (address[] memory members, uint256 slashedSeats) {
        uint256 lock = TaskRecords.reviewStake(task);
        uint256[] memory keep = _slashes(sub, task.panelSize, lock, overturnedSeats, absentSeats);
        uint256[] memory release = new uint256[](keep.length);
        for (uint256 seat; seat < keep.length; ++seat) release[seat] = lock - keep[seat];
        members = STAKING.unlockLeaves(Packed32.unpack(sub.panel, keep.length), release);
        for (uint256 seat; seat < keep.length; ++seat) {
            if (keep[seat] == 0) continue;
            slashedSeats |= 1 << seat;
            STAKING.slash(members[seat], keep[seat], (overturnedSeats >> seat) & 1 != 0 ? winner : TREASURY);
        }
    }

    /// @dev What each seat is slashed: the whole review stake for an overturned verdict, the liveness
    /// penalty for an absence (read only when someone is absent; excused when a dispute cut the review short).
    function _slashes(
        TaskRecords.Submission storage sub,
        uint256 panelSize,
        uint256 lock,
        uint256 overturnedSeats,
        uint256 absentSeats
    ) private view returns (uint256[] memory amounts) {
        uint256 penalty = absentSeats == 0 || sub.flags & _FLAG_CUT_SHORT != 0 ? 0 : _min(_livenessPenalty, lock);
        amounts = new uint256[](panelSize);
        for (uint256 seat; seat < panelSize; ++seat) {
            uint256 bit = 1 << seat;
            amounts[seat] = overturnedSeats & bit != 0 ? lock : (absentSeats & bit != 0 ? penalty : 0);
        }
    }

    /// @dev Which seats attested `outcome`, which attested the `overturned` verdict, and which never attested.
    function _seatMasks(
        TaskRecords.Submission storage sub,
        uint256 panelSize,
        uint256 outcome,
        uint256 overturned
    ) private view returns (uint256 coherentSeats, uint256 overturnedSeats, uint256 absentSeats) {
        uint256 voted = sub.voted;
        uint256 accepts = sub.accepts;
        uint256 rejects = voted & ~accepts;
        if (outcome != _VERDICT_NONE) coherentSeats = outcome == RULING_ACCEPT ? accepts : rejects;
        if (overturned != _VERDICT_NONE) overturnedSeats = overturned == RULING_ACCEPT ? accepts : rejects;
        absentSeats = ((1 << panelSize) - 1) & ~voted;
    }

    /// @dev Credits each coherent member an equal share of the validator fee (if `paid`); the dust, or the
    /// whole fee with no coherent member, goes back to the task.
    function _payPanel(
        TaskRecords.Task storage task,
        address[] memory members,
        uint256 coherentSeats,
        bool paid
    ) private returns (uint256 share, uint256 toRequester) {
        if (!paid) return (0, 0);
        uint256 fee = TaskRecords.validatorFee(task);
        uint256 coherentCount = Packed32.popCount(coherentSeats);
        if (coherentCount != 0) {
            share = fee / coherentCount;
            if (share != 0) {
                uint256 tokenId = task.tokenId;
                for (uint256 seat; seat < members.length; ++seat) {
                    if ((coherentSeats >> seat) & 1 != 0) _credit(tokenId, members[seat], share);
                }
            }
        }
        // Safe: share * coherentCount <= fee.
        unchecked {
            toRequester = _release(task, fee - share * coherentCount);
        }
    }

    /// @dev Whether `account` holds the staking leaf in `seat` of the packed panel.
    function _isSeatedAt(uint256 panel, uint256 seat, address account) private view returns (bool) {
        uint256 leaf = Packed32.at(panel, seat);
        return leaf != 0 && STAKING.leafOf(account) == leaf;
    }

    /// @dev Makes the submission final with `outcome` (accept, reject, or none: void) and pays out of its
    /// reservation. The validator fee was already paid (or released) by {_settlePanel} when a panel was
    /// settled with a verdict; otherwise it is released here. An accepted submission's protocol fee stays
    /// with the task until it is swept.
    function _close(
        uint256 submissionId,
        TaskRecords.Submission storage sub,
        TaskRecords.Task storage task,
        uint256 outcome,
        uint256 requesterPayout
    ) private {
        uint256 taskId = sub.taskId;
        address worker = sub.worker;
        uint256 tokenId = task.tokenId;
        uint256 reward = task.reward;
        uint256 bond = task.workerBond;
        // The validator fee is still reserved unless a panel settled with a verdict just paid it.
        bool feeSettled = outcome != _VERDICT_NONE && sub.flags & _FLAG_PANEL_SETTLED == 0;
        uint256 validatorFee = feeSettled ? 0 : TaskRecords.validatorFee(task);
        TaskRecords.WorkerTask storage standing = _workerTasks[taskId][worker];
        Status status;
        uint256 workerPayout;

        // Safe: pending counts this submission; accepted < slots <= MAX_SLOTS; counters are far from 2^32.
        unchecked {
            task.pending -= 1;
            if (outcome == RULING_ACCEPT) {
                status = Status.Accepted;
                task.accepted += 1;
                standing.accepted += 1;
                _records[worker].accepted += 1;
                workerPayout = reward + bond;
                requesterPayout += _release(task, validatorFee);
            } else {
                uint256 unused = reward + TaskRecords.protocolFee(task) + validatorFee;
                if (outcome == RULING_REJECT) {
                    status = Status.Rejected;
                    _records[worker].rejected += 1;
                    requesterPayout += bond + _release(task, unused);
                } else {
                    status = Status.Voided;
                    workerPayout = bond;
                    requesterPayout += _release(task, unused);
                }
            }
        }
        if (workerPayout != 0) _credit(tokenId, worker, workerPayout);
        if (outcome == RULING_REJECT && bond != 0) _credit(tokenId, task.requester, bond);
        standing.liveSubmission = 0;
        sub.status = status;
        emit SubmissionFinalized(submissionId, taskId, status, workerPayout, requesterPayout);
    }

    // ─── Internal: money ────────────────────────────────────────────────────

    /// @dev Pulls exactly `amount` of `token` from `from`, refusing tokens that deliver less.
    function _pull(IERC20 token, address from, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        require(received == amount, TasksTokenDeliveredLess(token, amount, received));
    }

    function _credit(uint256 tokenId, address account, uint256 amount) private {
        _balances[tokenId][account] += amount;
    }

    /// @dev Returns escrow a submission no longer needs: to the task while it is open, else to the
    /// requester's balance. Returns what the requester was credited.
    function _release(TaskRecords.Task storage task, uint256 amount) private returns (uint256 toRequester) {
        if (amount == 0) return 0;
        if (_isOpen(task)) {
            // Safe: funds never exceed what was escrowed for the task, far below 2^128.
            task.funds += uint128(amount);
            return 0;
        }
        _credit(task.tokenId, task.requester, amount);
        return amount;
    }

    // ─── Internal: parameters ───────────────────────────────────────────────

    function _setParameter(bytes32 parameter, uint256 value) private {
        uint256 old;
        if (parameter == _PROTOCOL_FEE_BPS) {
            _checkBounds(parameter, value, 0, MAX_PROTOCOL_FEE_BPS);
            old = _protocolFeeBps;
            _protocolFeeBps = uint16(value);
        } else if (parameter == _VALIDATOR_FEE_BPS) {
            _checkBounds(parameter, value, 0, MAX_VALIDATOR_FEE_BPS);
            old = _validatorFeeBps;
            _validatorFeeBps = uint16(value);
        } else if (parameter == _REVIEW_STAKE) {
            // Never below the liveness penalty, which is taken out of the review lock.
            _checkBounds(parameter, value, _max(MIN_REVIEW_STAKE, _livenessPenalty), MAX_REVIEW_STAKE);
            // Whole CRP: staking weighs stake in whole CRP, and tasks keep it in 32 bits.
            require(value % 1e18 == 0, TasksParameterOutOfBounds(parameter, value, MIN_REVIEW_STAKE, MAX_REVIEW_STAKE));
            old = _reviewStake;
            _reviewStake = uint88(value);
        } else if (parameter == _LIVENESS_PENALTY) {
            _checkBounds(parameter, value, 0, _reviewStake);
            old = _livenessPenalty;
            _livenessPenalty = uint88(value);
        } else if (parameter == _DISPUTE_WINDOW) {
            _checkBounds(parameter, value, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
            old = _disputeWindow;
            _disputeWindow = uint32(value);
        } else if (parameter == _MAX_PANEL_ROUNDS) {
            _checkBounds(parameter, value, MIN_PANEL_ROUNDS, MAX_PANEL_ROUNDS);
            old = _maxPanelRounds;
            _maxPanelRounds = uint8(value);
        } else if (parameter == _TASK_KIND_COUNT) {
            // Kinds are only ever added: a running task's kind never becomes undefined.
            _checkBounds(parameter, value, _taskKindCount, MAX_TASK_KINDS);
            old = _taskKindCount;
            _taskKindCount = uint8(value);
        } else {
            revert TasksParameterOutOfBounds(parameter, value, 0, 0);
        }
        emit ParameterSet(parameter, old, value);
    }

    function _setTokenAllowed(IERC20 token, bool allowed) private {
        require(address(token) != address(0) && token != CRP, TasksTokenNotAllowed(token));
        _registerToken(token, allowed);
    }

    /// @dev Gives `token` an id the first time it is seen, and sets whether new tasks may use it.
    function _registerToken(IERC20 token, bool allowed) private {
        PaymentToken storage entry = _paymentTokens[token];
        if (entry.id == 0) {
            uint16 id = ++_tokenCount;
            entry.id = id;
            _tokensById[id] = token;
        }
        entry.allowed = allowed;
        emit TokenAllowed(token, allowed);
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, TasksParameterOutOfBounds(parameter, value, min, max));
    }

    // ─── Internal: helpers ──────────────────────────────────────────────────

    function _existingTask(uint256 taskId) private view returns (TaskRecords.Task storage task) {
        task = _tasks[taskId];
        require(task.requester != address(0), TasksUnknownTask(taskId));
    }

    function _existingSubmission(uint256 submissionId) private view returns (TaskRecords.Submission storage sub) {
        sub = _submissions[submissionId];
        require(sub.worker != address(0), TasksUnknownSubmission(submissionId));
    }

    function _requireStatus(uint256 submissionId, Status actual, Status expected) private pure {
        require(actual == expected, TasksWrongStatus(submissionId, actual));
    }

    /// @dev Open: not cancelled and not past its deadline.
    function _isOpen(TaskRecords.Task storage task) private view returns (bool) {
        return !task.cancelled && block.timestamp <= task.deadline;
    }

    /// @dev What one submission reserves of the task's funds: its reward and both fees.
    function _reservation(TaskRecords.Task storage task) private view returns (uint256) {
        uint256 reward = task.reward;
        return
            reward + TaskRecords.feeOf(reward, task.validatorFeeBps) + TaskRecords.feeOf(reward, task.protocolFeeBps);
    }

    function _drawKey(uint256 submissionId, uint256 round) private pure returns (bytes32) {
        return bytes32((submissionId << 8) | round);
    }

    function _disputeKey(IArbitrator arbitrator, uint256 disputeId) private pure returns (bytes32) {
        return keccak256(abi.encode(arbitrator, disputeId));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a : b;
    }
}
