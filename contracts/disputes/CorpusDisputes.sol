// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// One mapping per kind of record (disputes, rounds, seats, balances) and two slots of parameters, each read
// where it is needed; folding them into fewer variables would not save a storage access.
/* solhint-disable max-states-count */

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {GuardedPausable} from "../governance/GuardedPausable.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {ICorpusDisputes} from "../interfaces/ICorpusDisputes.sol";
import {ICorpusStaking} from "../interfaces/ICorpusStaking.sol";
import {Packed32} from "../libraries/Packed32.sol";

/// @title CorpusDisputes
/// @notice Dispute resolution: stake-drawn juries, commit–reveal votes, appeals to juries of `2n + 1`,
/// pull payments, and rulings delivered with bounded gas. See {ICorpusDisputes} for the rules.
/// @dev Gas shape: a juror's seat is one slot keyed by (round, juror) holding its state, its vote and the
/// top 240 bits of its commitment, so committing and revealing each rewrite one slot that drawing the jury
/// already made non-zero, and a reveal adds to the round's tally in the round's own (non-zero) slot.
/// Token conservation: this contract's CRP balance equals the sum of balances plus the fees of rounds not
/// yet settled (slash rewards arrive and are credited within {settleRound}).
contract CorpusDisputes is ICorpusDisputes, GuardedPausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ─── Constants and immutables ───────────────────────────────────────────

    /// @notice Most rulings besides 0 a dispute may offer.
    uint256 public constant MAX_CHOICES = 4;
    /// @notice Most addresses a dispute may exclude from its juries (the staking draw's limit).
    uint256 public constant MAX_EXCLUDED = 64;
    /// @notice Most appeals per dispute; the ruling of the last round is final.
    uint256 public constant MAX_APPEALS = 3;
    /// @notice Smallest first-round jury governance may set.
    uint256 public constant MIN_JURY_SIZE = 3;
    /// @notice Largest first-round jury governance may set: 7, 15, 31 and 63 jurors fit one staking draw.
    uint256 public constant MAX_JURY_SIZE = 7;
    /// @notice Highest fee per juror governance may set.
    uint256 public constant MAX_FEE_PER_JUROR = 10_000e18;
    /// @notice Smallest juror lock governance may set.
    uint256 public constant MIN_JUROR_LOCK = 1e18;
    /// @notice Largest juror lock governance may set.
    uint256 public constant MAX_JUROR_LOCK = 1_000_000e18;
    /// @notice Shortest phase governance may set.
    uint256 public constant MIN_PERIOD = 1 hours;
    /// @notice Longest phase governance may set: four rounds of the longest phases (with the latest draw)
    /// end within 140 days, inside the task registry's 180-day ruling timeout.
    uint256 public constant MAX_PERIOD = 7 days;
    /// @notice Gas the arbitrable contract's {IArbitrable.rule} callback gets.
    uint256 public constant CALLBACK_GAS = 300_000;

    bytes32 private constant _FEE_PER_JUROR = "feePerJuror";
    bytes32 private constant _JURY_SIZE = "jurySize";
    bytes32 private constant _JUROR_LOCK = "jurorLock";
    bytes32 private constant _EVIDENCE_PERIOD = "evidencePeriod";
    bytes32 private constant _COMMIT_PERIOD = "commitPeriod";
    bytes32 private constant _REVEAL_PERIOD = "revealPeriod";
    bytes32 private constant _APPEAL_PERIOD = "appealPeriod";
    bytes32 private constant _NON_REVEAL_SLASH_BPS = "nonRevealSlashBps";
    bytes32 private constant _INCOHERENT_SLASH_BPS = "incoherentSlashBps";

    uint256 private constant _BPS = 10_000;
    uint256 private constant _CRP = 1e18;
    /// @dev What executing a ruling needs besides the callback's gas: the call itself and the bookkeeping after.
    uint256 private constant _CALLBACK_OVERHEAD = 20_000;
    /// @dev Seat states (low byte of a seat slot); the next byte is the vote, the rest the commitment.
    uint256 private constant _SEAT_DRAWN = 1;
    uint256 private constant _SEAT_COMMITTED = 2;
    uint256 private constant _SEAT_REVEALED = 3;
    uint256 private constant _SEAT_LOW_BITS = 0xFFFF;
    /// @dev Round flags.
    uint8 private constant _DRAWN = 1;
    uint8 private constant _SETTLED = 2;

    /// @notice The staking contract juries are drawn from, locked in and slashed by.
    ICorpusStaking public immutable STAKING;
    /// @notice CRP: the fee token.
    IERC20 public immutable CRP;

    // ─── Storage ────────────────────────────────────────────────────────────

    struct Dispute {
        IArbitrable arbitrable;
        uint8 choices;
        uint8 lastRound;
        bool executed;
    }

    /// @dev One slot: a round's clock, tally and the terms its jurors were drawn under.
    struct Round {
        uint32 evidenceEnd;
        uint32 commitEnd;
        uint32 revealEnd;
        uint32 appealEnd;
        uint8 jurySize;
        uint8 flags;
        uint32 tally;
        uint32 lockCrp;
        uint16 nonRevealSlashBps;
        uint16 incoherentSlashBps;
    }

    struct Payment {
        address payer;
        uint96 fee;
    }

    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 disputeId => bytes32) private _exclusionHashes;
    mapping(uint256 disputeId => mapping(uint256 index => address)) private _parties;
    /// @dev Keyed by {_roundKey}.
    mapping(uint256 roundKey => Round) private _rounds;
    mapping(uint256 roundKey => Payment) private _payments;
    mapping(uint256 roundKey => mapping(uint256 word => uint256 leaves)) private _juryLeaves;
    mapping(uint256 roundKey => mapping(address juror => uint256 seat)) private _seats;
    mapping(address account => uint256) private _balances;
    mapping(IArbitrable arbitrable => bool) private _unfundedAllowed;

    // One slot: what opening a round reads.
    uint96 private _feePerJuror;
    uint32 private _jurorLockCrp;
    uint32 private _evidencePeriod;
    uint32 private _commitPeriod;
    uint32 private _revealPeriod;
    uint32 private _appealPeriod;
    // One slot.
    uint8 private _jurySize;
    uint16 private _nonRevealSlashBps;
    uint16 private _incoherentSlashBps;
    uint64 private _disputeCount;

    // ─── Constructor ────────────────────────────────────────────────────────

    /// @notice Deploys dispute resolution with every role given to `governance` (and the pause to `guardian`).
    /// @param staking The staking contract (this contract needs its LOCKER_ROLE and SLASHER_ROLE).
    /// @param governance The timelock: admin and parameter owner.
    /// @param guardian May pause new disputes.
    /// @param initial feePerJuror, jurySize, jurorLock, evidencePeriod, commitPeriod, revealPeriod,
    /// appealPeriod, nonRevealSlashBps, incoherentSlashBps.
    /// @param bootstrapAdmin Also admin until it renounces (zero: none), so a deployment can allow the task
    /// registry's unfunded disputes without a governance vote.
    constructor(
        ICorpusStaking staking,
        address governance,
        address guardian,
        uint256[9] memory initial,
        address bootstrapAdmin
    ) GuardedPausable(governance, guardian) {
        require(address(staking) != address(0) && governance != address(0), DisputesZeroAddress());
        if (bootstrapAdmin != address(0)) _grantRole(DEFAULT_ADMIN_ROLE, bootstrapAdmin);
        STAKING = staking;
        CRP = IERC20(address(staking.TOKEN()));
        _setParameter(_FEE_PER_JUROR, initial[0]);
        _setParameter(_JURY_SIZE, initial[1]);
        _setParameter(_JUROR_LOCK, initial[2]);
        _setParameter(_EVIDENCE_PERIOD, initial[3]);
        _setParameter(_COMMIT_PERIOD, initial[4]);
        _setParameter(_REVEAL_PERIOD, initial[5]);
        _setParameter(_APPEAL_PERIOD, initial[6]);
        _setParameter(_NON_REVEAL_SLASH_BPS, initial[7]);
        _setParameter(_INCOHERENT_SLASH_BPS, initial[8]);
    }

    // ─── Arbitrable contracts ───────────────────────────────────────────────

    /// @inheritdoc IArbitrator
    function createDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external nonReentrant returns (uint256 disputeId) {
        bool trusted = _unfundedAllowed[IArbitrable(msg.sender)];
        // The registry's dispute windows keep running while the guardian pauses: pausing its disputes would
        // make contested verdicts final. Others' new disputes stop.
        if (!trusted) _requireNotPaused();
        uint256 fee = _juryFee(_jurySize);
        // With a zero fee a dispute is free: open to anyone, it would be a free way to lock jurors' stake.
        require(fee != 0 || trusted, DisputesUnfundedNotAllowed(msg.sender));
        disputeId = _open(choices, extraData, party, fee);
        if (fee != 0) CRP.safeTransferFrom(msg.sender, address(this), fee);
    }

    /// @inheritdoc IArbitrator
    function createUnfundedDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external nonReentrant returns (uint256 disputeId) {
        // Unfunded juries are paid only by slashes: open to anyone, they would be a free way to lock stake.
        // The arbitrables allowed to open them are not paused either (see {createDispute}).
        require(_unfundedAllowed[IArbitrable(msg.sender)], DisputesUnfundedNotAllowed(msg.sender));
        return _open(choices, extraData, party, 0);
    }

    // ─── Anyone ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusDisputes
    function drawJury(uint256 disputeId, address[] calldata excluded) external nonReentrant {
        (, uint256 round, uint256 key, Round storage r) = _undrawnRound(disputeId);
        require(keccak256(abi.encode(excluded)) == _exclusionHashes[disputeId], DisputesWrongExclusions(disputeId));
        (address[] memory jurors, uint256[] memory leaves) = STAKING.drawAndLock(
            bytes32(key),
            r.jurySize,
            excluded,
            uint256(r.lockCrp) * _CRP
        );
        mapping(address => uint256) storage seats = _seats[key];
        for (uint256 i; i < jurors.length; ++i) seats[jurors[i]] = _SEAT_DRAWN;
        Packed32.store(_juryLeaves[key], leaves);

        // Jurors get the whole commit period, and never before the evidence is in.
        uint256 evidenceEnd = r.evidenceEnd;
        uint256 commitEnd = (block.timestamp > evidenceEnd ? block.timestamp : evidenceEnd) + _commitPeriod;
        uint256 revealEnd = commitEnd + _revealPeriod;
        uint256 appealEnd = round == MAX_APPEALS ? revealEnd : revealEnd + _appealPeriod;
        r.commitEnd = uint32(commitEnd);
        r.revealEnd = uint32(revealEnd);
        r.appealEnd = uint32(appealEnd);
        r.flags = _DRAWN;
        emit JuryDrawn(disputeId, round, jurors, commitEnd, revealEnd, appealEnd);
    }

    /// @inheritdoc ICorpusDisputes
    function renewJurySeed(uint256 disputeId) external nonReentrant {
        (, uint256 round, uint256 key, ) = _undrawnRound(disputeId);
        // The randomness source refuses unless the earlier seed expired: no one can re-roll a jury.
        uint256 readyBlock = STAKING.requestDraw(bytes32(key));
        emit JurySeedRenewed(disputeId, round, readyBlock);
    }

    /// @inheritdoc ICorpusDisputes
    function executeRuling(uint256 disputeId) external nonReentrant {
        Dispute storage d = _existing(disputeId);
        require(!d.executed, DisputesAlreadyExecuted(disputeId));
        (uint256 ruling, bool isFinal) = _currentRuling(disputeId, d);
        require(isFinal, DisputesNotFinal(disputeId));
        d.executed = true;
        if (_deliver(d.arbitrable, disputeId, ruling)) {
            emit RulingExecuted(disputeId, ruling);
        } else {
            d.executed = false;
            emit RulingExecutionFailed(disputeId, ruling);
        }
    }

    /// @inheritdoc ICorpusDisputes
    function settleRound(uint256 disputeId, uint256 round) external nonReentrant {
        Dispute storage d = _existing(disputeId);
        require(round <= d.lastRound, DisputesUnknownRound(disputeId, round));
        (uint256 ruling, bool isFinal) = _currentRuling(disputeId, d);
        require(isFinal, DisputesNotFinal(disputeId));
        uint256 key = _roundKey(disputeId, round);
        Round storage r = _rounds[key];
        uint8 flags = r.flags;
        require(flags & _SETTLED == 0, DisputesRoundAlreadySettled(disputeId, round));
        r.flags = flags | _SETTLED;
        Payment memory payment = _payments[key];
        if (flags & _DRAWN == 0) {
            // No jury was drawn in time: the payer gets its fee back and the previous ruling stands.
            _balances[payment.payer] += payment.fee;
            emit RoundSettled(disputeId, round, ruling, 0, 0, 0, payment.fee);
            return;
        }
        (address[] memory jurors, uint256 coherentSeats, uint256 slashed, uint256 slashReward) = _judgeJury(
            key,
            r,
            ruling
        );
        _payJury(disputeId, round, ruling, jurors, coherentSeats, payment, slashed, payment.fee + slashReward);
    }

    /// @inheritdoc ICorpusDisputes
    function withdraw() external nonReentrant {
        uint256 amount = _balances[msg.sender];
        require(amount != 0, DisputesNothingToWithdraw(msg.sender));
        _balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        CRP.safeTransfer(msg.sender, amount);
    }

    // ─── Parties ────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusDisputes
    function submitEvidence(uint256 disputeId, string calldata uri, bytes32 contentHash) external {
        Dispute storage d = _existing(disputeId);
        require(_isParty(disputeId, d.choices, msg.sender), DisputesNotAParty(disputeId, msg.sender));
        require(bytes(uri).length != 0, DisputesEmptyEvidence());
        uint256 round = d.lastRound;
        if (block.timestamp > _rounds[_roundKey(disputeId, round)].evidenceEnd) _revertWrongPhase(disputeId);
        emit Evidence(disputeId, round, msg.sender, uri, contentHash);
    }

    /// @inheritdoc ICorpusDisputes
    function appeal(uint256 disputeId) external nonReentrant {
        Dispute storage d = _existing(disputeId);
        uint256 round = d.lastRound;
        require(round < MAX_APPEALS, DisputesNoMoreAppeals(disputeId));
        Round storage r = _rounds[_roundKey(disputeId, round)];
        if (r.flags & _DRAWN == 0 || block.timestamp <= r.revealEnd || block.timestamp > r.appealEnd) {
            _revertWrongPhase(disputeId);
        }
        uint256 choices = d.choices;
        uint256 ruling = _decidedRuling(disputeId, choices, round);
        require(
            _isParty(disputeId, choices, msg.sender) && (ruling == 0 || _parties[disputeId][ruling - 1] != msg.sender),
            DisputesNotLosingSide(disputeId, msg.sender)
        );
        uint256 jurySize = _appealJurySize(r);
        uint256 fee = _juryFee(jurySize);
        d.lastRound = uint8(round + 1);
        _startRound(disputeId, round + 1, jurySize, msg.sender, fee);
        emit Appealed(disputeId, round + 1, msg.sender, fee);
        if (fee != 0) CRP.safeTransferFrom(msg.sender, address(this), fee);
    }

    // ─── Jurors ─────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusDisputes
    function commitVote(uint256 disputeId, bytes32 commitment) external {
        (, uint256 round, uint256 key, Round storage r) = _currentRound(disputeId);
        if (r.flags & _DRAWN == 0 || block.timestamp <= r.evidenceEnd || block.timestamp > r.commitEnd) {
            _revertWrongPhase(disputeId);
        }
        mapping(address => uint256) storage seats = _seats[key];
        uint256 seat = seats[msg.sender];
        if (seat != _SEAT_DRAWN) {
            if (seat == 0) revert DisputesNotAJuror(disputeId, round, msg.sender);
            revert DisputesAlreadyCommitted(disputeId, round, msg.sender);
        }
        seats[msg.sender] = (uint256(commitment) & ~_SEAT_LOW_BITS) | _SEAT_COMMITTED;
        emit VoteCommitted(disputeId, round, msg.sender, commitment);
    }

    /// @inheritdoc ICorpusDisputes
    function revealVote(uint256 disputeId, uint256 vote, bytes32 salt) external {
        (Dispute storage d, uint256 round, uint256 key, Round storage r) = _currentRound(disputeId);
        if (r.flags & _DRAWN == 0 || block.timestamp <= r.commitEnd || block.timestamp > r.revealEnd) {
            _revertWrongPhase(disputeId);
        }
        uint256 commitment = _commitmentToReveal(key, disputeId, round);
        uint256 choices = d.choices;
        require(vote != 0 && vote <= choices, DisputesInvalidVote(vote, choices));
        require(
            uint256(commitmentOf(disputeId, round, msg.sender, vote, salt)) & ~_SEAT_LOW_BITS == commitment,
            DisputesRevealMismatch(disputeId, round, msg.sender)
        );
        _seats[key][msg.sender] = commitment | (vote << 8) | _SEAT_REVEALED;
        // Safe: at most 63 jurors reveal, so a ruling's 8-bit tally lane never overflows.
        unchecked {
            r.tally += uint32(1 << (8 * (vote - 1)));
        }
        emit VoteRevealed(disputeId, round, msg.sender, vote);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusDisputes
    function setParameter(bytes32 parameter, uint256 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParameter(parameter, value);
    }

    /// @inheritdoc ICorpusDisputes
    function setUnfundedAllowed(IArbitrable arbitrable, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(address(arbitrable) != address(0), DisputesZeroAddress());
        _unfundedAllowed[arbitrable] = allowed;
        emit UnfundedAllowedSet(arbitrable, allowed);
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @inheritdoc IArbitrator
    function feeToken() external view returns (IERC20) {
        return CRP;
    }

    /// @inheritdoc IArbitrator
    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return _juryFee(_jurySize);
    }

    /// @inheritdoc ICorpusDisputes
    function appealCost(uint256 disputeId) external view returns (uint256) {
        uint256 round = _existing(disputeId).lastRound;
        require(round < MAX_APPEALS, DisputesNoMoreAppeals(disputeId));
        return _juryFee(_appealJurySize(_rounds[_roundKey(disputeId, round)]));
    }

    /// @inheritdoc ICorpusDisputes
    function commitmentOf(
        uint256 disputeId,
        uint256 round,
        address juror,
        uint256 vote,
        bytes32 salt
    ) public view returns (bytes32) {
        // Bound to this arbitrator on this chain too: a salt reused after a redeployment reveals nothing.
        return keccak256(abi.encode(block.chainid, address(this), disputeId, round, juror, vote, salt));
    }

    /// @inheritdoc ICorpusDisputes
    function getDispute(uint256 disputeId) external view returns (DisputeView memory view_) {
        Dispute storage d = _existing(disputeId);
        uint256 choices = d.choices;
        (uint256 ruling, ) = _currentRuling(disputeId, d);
        address[] memory parties = new address[](choices);
        for (uint256 c; c < choices; ++c) parties[c] = _parties[disputeId][c];
        view_ = DisputeView(d.arbitrable, choices, d.lastRound, _phaseOf(disputeId), ruling, parties);
    }

    /// @inheritdoc ICorpusDisputes
    function getRound(uint256 disputeId, uint256 round) external view returns (RoundView memory view_) {
        Dispute storage d = _existing(disputeId);
        require(round <= d.lastRound, DisputesUnknownRound(disputeId, round));
        uint256 key = _roundKey(disputeId, round);
        Round memory r = _rounds[key];
        Payment memory payment = _payments[key];
        view_.jurySize = r.jurySize;
        view_.drawn = r.flags & _DRAWN != 0;
        view_.settled = r.flags & _SETTLED != 0;
        view_.evidenceEnd = r.evidenceEnd;
        view_.commitEnd = r.commitEnd;
        view_.revealEnd = r.revealEnd;
        view_.appealEnd = r.appealEnd;
        view_.votes = _votesOf(r.tally, d.choices);
        for (uint256 c; c < view_.votes.length; ++c) view_.revealed += view_.votes[c];
        view_.jurorLock = uint256(r.lockCrp) * _CRP;
        view_.nonRevealSlashBps = r.nonRevealSlashBps;
        view_.incoherentSlashBps = r.incoherentSlashBps;
        view_.payer = payment.payer;
        view_.fee = payment.fee;
        if (view_.drawn) {
            uint256[] memory leaves = Packed32.load(_juryLeaves[key], r.jurySize);
            view_.jurors = new address[](leaves.length);
            for (uint256 i; i < leaves.length; ++i) view_.jurors[i] = STAKING.leafOwner(leaves[i]);
        }
    }

    /// @inheritdoc ICorpusDisputes
    function seatOf(
        uint256 disputeId,
        uint256 round,
        address juror
    ) external view returns (bool drawn, bool committed, bool revealed, uint256 vote) {
        // Rounds live under eight bits of the key: a larger round would read another dispute's seats.
        require(round <= MAX_APPEALS, DisputesUnknownRound(disputeId, round));
        uint256 seat = _seats[_roundKey(disputeId, round)][juror];
        uint256 state = seat & 0xFF;
        return (state != 0, state >= _SEAT_COMMITTED, state == _SEAT_REVEALED, (seat >> 8) & 0xFF);
    }

    /// @inheritdoc ICorpusDisputes
    function currentRuling(uint256 disputeId) external view returns (uint256 ruling, bool isFinal) {
        return _currentRuling(disputeId, _existing(disputeId));
    }

    /// @inheritdoc ICorpusDisputes
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ICorpusDisputes
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @inheritdoc ICorpusDisputes
    function isUnfundedAllowed(IArbitrable arbitrable) external view returns (bool) {
        return _unfundedAllowed[arbitrable];
    }

    /// @inheritdoc ICorpusDisputes
    function parameters()
        external
        view
        returns (
            uint256 feePerJuror,
            uint256 jurySize,
            uint256 jurorLock,
            uint256 evidencePeriod,
            uint256 commitPeriod,
            uint256 revealPeriod,
            uint256 appealPeriod,
            uint256 nonRevealSlashBps,
            uint256 incoherentSlashBps
        )
    {
        return (
            _feePerJuror,
            _jurySize,
            uint256(_jurorLockCrp) * _CRP,
            _evidencePeriod,
            _commitPeriod,
            _revealPeriod,
            _appealPeriod,
            _nonRevealSlashBps,
            _incoherentSlashBps
        );
    }

    // ─── Internal: opening ──────────────────────────────────────────────────

    function _open(
        uint256 choices,
        bytes calldata extraData,
        address party,
        uint256 fee
    ) private returns (uint256 disputeId) {
        require(party != address(0), DisputesZeroAddress());
        require(choices >= 2 && choices <= MAX_CHOICES, DisputesInvalidChoices(choices, MAX_CHOICES));
        address[] memory excluded = abi.decode(extraData, (address[]));
        require(
            excluded.length >= choices && excluded.length <= MAX_EXCLUDED,
            DisputesInvalidExclusions(excluded.length, choices, MAX_EXCLUDED)
        );
        // Safe: one dispute per transaction at most, far from 2^64.
        unchecked {
            disputeId = ++_disputeCount;
        }
        bool listed;
        for (uint256 c; c < choices; ++c) {
            // A ruling that favours no one could not be appealed by anyone.
            require(excluded[c] != address(0), DisputesZeroAddress());
            _parties[disputeId][c] = excluded[c];
            if (excluded[c] == party) listed = true;
        }
        require(listed, DisputesPartyNotListed(party));
        _disputes[disputeId] = Dispute(IArbitrable(msg.sender), uint8(choices), 0, false);
        // Re-encoded, so a non-canonical encoding cannot leave a jury that no one can draw.
        _exclusionHashes[disputeId] = keccak256(abi.encode(excluded));
        emit DisputeCreation(disputeId, IArbitrable(msg.sender));
        emit DisputeOpened(disputeId, IArbitrable(msg.sender), party, choices, fee, excluded);
        _startRound(disputeId, 0, _jurySize, party, fee);
    }

    /// @dev Opens round `round` with the current terms and asks staking for its jury's seed.
    function _startRound(uint256 disputeId, uint256 round, uint256 jurySize, address payer, uint256 fee) private {
        uint256 evidenceEnd = block.timestamp + _evidencePeriod;
        uint256 drawBy = evidenceEnd + _commitPeriod;
        uint256 key = _roundKey(disputeId, round);
        _rounds[key] = Round({
            evidenceEnd: uint32(evidenceEnd),
            commitEnd: uint32(drawBy),
            revealEnd: 0,
            appealEnd: 0,
            jurySize: uint8(jurySize),
            flags: 0,
            tally: 0,
            lockCrp: _jurorLockCrp,
            nonRevealSlashBps: _nonRevealSlashBps,
            incoherentSlashBps: _incoherentSlashBps
        });
        // Safe: at most 63 jurors times MAX_FEE_PER_JUROR, far below 2^96.
        _payments[key] = Payment(payer, uint96(fee));
        uint256 readyBlock = STAKING.requestDraw(bytes32(key));
        emit RoundStarted(disputeId, round, payer, fee, jurySize, evidenceEnd, drawBy, readyBlock);
    }

    // ─── Internal: settling ─────────────────────────────────────────────────

    /// @dev Unlocks the jury of a round except for what each juror is slashed, then slashes it (to this
    /// contract, which receives the staking reward share). Returns the jurors, which seats were coherent
    /// with `ruling`, what was slashed and the reward share received.
    function _judgeJury(
        uint256 key,
        Round storage r,
        uint256 ruling
    ) private returns (address[] memory jurors, uint256 coherentSeats, uint256 slashed, uint256 slashReward) {
        uint256[] memory leaves = Packed32.load(_juryLeaves[key], r.jurySize);
        uint256 lock = uint256(r.lockCrp) * _CRP;
        uint256[] memory slashes;
        (jurors, slashes, coherentSeats) = _verdicts(key, leaves, lock, r, ruling);
        uint256[] memory releases = new uint256[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) releases[i] = lock - slashes[i];
        STAKING.unlockLeaves(leaves, releases);
        uint256 before = CRP.balanceOf(address(this));
        for (uint256 i; i < leaves.length; ++i) {
            if (slashes[i] != 0) slashed += STAKING.slash(jurors[i], slashes[i], address(this));
        }
        slashReward = CRP.balanceOf(address(this)) - before;
    }

    /// @dev Who sat on the jury, what each one is slashed, and which seats were coherent.
    function _verdicts(
        uint256 key,
        uint256[] memory leaves,
        uint256 lock,
        Round storage r,
        uint256 ruling
    ) private view returns (address[] memory jurors, uint256[] memory slashes, uint256 coherentSeats) {
        uint256 nonRevealSlash = (lock * r.nonRevealSlashBps) / _BPS;
        uint256 incoherentSlash = (lock * r.incoherentSlashBps) / _BPS;
        mapping(address => uint256) storage seats = _seats[key];
        jurors = new address[](leaves.length);
        slashes = new uint256[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            address juror = STAKING.leafOwner(leaves[i]);
            jurors[i] = juror;
            uint256 seat = seats[juror];
            if (seat & 0xFF != _SEAT_REVEALED) {
                slashes[i] = nonRevealSlash;
            } else if (ruling == 0 || (seat >> 8) & 0xFF == ruling) {
                coherentSeats |= 1 << i;
            } else {
                slashes[i] = incoherentSlash;
            }
        }
    }

    /// @dev Shares `pot` equally among the coherent seats (the rounding dust to the first of them), or
    /// refunds it to the round's payer when no juror was coherent.
    function _payJury(
        uint256 disputeId,
        uint256 round,
        uint256 ruling,
        address[] memory jurors,
        uint256 coherentSeats,
        Payment memory payment,
        uint256 slashed,
        uint256 pot
    ) private {
        uint256 coherentCount = Packed32.popCount(coherentSeats);
        if (coherentCount == 0) {
            _balances[payment.payer] += pot;
            emit RoundSettled(disputeId, round, ruling, 0, 0, slashed, pot);
            return;
        }
        uint256 share = pot / coherentCount;
        uint256 dust = pot - share * coherentCount;
        for (uint256 i; i < jurors.length; ++i) {
            if ((coherentSeats >> i) & 1 == 0) continue;
            _balances[jurors[i]] += share + dust;
            dust = 0;
        }
        emit RoundSettled(disputeId, round, ruling, coherentCount, share, slashed, 0);
    }

    // ─── Internal: execution ────────────────────────────────────────────────

    /// @dev Calls `arbitrable.rule(disputeId, ruling)` with exactly {CALLBACK_GAS} and copies no return
    /// data, so neither an out-of-gas callee nor a return-data bomb can make the caller fail.
    function _deliver(IArbitrable arbitrable, uint256 disputeId, uint256 ruling) private returns (bool success) {
        bytes memory data = abi.encodeCall(IArbitrable.rule, (disputeId, ruling));
        // EIP-150 passes at most 63/64 of what is left: make sure that is the full allowance, so that a
        // caller cannot starve the callback into failing on purpose.
        uint256 needed = CALLBACK_GAS + CALLBACK_GAS / 63 + _CALLBACK_OVERHEAD;
        uint256 available = gasleft();
        require(available >= needed, DisputesCallbackGasTooLow(needed, available));
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            success := call(CALLBACK_GAS, arbitrable, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    // ─── Internal: views ────────────────────────────────────────────────────

    /// @dev The caller's stored commitment (top 240 bits) in round `key`, if it committed and has not revealed.
    function _commitmentToReveal(uint256 key, uint256 disputeId, uint256 round) private view returns (uint256) {
        uint256 seat = _seats[key][msg.sender];
        uint256 state = seat & 0xFF;
        if (state != _SEAT_COMMITTED) {
            if (state == 0) revert DisputesNotAJuror(disputeId, round, msg.sender);
            if (state == _SEAT_DRAWN) revert DisputesNotCommitted(disputeId, round, msg.sender);
            revert DisputesAlreadyRevealed(disputeId, round, msg.sender);
        }
        return seat & ~_SEAT_LOW_BITS;
    }

    /// @dev The standing ruling (the previous round's until this round's votes are all in) and whether it
    /// is final: the appeal period passed, the last round's reveal ended, or no jury was drawn in time.
    function _currentRuling(uint256 disputeId, Dispute storage d) private view returns (uint256 ruling, bool isFinal) {
        uint256 round = d.lastRound;
        uint256 key = _roundKey(disputeId, round);
        Round storage r = _rounds[key];
        if (r.flags & _DRAWN != 0 && block.timestamp > r.revealEnd) {
            ruling = _decidedRuling(disputeId, d.choices, round);
            isFinal = block.timestamp > r.appealEnd;
        } else {
            if (round != 0) ruling = _decidedRuling(disputeId, d.choices, round - 1);
            isFinal = r.flags & _DRAWN == 0 && block.timestamp > r.commitEnd;
        }
    }

    /// @dev The ruling round `round` stands for: its majority, or, on a tie or with no reveal, the ruling the
    /// round before stood for (0 in the first round). An appeal that fails to decide does not undo a decision.
    function _decidedRuling(uint256 disputeId, uint256 choices, uint256 round) private view returns (uint256 ruling) {
        for (uint256 r = round + 1; r != 0; --r) {
            ruling = _rulingOf(_rounds[_roundKey(disputeId, r - 1)].tally, choices);
            if (ruling != 0) return ruling;
        }
    }

    /// @dev The ruling with the most votes in `tally` (8 bits per ruling); 0 on a tie or with no votes.
    function _rulingOf(uint256 tally, uint256 choices) private pure returns (uint256 ruling) {
        uint256 best;
        bool tied;
        for (uint256 c = 1; c <= choices; ++c) {
            uint256 count = (tally >> (8 * (c - 1))) & 0xFF;
            if (count > best) {
                (ruling, best, tied) = (c, count, false);
            } else if (count == best && count != 0) {
                tied = true;
            }
        }
        if (tied) ruling = 0;
    }

    function _votesOf(uint256 tally, uint256 choices) private pure returns (uint256[] memory votes) {
        votes = new uint256[](choices);
        for (uint256 c; c < choices; ++c) votes[c] = (tally >> (8 * c)) & 0xFF;
    }

    /// @dev The phase of an existing dispute (callers check that it exists).
    function _phaseOf(uint256 disputeId) private view returns (Phase) {
        Dispute storage d = _disputes[disputeId];
        if (d.executed) return Phase.Executed;
        Round storage r = _rounds[_roundKey(disputeId, d.lastRound)];
        if (r.flags & _DRAWN == 0) return block.timestamp > r.commitEnd ? Phase.Final : Phase.Drawing;
        if (block.timestamp <= r.evidenceEnd) return Phase.Evidence;
        if (block.timestamp <= r.commitEnd) return Phase.Commit;
        if (block.timestamp <= r.revealEnd) return Phase.Reveal;
        if (block.timestamp <= r.appealEnd) return Phase.Appeal;
        return Phase.Final;
    }

    function _revertWrongPhase(uint256 disputeId) private view {
        revert DisputesWrongPhase(disputeId, _phaseOf(disputeId));
    }

    /// @dev A dispute's current (last) round: its number, its key and its record.
    function _currentRound(
        uint256 disputeId
    ) private view returns (Dispute storage d, uint256 round, uint256 key, Round storage r) {
        d = _existing(disputeId);
        round = d.lastRound;
        key = _roundKey(disputeId, round);
        r = _rounds[key];
    }

    /// @dev The current round, which must still wait for its jury (not drawn, its draw deadline not passed).
    function _undrawnRound(
        uint256 disputeId
    ) private view returns (Dispute storage d, uint256 round, uint256 key, Round storage r) {
        (d, round, key, r) = _currentRound(disputeId);
        if (r.flags & _DRAWN != 0 || block.timestamp > r.commitEnd) _revertWrongPhase(disputeId);
    }

    /// @dev What a jury of `jurySize` costs at the current fee per juror.
    function _juryFee(uint256 jurySize) private view returns (uint256) {
        return jurySize * _feePerJuror;
    }

    /// @dev The jury an appeal of round `r` gets: 2n + 1.
    function _appealJurySize(Round storage r) private view returns (uint256) {
        return 2 * uint256(r.jurySize) + 1;
    }

    function _existing(uint256 disputeId) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        require(address(d.arbitrable) != address(0), DisputesUnknownDispute(disputeId));
    }

    function _isParty(uint256 disputeId, uint256 choices, address account) private view returns (bool) {
        for (uint256 c; c < choices; ++c) {
            if (_parties[disputeId][c] == account) return true;
        }
        return false;
    }

    /// @dev A round's key: the dispute id above eight bits of round (at most {MAX_APPEALS}); also the
    /// staking draw request id of its jury.
    function _roundKey(uint256 disputeId, uint256 round) private pure returns (uint256) {
        return (disputeId << 8) | round;
    }

    // ─── Internal: parameters ───────────────────────────────────────────────

    function _setParameter(bytes32 parameter, uint256 value) private {
        uint256 old;
        if (parameter == _FEE_PER_JUROR) {
            _checkBounds(parameter, value, 0, MAX_FEE_PER_JUROR);
            old = _feePerJuror;
            _feePerJuror = uint96(value);
        } else if (parameter == _JURY_SIZE) {
            // Odd, so that a full jury cannot tie.
            require(value % 2 == 1, DisputesParameterOutOfBounds(parameter, value, MIN_JURY_SIZE, MAX_JURY_SIZE));
            _checkBounds(parameter, value, MIN_JURY_SIZE, MAX_JURY_SIZE);
            old = _jurySize;
            _jurySize = uint8(value);
        } else if (parameter == _JUROR_LOCK) {
            // Whole CRP: staking weighs stake in whole CRP, and rounds keep the lock in 32 bits.
            require(value % _CRP == 0, DisputesParameterOutOfBounds(parameter, value, MIN_JUROR_LOCK, MAX_JUROR_LOCK));
            _checkBounds(parameter, value, MIN_JUROR_LOCK, MAX_JUROR_LOCK);
            old = uint256(_jurorLockCrp) * _CRP;
            _jurorLockCrp = uint32(value / _CRP);
        } else if (parameter == _EVIDENCE_PERIOD) {
            old = _evidencePeriod;
            _evidencePeriod = _period(parameter, value);
        } else if (parameter == _COMMIT_PERIOD) {
            old = _commitPeriod;
            _commitPeriod = _period(parameter, value);
        } else if (parameter == _REVEAL_PERIOD) {
            old = _revealPeriod;
            _revealPeriod = _period(parameter, value);
        } else if (parameter == _APPEAL_PERIOD) {
            old = _appealPeriod;
            _appealPeriod = _period(parameter, value);
        } else if (parameter == _NON_REVEAL_SLASH_BPS) {
            // Never below the incoherence share: hiding a losing vote must not be cheaper than showing it.
            _checkBounds(parameter, value, _incoherentSlashBps, _BPS);
            old = _nonRevealSlashBps;
            _nonRevealSlashBps = uint16(value);
        } else if (parameter == _INCOHERENT_SLASH_BPS) {
            _checkBounds(parameter, value, 0, _nonRevealSlashBps);
            old = _incoherentSlashBps;
            _incoherentSlashBps = uint16(value);
        } else {
            revert DisputesParameterOutOfBounds(parameter, value, 0, 0);
        }
        emit ParameterSet(parameter, old, value);
    }

    function _period(bytes32 parameter, uint256 value) private pure returns (uint32) {
        _checkBounds(parameter, value, MIN_PERIOD, MAX_PERIOD);
        return uint32(value);
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, DisputesParameterOutOfBounds(parameter, value, min, max));
    }
}
