// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";

/// @title ICorpusDisputes
/// @notice Corpus's own arbitrator: disputes are judged by juries drawn by stake from the validators, who
/// vote by commit and reveal; the losing side may appeal to a jury of `2n + 1` at most {MAX_APPEALS}
/// times; the final ruling is sent to the arbitrable contract with bounded gas.
///
/// A round runs: **Drawing** (the seed was requested; anyone draws the jury once it exists) while
/// **Evidence** runs (the parties post evidence), then **Commit** (each juror stores
/// {commitmentOf}`(…, vote, salt)`), **Reveal** (each juror shows vote and salt), **Appeal** (the losing side
/// may pay for the next round). The round's ruling is the choice with the most revealed votes; a tie, or no
/// reveal at all, leaves the ruling of the round before standing (in the first round: 0, which the
/// arbitrable reads as "no ruling"), so an appeal that fails to decide never undoes a decision.
///
/// Money, per round: the round's fee (paid by whoever opened or appealed it) and the slash reward of its
/// incoherent jurors are shared equally by its coherent jurors, whoever wins: a court that paid its jurors
/// only when the payer lost would teach them to rule against payers. Coherent means revealed the final
/// ruling (when the final ruling is 0, every juror who revealed is coherent). Jurors who did not reveal lose
/// the governed non-reveal share of their lock; jurors who revealed another ruling lose the incoherence
/// share. A round with no coherent juror is refunded to its payer, together with its slash reward. A round
/// whose jury could not be drawn in time is refunded to its payer and the previous ruling stands. Payouts
/// are pull balances ({withdraw}).
interface ICorpusDisputes is IArbitrator {
    // ─── Types ──────────────────────────────────────────────────────────────

    /// @notice Where a dispute is. Drawing: the current round's jury is not drawn yet (evidence may run).
    /// Final: the ruling can no longer change and can be executed. Executed: the arbitrable received it.
    enum Phase {
        None,
        Drawing,
        Evidence,
        Commit,
        Reveal,
        Appeal,
        Final,
        Executed
    }

    /// @notice A dispute as integrators read it.
    /// @param arbitrable Receives the ruling.
    /// @param choices Rulings besides 0.
    /// @param round The current (last) round.
    /// @param phase Where it is now.
    /// @param ruling The current ruling (final once `phase` is Final or Executed).
    /// @param parties The party each ruling favours: `parties[c - 1]` for ruling `c`.
    struct DisputeView {
        IArbitrable arbitrable;
        uint256 choices;
        uint256 round;
        Phase phase;
        uint256 ruling;
        address[] parties;
    }

    /// @notice A round as integrators read it. Times are unix seconds.
    /// @param jurySize Jurors drawn (or to be drawn).
    /// @param drawn Whether the jury is drawn.
    /// @param settled Whether its jurors were paid and slashed.
    /// @param evidenceEnd Last moment of the evidence period.
    /// @param commitEnd Last moment to commit (before the draw: the last moment to draw the jury).
    /// @param revealEnd Last moment to reveal (0 before the draw).
    /// @param appealEnd Last moment to appeal (equals `revealEnd` in the last possible round).
    /// @param revealed Jurors who revealed.
    /// @param votes Revealed votes per ruling: `votes[c - 1]` for ruling `c`.
    /// @param jurorLock CRP locked from each juror, in wei.
    /// @param nonRevealSlashBps Share of the lock a juror who does not reveal loses.
    /// @param incoherentSlashBps Share of the lock a juror who reveals another ruling than the final loses.
    /// @param payer Who paid the round's fee (the opener or the appellant).
    /// @param fee CRP paid for the round.
    /// @param jurors The jury in draw order (empty before the draw).
    // A return value, never stored: one word per field is what the ABI encodes anyway.
    // solhint-disable-next-line gas-struct-packing
    struct RoundView {
        uint256 jurySize;
        bool drawn;
        bool settled;
        uint256 evidenceEnd;
        uint256 commitEnd;
        uint256 revealEnd;
        uint256 appealEnd;
        uint256 revealed;
        uint256[] votes;
        uint256 jurorLock;
        uint256 nonRevealSlashBps;
        uint256 incoherentSlashBps;
        address payer;
        uint256 fee;
        address[] jurors;
    }

    // ─── Errors ─────────────────────────────────────────────────────────────

    /// @notice An address that must be set was zero (a contract, the party, or a party listed in `extraData`).
    error DisputesZeroAddress();
    /// @notice No dispute has this id.
    error DisputesUnknownDispute(uint256 disputeId);
    /// @notice The dispute has no such round.
    error DisputesUnknownRound(uint256 disputeId, uint256 round);
    /// @notice A dispute must offer between 2 and `max` rulings besides 0.
    error DisputesInvalidChoices(uint256 choices, uint256 max);
    /// @notice `extraData` must list at least one party per choice, and at most `max` addresses.
    error DisputesInvalidExclusions(uint256 count, uint256 choices, uint256 max);
    /// @notice The party named when opening is not one of the parties listed in `extraData`.
    error DisputesPartyNotListed(address party);
    /// @notice Only governance-approved arbitrable contracts may open unfunded (or, with a zero fee, free)
    /// disputes.
    error DisputesUnfundedNotAllowed(address arbitrable);
    /// @notice The action is not open in the dispute's current phase.
    error DisputesWrongPhase(uint256 disputeId, Phase phase);
    /// @notice The exclusion list given to draw the jury is not the one the dispute was opened with.
    error DisputesWrongExclusions(uint256 disputeId);
    /// @notice `account` is not on the current jury.
    error DisputesNotAJuror(uint256 disputeId, uint256 round, address account);
    /// @notice The juror already committed a vote this round.
    error DisputesAlreadyCommitted(uint256 disputeId, uint256 round, address juror);
    /// @notice The juror has no commitment to reveal this round.
    error DisputesNotCommitted(uint256 disputeId, uint256 round, address juror);
    /// @notice The juror already revealed this round.
    error DisputesAlreadyRevealed(uint256 disputeId, uint256 round, address juror);
    /// @notice A vote must be a ruling between 1 and `choices`.
    error DisputesInvalidVote(uint256 vote, uint256 choices);
    /// @notice The vote and salt do not hash to the juror's commitment.
    error DisputesRevealMismatch(uint256 disputeId, uint256 round, address juror);
    /// @notice The dispute already had {MAX_APPEALS} appeals.
    error DisputesNoMoreAppeals(uint256 disputeId);
    /// @notice Only a party the current ruling does not favour may appeal (either party after a ruling of 0).
    error DisputesNotLosingSide(uint256 disputeId, address account);
    /// @notice Only a party of the dispute may post evidence.
    error DisputesNotAParty(uint256 disputeId, address account);
    /// @notice Evidence needs a URI.
    error DisputesEmptyEvidence();
    /// @notice The ruling is not final yet.
    error DisputesNotFinal(uint256 disputeId);
    /// @notice The ruling was already executed.
    error DisputesAlreadyExecuted(uint256 disputeId);
    /// @notice The caller did not leave enough gas for the callback to get its full allowance.
    error DisputesCallbackGasTooLow(uint256 needed, uint256 available);
    /// @notice The round was already settled.
    error DisputesRoundAlreadySettled(uint256 disputeId, uint256 round);
    /// @notice Nothing to withdraw.
    error DisputesNothingToWithdraw(address account);
    /// @notice A parameter outside its bounds (or an unknown parameter: bounds 0, 0).
    error DisputesParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);

    // ─── Events ─────────────────────────────────────────────────────────────

    /// @notice A dispute was opened by `arbitrable` on behalf of `party`, who paid `fee`.
    /// @param disputeId The dispute.
    /// @param arbitrable Receives the ruling.
    /// @param party Who asked for it.
    /// @param choices Rulings besides 0.
    /// @param fee CRP paid (0 for an unfunded dispute).
    /// @param excluded The parties in ruling order, then everyone else who may not sit on a jury (pass it
    /// to {drawJury}).
    event DisputeOpened(
        uint256 indexed disputeId,
        IArbitrable indexed arbitrable,
        address indexed party,
        uint256 choices,
        uint256 fee,
        address[] excluded
    );
    /// @notice Round `round` started: its jury of `jurySize` can be drawn from block `readyBlock` until
    /// `drawBy`; evidence runs until `evidenceEnd`.
    /// @param disputeId The dispute.
    /// @param round The round (0 for the first, n for the n-th appeal).
    /// @param payer Who paid its fee.
    /// @param fee CRP paid.
    /// @param jurySize Jurors to draw.
    /// @param evidenceEnd End of the evidence period.
    /// @param drawBy Last moment to draw; an undrawn round then ends with the previous ruling.
    /// @param readyBlock First block in which the jury can be drawn.
    event RoundStarted(
        uint256 indexed disputeId,
        uint256 indexed round,
        address indexed payer,
        uint256 fee,
        uint256 jurySize,
        uint256 evidenceEnd,
        uint256 drawBy,
        uint256 readyBlock
    );
    /// @notice The seed for a round's jury expired and was requested again.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param readyBlock First block in which the jury can be drawn.
    event JurySeedRenewed(uint256 indexed disputeId, uint256 indexed round, uint256 readyBlock);
    /// @notice The jury of a round was drawn and locked.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param jurors The jurors, in draw order.
    /// @param commitEnd Last moment to commit.
    /// @param revealEnd Last moment to reveal.
    /// @param appealEnd Last moment to appeal.
    event JuryDrawn(
        uint256 indexed disputeId,
        uint256 indexed round,
        address[] jurors,
        uint256 commitEnd,
        uint256 revealEnd,
        uint256 appealEnd
    );
    /// @notice A party posted evidence (in the spirit of ERC-1497).
    /// @param disputeId The dispute.
    /// @param round The round it was posted in.
    /// @param party Who posted it.
    /// @param uri Where it lives.
    /// @param contentHash Hash of its content.
    event Evidence(
        uint256 indexed disputeId,
        uint256 indexed round,
        address indexed party,
        string uri,
        bytes32 contentHash
    );
    /// @notice A juror committed a hidden vote.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param juror The juror.
    /// @param commitment {commitmentOf} its vote and salt.
    event VoteCommitted(uint256 indexed disputeId, uint256 indexed round, address indexed juror, bytes32 commitment);
    /// @notice A juror revealed its vote.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param juror The juror.
    /// @param vote The ruling it voted for.
    event VoteRevealed(uint256 indexed disputeId, uint256 indexed round, address indexed juror, uint256 vote);
    /// @notice `appellant` appealed the ruling of round `round - 1`, paying `fee` for round `round`.
    /// @param disputeId The dispute.
    /// @param round The new round.
    /// @param appellant Who paid.
    /// @param fee CRP paid.
    event Appealed(uint256 indexed disputeId, uint256 indexed round, address indexed appellant, uint256 fee);
    /// @notice The final ruling was delivered to the arbitrable contract.
    /// @param disputeId The dispute.
    /// @param ruling The ruling.
    event RulingExecuted(uint256 indexed disputeId, uint256 ruling);
    /// @notice The arbitrable contract's callback failed (reverted or ran out of its gas); execution can
    /// be retried.
    /// @param disputeId The dispute.
    /// @param ruling The ruling.
    event RulingExecutionFailed(uint256 indexed disputeId, uint256 ruling);
    /// @notice A round's jurors were unlocked, slashed and paid.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param ruling The final ruling they were judged against.
    /// @param coherentCount Jurors paid.
    /// @param share What each was credited (the first coherent juror also gets the rounding dust).
    /// @param slashed CRP taken from the round's jurors in all.
    /// @param refunded What went back to the round's payer (no coherent juror, or no jury).
    event RoundSettled(
        uint256 indexed disputeId,
        uint256 indexed round,
        uint256 ruling,
        uint256 coherentCount,
        uint256 share,
        uint256 slashed,
        uint256 refunded
    );
    /// @notice `account` withdrew its balance.
    /// @param account Who withdrew.
    /// @param amount CRP sent.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Governance changed a parameter. Rounds already started keep their fee, juror lock and slash
    /// shares; phase lengths apply from a round's draw (a drawn round's deadlines never move).
    /// @param parameter Its name.
    /// @param oldValue Previous value.
    /// @param newValue New value.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);
    /// @notice Governance allowed or disallowed `arbitrable` to open unfunded disputes.
    /// @param arbitrable The contract.
    /// @param allowed Whether it may.
    event UnfundedAllowedSet(IArbitrable indexed arbitrable, bool allowed);

    // ─── Anyone ─────────────────────────────────────────────────────────────

    /// @notice Draws and locks the current round's jury once its seed exists, excluding everyone listed
    /// when the dispute was opened. Anyone may call it (the validator daemon does), until the draw deadline.
    /// @param disputeId The dispute.
    /// @param excluded The list from {DisputeOpened}.
    function drawJury(uint256 disputeId, address[] calldata excluded) external;

    /// @notice Requests a new seed for the current round's jury once the randomness source says the
    /// previous one expired. Anyone may call it.
    /// @param disputeId The dispute.
    function renewJurySeed(uint256 disputeId) external;

    /// @notice Sends the final ruling to the arbitrable contract with {CALLBACK_GAS} gas. If the callback
    /// fails, nothing else is affected and anyone may call this again. Anyone may call it.
    /// @param disputeId The dispute.
    function executeRuling(uint256 disputeId) external;

    /// @notice Once the ruling is final, unlocks the jurors of `round`, slashes those who did not reveal or
    /// revealed another ruling, and credits the coherent ones. Anyone may call it, once per round.
    /// @param disputeId The dispute.
    /// @param round The round.
    function settleRound(uint256 disputeId, uint256 round) external;

    /// @notice Sends the caller its balance.
    function withdraw() external;

    // ─── Parties ────────────────────────────────────────────────────────────

    /// @notice Posts evidence for the current round, until its evidence period ends. Parties only.
    /// @param disputeId The dispute.
    /// @param uri Where the evidence lives; not empty.
    /// @param contentHash Hash of its content.
    function submitEvidence(uint256 disputeId, string calldata uri, bytes32 contentHash) external;

    /// @notice Appeals the current ruling during the appeal period, paying {appealCost} (approved
    /// beforehand): a new round with a jury of `2n + 1`. Only a party the ruling does not favour.
    /// @param disputeId The dispute.
    function appeal(uint256 disputeId) external;

    // ─── Jurors ─────────────────────────────────────────────────────────────

    /// @notice Commits the caller's hidden vote in the commit period.
    /// @param disputeId The dispute.
    /// @param commitment {commitmentOf}`(disputeId, round, caller, vote, salt)`; keep the salt.
    function commitVote(uint256 disputeId, bytes32 commitment) external;

    /// @notice Reveals the caller's vote in the reveal period.
    /// @param disputeId The dispute.
    /// @param vote The ruling voted for, 1 to `choices`.
    /// @param salt The salt committed with it.
    function revealVote(uint256 disputeId, uint256 vote, bytes32 salt) external;

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets a parameter by name (feePerJuror, jurySize, jurorLock, evidencePeriod, commitPeriod,
    /// revealPeriod, appealPeriod, nonRevealSlashBps, incoherentSlashBps). Timelock only; bounded.
    /// @param parameter The name.
    /// @param value The new value.
    function setParameter(bytes32 parameter, uint256 value) external;

    /// @notice Allows or disallows `arbitrable` to open unfunded disputes. Allowed arbitrables (the task
    /// registry) may also open disputes while the guardian has paused new ones, since their own deadlines
    /// keep running. Admin only.
    /// @param arbitrable The contract.
    /// @param allowed Whether it may.
    function setUnfundedAllowed(IArbitrable arbitrable, bool allowed) external;

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice The hash a juror commits: binds the chain, this arbitrator, the dispute, the round, the juror,
    /// the vote and the salt.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param juror The juror.
    /// @param vote The ruling.
    /// @param salt 32 random bytes, kept secret until the reveal.
    /// @return The commitment.
    function commitmentOf(
        uint256 disputeId,
        uint256 round,
        address juror,
        uint256 vote,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice A dispute.
    /// @param disputeId The dispute.
    /// @return The dispute's view.
    function getDispute(uint256 disputeId) external view returns (DisputeView memory);

    /// @notice A round of a dispute.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @return The round's view.
    function getRound(uint256 disputeId, uint256 round) external view returns (RoundView memory);

    /// @notice A juror's seat: whether it committed and revealed, and its vote once revealed (0 before).
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @param juror The juror.
    /// @return drawn Whether it sits on that jury.
    /// @return committed Whether it committed.
    /// @return revealed Whether it revealed.
    /// @return vote Its vote once revealed, else 0.
    function seatOf(
        uint256 disputeId,
        uint256 round,
        address juror
    ) external view returns (bool drawn, bool committed, bool revealed, uint256 vote);

    /// @notice The current ruling and whether it is final.
    /// @param disputeId The dispute.
    /// @return ruling The ruling.
    /// @return isFinal Whether it can no longer change.
    function currentRuling(uint256 disputeId) external view returns (uint256 ruling, bool isFinal);

    /// @notice What appealing the current ruling costs now (the next jury's size times the fee per juror);
    /// reverts with {DisputesNoMoreAppeals} once the dispute is in its last possible round.
    /// @param disputeId The dispute.
    /// @return fee In CRP wei.
    function appealCost(uint256 disputeId) external view returns (uint256 fee);

    /// @notice `account`'s withdrawable balance.
    /// @param account Anyone.
    /// @return CRP wei.
    function balanceOf(address account) external view returns (uint256);

    /// @notice How many disputes were opened (ids run from 1).
    /// @return The count.
    function disputeCount() external view returns (uint256);

    /// @notice Whether `arbitrable` may open unfunded disputes.
    /// @param arbitrable The contract.
    /// @return Whether it may.
    function isUnfundedAllowed(IArbitrable arbitrable) external view returns (bool);

    /// @notice The current parameters.
    /// @return feePerJuror CRP per juror per round.
    /// @return jurySize First-round jury size.
    /// @return jurorLock CRP locked per juror.
    /// @return evidencePeriod Seconds.
    /// @return commitPeriod Seconds.
    /// @return revealPeriod Seconds.
    /// @return appealPeriod Seconds.
    /// @return nonRevealSlashBps Basis points of the lock.
    /// @return incoherentSlashBps Basis points of the lock.
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
        );
}
