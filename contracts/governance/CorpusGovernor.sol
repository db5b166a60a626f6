// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title CorpusGovernor
/// @notice The Corpus DAO: token-weighted proposals over CRP votes, executed through the timelock that owns
/// every protocol parameter, role and the treasury.
/// @dev The proposal threshold is a share of the token's total supply (in basis points), not a fixed amount,
/// so it tracks supply as governance mints or slashing burns. Every setting is bounded, so no single proposal
/// can make governance unusable (a zero voting period, a quorum no one can reach).
contract CorpusGovernor is
    Governor,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    // ─── Errors ─────────────────────────────────────────────────────────────

    /// @notice A voting delay outside [{MIN_VOTING_DELAY}, {MAX_VOTING_DELAY}] seconds.
    error CorpusGovernorVotingDelayOutOfBounds(uint256 votingDelay, uint256 min, uint256 max);
    /// @notice A voting period outside [{MIN_VOTING_PERIOD}, {MAX_VOTING_PERIOD}] seconds.
    error CorpusGovernorVotingPeriodOutOfBounds(uint256 votingPeriod, uint256 min, uint256 max);
    /// @notice A proposal threshold outside [{MIN_PROPOSAL_THRESHOLD_BPS}, {MAX_PROPOSAL_THRESHOLD_BPS}].
    error CorpusGovernorProposalThresholdOutOfBounds(uint256 thresholdBps, uint256 min, uint256 max);
    /// @notice A quorum outside [{MIN_QUORUM_PERCENT}, {MAX_QUORUM_PERCENT}] percent of supply.
    error CorpusGovernorQuorumOutOfBounds(uint256 quorumPercent, uint256 min, uint256 max);

    // ─── Events ─────────────────────────────────────────────────────────────

    /// @notice The delay between a proposal and the start of its vote changed.
    /// @param oldVotingDelay The previous delay, in seconds.
    /// @param newVotingDelay The new delay, in seconds.
    event VotingDelaySet(uint256 oldVotingDelay, uint256 newVotingDelay);
    /// @notice The length of a vote changed.
    /// @param oldVotingPeriod The previous length, in seconds.
    /// @param newVotingPeriod The new length, in seconds.
    event VotingPeriodSet(uint256 oldVotingPeriod, uint256 newVotingPeriod);
    /// @notice The share of supply needed to propose changed.
    /// @param oldThresholdBps The previous share, in basis points of total supply.
    /// @param newThresholdBps The new share, in basis points of total supply.
    event ProposalThresholdBpsSet(uint256 oldThresholdBps, uint256 newThresholdBps);

    // ─── Constants ──────────────────────────────────────────────────────────

    /// @notice Shortest voting delay: long enough to see a proposal coming and delegate.
    uint256 public constant MIN_VOTING_DELAY = 1 hours;
    /// @notice Longest voting delay.
    uint256 public constant MAX_VOTING_DELAY = 30 days;
    /// @notice Shortest vote: a day, so holders in every time zone can vote.
    uint256 public constant MIN_VOTING_PERIOD = 1 days;
    /// @notice Longest vote.
    uint256 public constant MAX_VOTING_PERIOD = 30 days;
    /// @notice Lowest proposal threshold: 0.01% of supply.
    uint256 public constant MIN_PROPOSAL_THRESHOLD_BPS = 1;
    /// @notice Highest proposal threshold: 10% of supply.
    uint256 public constant MAX_PROPOSAL_THRESHOLD_BPS = 1_000;
    /// @notice Lowest quorum, in percent of supply.
    uint256 public constant MIN_QUORUM_PERCENT = 1;
    /// @notice Highest quorum, in percent of supply: above it a vote could rarely pass.
    uint256 public constant MAX_QUORUM_PERCENT = 50;
    uint256 private constant _BPS = 10_000;

    // ─── Storage ────────────────────────────────────────────────────────────

    // Packed in one slot: the three settings are read together by `propose`.
    uint48 private _votingDelay;
    uint32 private _votingPeriod;
    uint16 private _proposalThresholdBps;

    // ─── Constructor ────────────────────────────────────────────────────────

    /// @notice Deploys the governor with bounded initial settings.
    /// @param token The CRP token whose (timestamp-clocked) votes count.
    /// @param timelock The timelock that executes proposals and owns the protocol.
    /// @param initialVotingDelay Seconds between proposing and voting (default 1 day).
    /// @param initialVotingPeriod Seconds a vote lasts (default 5 days).
    /// @param initialProposalThresholdBps Share of supply, in basis points, needed to propose (default 10 = 0.1%).
    /// @param initialQuorumPercent Percent of supply that must vote for or abstain (default 4).
    constructor(
        IVotes token,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint16 initialProposalThresholdBps,
        uint256 initialQuorumPercent
    )
        Governor("CorpusGovernor")
        GovernorVotes(token)
        GovernorVotesQuorumFraction(initialQuorumPercent)
        GovernorTimelockControl(timelock)
    {
        _setVotingDelay(initialVotingDelay);
        _setVotingPeriod(initialVotingPeriod);
        _setProposalThresholdBps(initialProposalThresholdBps);
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @notice Sets the delay between proposing and voting; only through a proposal.
    /// @param newVotingDelay Seconds, within [{MIN_VOTING_DELAY}, {MAX_VOTING_DELAY}].
    function setVotingDelay(uint48 newVotingDelay) external onlyGovernance {
        _setVotingDelay(newVotingDelay);
    }

    /// @notice Sets how long a vote lasts; only through a proposal.
    /// @param newVotingPeriod Seconds, within [{MIN_VOTING_PERIOD}, {MAX_VOTING_PERIOD}].
    function setVotingPeriod(uint32 newVotingPeriod) external onlyGovernance {
        _setVotingPeriod(newVotingPeriod);
    }

    /// @notice Sets the share of supply needed to propose; only through a proposal.
    /// @param newThresholdBps Basis points of total supply, within the bounds.
    function setProposalThresholdBps(uint16 newThresholdBps) external onlyGovernance {
        _setProposalThresholdBps(newThresholdBps);
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @notice Seconds between a proposal and the start of its vote.
    function votingDelay() public view override returns (uint256) {
        return _votingDelay;
    }

    /// @notice Seconds a vote lasts.
    function votingPeriod() public view override returns (uint256) {
        return _votingPeriod;
    }

    /// @notice The share of total supply, in basis points, a proposer needs.
    function proposalThresholdBps() external view returns (uint256) {
        return _proposalThresholdBps;
    }

    /// @notice Votes needed to propose: {proposalThresholdBps} of the supply at the last second.
    /// @dev Reads the past supply (as `propose` reads the proposer's past votes) so a flash mint cannot move it.
    function proposalThreshold() public view override returns (uint256) {
        return (token().getPastTotalSupply(clock() - 1) * _proposalThresholdBps) / _BPS;
    }

    /// @inheritdoc GovernorTimelockControl
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorTimelockControl
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    function _setVotingDelay(uint48 newVotingDelay) private {
        require(
            newVotingDelay >= MIN_VOTING_DELAY && newVotingDelay <= MAX_VOTING_DELAY,
            CorpusGovernorVotingDelayOutOfBounds(newVotingDelay, MIN_VOTING_DELAY, MAX_VOTING_DELAY)
        );
        emit VotingDelaySet(_votingDelay, newVotingDelay);
        _votingDelay = newVotingDelay;
    }

    function _setVotingPeriod(uint32 newVotingPeriod) private {
        require(
            newVotingPeriod >= MIN_VOTING_PERIOD && newVotingPeriod <= MAX_VOTING_PERIOD,
            CorpusGovernorVotingPeriodOutOfBounds(newVotingPeriod, MIN_VOTING_PERIOD, MAX_VOTING_PERIOD)
        );
        emit VotingPeriodSet(_votingPeriod, newVotingPeriod);
        _votingPeriod = newVotingPeriod;
    }

    function _setProposalThresholdBps(uint16 newThresholdBps) private {
        require(
            newThresholdBps >= MIN_PROPOSAL_THRESHOLD_BPS && newThresholdBps <= MAX_PROPOSAL_THRESHOLD_BPS,
            CorpusGovernorProposalThresholdOutOfBounds(
                newThresholdBps,
                MIN_PROPOSAL_THRESHOLD_BPS,
                MAX_PROPOSAL_THRESHOLD_BPS
            )
        );
        emit ProposalThresholdBpsSet(_proposalThresholdBps, newThresholdBps);
        _proposalThresholdBps = newThresholdBps;
    }

    /// @dev Bounds the quorum on top of OpenZeppelin's check that it does not exceed the denominator.
    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        require(
            newQuorumNumerator >= MIN_QUORUM_PERCENT && newQuorumNumerator <= MAX_QUORUM_PERCENT,
            CorpusGovernorQuorumOutOfBounds(newQuorumNumerator, MIN_QUORUM_PERCENT, MAX_QUORUM_PERCENT)
        );
        super._updateQuorumNumerator(newQuorumNumerator);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
