// SPDX-License-Identifier: MIT
// Test code: the handler, its console and the test contract belong together.
// solhint-disable one-contract-per-file
pragma solidity 0.8.30;

import {CorpusDisputes} from "../../contracts/disputes/CorpusDisputes.sol";
import {CorpusStaking} from "../../contracts/staking/CorpusStaking.sol";
import {CorpusToken} from "../../contracts/token/CorpusToken.sol";
import {FixedRandomness} from "../../contracts/test/FixedRandomness.sol";
import {HostileArbitrable} from "../../contracts/test/HostileArbitrable.sol";
import {IArbitrator} from "../../contracts/interfaces/IArbitrator.sol";
import {ICorpusDisputes} from "../../contracts/interfaces/ICorpusDisputes.sol";
import {ICorpusStaking} from "../../contracts/interfaces/ICorpusStaking.sol";
import {ICorpusToken} from "../../contracts/interfaces/ICorpusToken.sol";
import {IRandomnessSource} from "../../contracts/interfaces/IRandomnessSource.sol";
import {Log} from "./Log.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";

// Invariants assert with require strings (forge reports them), are named invariant_* (forge finds them so),
// and the reverts the fuzzer provokes are caught and ignored on purpose.
/* solhint-disable max-states-count, no-empty-blocks, const-name-snakecase, func-name-mixedcase */
/* solhint-disable gas-custom-errors, reason-string, gas-small-strings, avoid-low-level-calls */

/// @title DisputesHandler
/// @notice The only fuzz target of {DisputesInvariants}. Its constructor deploys CRP, staking with a
/// {FixedRandomness} source, dispute resolution (juries of 3, 20 CRP per juror, 500 CRP locked per juror, every
/// period one hour, 20% of the lock slashed for not revealing and 10% for revealing another ruling), acting as
/// governance of all three; it stakes sixteen validators (20,000 CRP each), funds two {HostileArbitrable}
/// contracts (which pay the fee of the disputes they open) and two parties A and B (who pay appeals and are
/// the recorded payer, so the refund recipient, of the first round opened on their behalf), and exposes one
/// function per protocol action. Every dispute is opened with the parties [A, B] (ruling 1 favours
/// A, ruling 2 favours B) and that exclusion list is what its juries are drawn with. Every fuzzed input is
/// bounded by modulo, every target (dispute, round, juror, account) is picked among those the action applies
/// to, and every call into the protocol is wrapped in try/catch so that expected reverts never end a run.
/// Ghost state: per-action attempt and success counters; the fee paid for each round, whether it was settled
/// and what its settlement credited; the sum of the fees of rounds not settled; each juror's remembered vote
/// and salt; the deliveries of each dispute's ruling and the final ruling it had; and the first violation of
/// each kind that a single action revealed (checked by the invariants).
contract DisputesHandler {
    Vm private constant vm = Vm(VM_ADDRESS);

    // ─── Protocol ───────────────────────────────────────────────────────────

    /// @notice CRP; the handler (governance) holds the treasury allocation.
    CorpusToken public immutable CRP;
    /// @notice Staking's randomness source: seeds are ready in the block they are requested in.
    FixedRandomness public immutable RANDOMNESS;
    /// @notice Staking (dispute resolution holds its LOCKER_ROLE and SLASHER_ROLE).
    CorpusStaking public immutable STAKING;
    /// @notice Dispute resolution, the contract under test.
    CorpusDisputes public immutable DISPUTES;
    /// @notice The first arbitrable contract.
    HostileArbitrable public immutable ARBITRABLE_0;
    /// @notice The second arbitrable contract.
    HostileArbitrable public immutable ARBITRABLE_1;

    /// @notice Validators staked.
    uint256 public constant VALIDATOR_COUNT = 16;
    /// @notice Each validator's stake (twice the minimum).
    uint256 public constant VALIDATOR_STAKE = 20_000e18;
    /// @notice Staking's minimum stake.
    uint256 public constant MINIMUM_STAKE = 10_000e18;
    /// @notice Staking's share of a slash paid to its beneficiary (dispute resolution), in basis points.
    uint256 public constant SLASH_REWARD_BPS = 2_500;
    /// @notice Dispute resolution's fee per juror.
    uint256 public constant FEE_PER_JUROR = 20e18;
    /// @notice The first round's jury.
    uint256 public constant JURY_SIZE = 3;
    /// @notice CRP locked from each juror.
    uint256 public constant JUROR_LOCK = 500e18;
    /// @notice Every phase's length.
    uint256 public constant PERIOD = 1 hours;
    /// @notice Share of the lock a juror who does not reveal loses.
    uint256 public constant NON_REVEAL_SLASH_BPS = 2_000;
    /// @notice Share of the lock a juror who reveals another ruling than the final one loses.
    uint256 public constant INCOHERENT_SLASH_BPS = 1_000;
    /// @notice Appeals a dispute may have.
    uint256 public constant MAX_APPEALS = 3;
    /// @notice The party ruling 1 favours.
    address public constant PARTY_A = address(0x2001);
    /// @notice The party ruling 2 favours.
    address public constant PARTY_B = address(0x2002);
    /// @notice What each party and arbitrable contract starts with.
    uint256 public constant ACTOR_FUNDS = 1_000_000e18;

    // ─── Actors ─────────────────────────────────────────────────────────────

    address[VALIDATOR_COUNT] internal _validators;
    /// @dev Everyone who can hold a withdrawable balance: the validators (jurors), the parties (payers of
    /// first rounds and appeals) and the arbitrable contracts (which pay but are never credited).
    address[] internal _accounts;

    // ─── Ghost state ────────────────────────────────────────────────────────

    enum Op {
        Open,
        DrawJury,
        Commit,
        Reveal,
        Appeal,
        ExecuteRuling,
        Delivered,
        CallbackFailed,
        DeliveredOnRetry,
        SettleRound,
        Refunded,
        PaidJurors,
        NonRevealSlashed,
        IncoherentSlashed,
        Withdraw,
        Thaw,
        StakingWithdraw,
        SetMode,
        Warp
    }

    uint256 internal constant OP_COUNT = 19;

    /// @notice Per {Op}: how many times the action was attempted (a target existed).
    uint256[OP_COUNT] public tried;
    /// @notice Per {Op}: how many times it succeeded. Derived ones: Delivered and CallbackFailed split the
    /// executions by their callback's outcome, and DeliveredOnRetry counts deliveries after a failed
    /// callback; Refunded and PaidJurors split the settlements by who was credited; NonRevealSlashed and
    /// IncoherentSlashed count the jurors settlements slashed so.
    uint256[OP_COUNT] public succeeded;
    /// @notice Handler calls in this run.
    uint256 public calls;

    /// @notice The exclusion list each dispute was opened with (its parties in ruling order).
    mapping(uint256 disputeId => address[]) internal _excludedOf;
    /// @notice The CRP paid for each round (by {_roundKey}).
    mapping(uint256 roundKey => uint256) public feeOf;
    /// @notice Whether each round was settled (by {_roundKey}).
    mapping(uint256 roundKey => bool) public settled;
    /// @notice What each round's settlement credited in all, from the balance deltas (by {_roundKey}).
    mapping(uint256 roundKey => uint256) public creditedOf;
    /// @notice Σ {feeOf} over the rounds not settled.
    uint256 public unsettledFees;
    /// @notice The vote each juror committed, remembered for its reveal (by {_roundKey}).
    mapping(uint256 roundKey => mapping(address juror => uint256)) public voteOf;
    /// @notice The salt each juror committed with (by {_roundKey}).
    mapping(uint256 roundKey => mapping(address juror => bytes32)) public saltOf;
    /// @notice How many times each dispute's ruling was delivered (the callback returned: the dispute is
    /// Executed since).
    mapping(uint256 disputeId => uint256) public deliveries;
    /// @notice How many times each dispute's arbitrable recorded its ruling (its `calls()` grew; a
    /// return-data bomb is a delivery that records nothing).
    mapping(uint256 disputeId => uint256) public recordedOf;
    /// @notice Whether an execution of the dispute's ruling ran and its callback failed.
    mapping(uint256 disputeId => bool) public callbackFailed;
    /// @notice Σ {recordedOf}.
    uint256 public totalRecorded;
    /// @notice The ruling each dispute had when it was first seen final, plus one (0: not seen final).
    mapping(uint256 disputeId => uint256) public finalRulingPlusOne;

    /// @notice First broken promise about money (credits, fees, slash rewards, withdrawals); empty if none.
    string public moneyViolation;
    /// @notice First broken promise about settlement (settled twice, wrong slashes, wrong shares).
    string public settleViolation;
    /// @notice First broken promise about delivery (delivered twice, re-executed, wrong ruling).
    string public deliveryViolation;
    /// @notice First broken promise about votes and draws (a final ruling changed, a forged reveal or a
    /// wrong exclusion list accepted).
    string public ruleViolation;

    /// @notice Set by {drain} (which the invariants call; forge discards the state of invariant calls).
    bool public drained;
    /// @notice Rounds {drain} could not settle, executions it could not deliver, withdrawals that failed.
    uint256 public drainFailures;

    /// @dev Phases a dispute goes through before its ruling is final (bit i: phase i).
    uint256 internal constant _OPEN_PHASES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5);
    uint256 internal constant _FINAL_PHASES = (1 << 6) | (1 << 7);

    // ─── Setup ──────────────────────────────────────────────────────────────

    constructor() {
        address[] memory none = new address[](0);
        uint256[] memory noAmounts = new uint256[](0);
        CRP = new CorpusToken(address(this), 100_000_000e18, none, noAmounts);
        RANDOMNESS = new FixedRandomness();
        RANDOMNESS.setSeed(keccak256("disputes invariants"));
        STAKING = new CorpusStaking(
            ICorpusToken(address(CRP)),
            address(this),
            address(0),
            IRandomnessSource(address(RANDOMNESS)),
            MINIMUM_STAKE,
            1 days, // unbonding period (the shortest, so that thawed stake matures within a run)
            SLASH_REWARD_BPS,
            address(0)
        );
        DISPUTES = new CorpusDisputes(
            ICorpusStaking(address(STAKING)),
            address(this),
            address(0),
            [
                FEE_PER_JUROR,
                JURY_SIZE,
                JUROR_LOCK,
                PERIOD, // evidence
                PERIOD, // commit
                PERIOD, // reveal
                PERIOD, // appeal
                NON_REVEAL_SLASH_BPS,
                INCOHERENT_SLASH_BPS
            ],
            address(0)
        );
        STAKING.grantRole(STAKING.LOCKER_ROLE(), address(DISPUTES));
        STAKING.grantRole(STAKING.SLASHER_ROLE(), address(DISPUTES));
        ARBITRABLE_0 = new HostileArbitrable();
        ARBITRABLE_1 = new HostileArbitrable();

        vm.label(address(CRP), "CRP");
        vm.label(address(STAKING), "staking");
        vm.label(address(DISPUTES), "disputes");
        vm.label(address(ARBITRABLE_0), "arbitrable0");
        vm.label(address(ARBITRABLE_1), "arbitrable1");
        vm.label(PARTY_A, "partyA");
        vm.label(PARTY_B, "partyB");
        vm.label(address(this), "governance");

        // Storage first (actors and where balances can be), then the transfers.
        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = address(uint160(0x1001 + i));
            _validators[i] = v;
            _accounts.push(v);
        }
        _accounts.push(PARTY_A);
        _accounts.push(PARTY_B);
        _accounts.push(address(ARBITRABLE_0));
        _accounts.push(address(ARBITRABLE_1));

        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = _validators[i];
            vm.label(v, string.concat("validator", _toString(i)));
            CRP.transfer(v, VALIDATOR_STAKE);
            vm.startPrank(v);
            CRP.approve(address(STAKING), type(uint256).max);
            STAKING.stake(VALIDATOR_STAKE);
            vm.stopPrank();
        }
        CRP.transfer(PARTY_A, ACTOR_FUNDS);
        CRP.transfer(PARTY_B, ACTOR_FUNDS);
        CRP.transfer(address(ARBITRABLE_0), ACTOR_FUNDS);
        CRP.transfer(address(ARBITRABLE_1), ACTOR_FUNDS);
    }

    // ─── Views for the invariants ───────────────────────────────────────────

    /// @notice The sixteen staked validators.
    /// @return The validators.
    function validators() external view returns (address[VALIDATOR_COUNT] memory) {
        return _validators;
    }

    /// @notice Every account that can hold a withdrawable balance in dispute resolution.
    /// @return The accounts.
    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    /// @notice The exclusion list `disputeId` was opened with.
    /// @param disputeId The dispute.
    /// @return The list.
    function excludedOf(uint256 disputeId) external view returns (address[] memory) {
        return _excludedOf[disputeId];
    }

    /// @notice A round's key, as dispute resolution computes it.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @return The key.
    function roundKey(uint256 disputeId, uint256 round) public pure returns (uint256) {
        return (disputeId << 8) | round;
    }

    // ─── Arbitrable contracts and parties ───────────────────────────────────

    /// @notice An arbitrable contract opens a dispute on behalf of party A or B, paying the fee.
    /// @param arbitrableSeed Picks the arbitrable contract.
    /// @param partySeed Picks the party.
    function open(uint256 arbitrableSeed, uint256 partySeed) external tracked {
        _open(arbitrableSeed, partySeed);
    }

    /// @notice The losing party of a dispute in its appeal period appeals, approving the appeal's cost.
    /// @param disputeSeed Picks the dispute.
    /// @param partySeed Picks the party after a ruling of 0 (either may appeal).
    function appeal(uint256 disputeSeed, uint256 partySeed) external tracked {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _mask(ICorpusDisputes.Phase.Appeal)
        );
        if (found) _appeal(id, d, partySeed);
    }

    /// @notice An arbitrable contract changes how its ruling callback behaves: mostly back to recording,
    /// sometimes reverting (executions then fail and must be retried), burning its gas, returning a
    /// return-data bomb or re-entering.
    /// @param arbitrableSeed Picks the arbitrable contract.
    /// @param modeSeed Picks the mode.
    function setMode(uint256 arbitrableSeed, uint256 modeSeed) external tracked {
        uint256 m = modeSeed % 8;
        HostileArbitrable.Mode mode =
            m < 3
                ? HostileArbitrable.Mode.Record
                : m < 6
                    ? HostileArbitrable.Mode.Revert
                    : HostileArbitrable.Mode(2 + ((modeSeed >> 8) % 3));
        _setMode(arbitrableSeed % 2 == 0 ? ARBITRABLE_0 : ARBITRABLE_1, mode);
    }

    // ─── Anyone ─────────────────────────────────────────────────────────────

    /// @notice Draws the jury of a dispute whose current round has none yet, with its exclusion list.
    /// @param disputeSeed Picks the dispute.
    function drawJury(uint256 disputeSeed) external tracked {
        (bool found, uint256 id, ) = _pickDispute(disputeSeed, _mask(ICorpusDisputes.Phase.Drawing));
        if (found) _drawJury(id, disputeSeed >> 8);
    }

    /// @notice Delivers the ruling of a final dispute (one time in eight: of a dispute already executed,
    /// which must refuse).
    /// @param disputeSeed Picks the dispute.
    function executeRuling(uint256 disputeSeed) external tracked {
        uint256 mask =
            (disputeSeed >> 8) % 8 == 0 ? _mask(ICorpusDisputes.Phase.Executed) : _mask(ICorpusDisputes.Phase.Final);
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(disputeSeed, mask);
        if (found) _execute(id, d);
    }

    /// @notice Settles a round of a final dispute: the first round not settled from a random one on (one
    /// time in eight: a random round, which must refuse if it was settled already).
    /// @param disputeSeed Picks the dispute.
    /// @param roundSeed Picks the round.
    function settleRound(uint256 disputeSeed, uint256 roundSeed) external tracked {
        if ((roundSeed >> 8) % 8 == 0) {
            (bool any, uint256 anyId, ICorpusDisputes.DisputeView memory d) = _pickDispute(disputeSeed, _FINAL_PHASES);
            if (any) _settle(anyId, roundSeed % (d.round + 1));
            return;
        }
        (bool found, uint256 id, uint256 round) = _pickSettleable(disputeSeed, roundSeed);
        if (found) _settle(id, round);
    }

    /// @notice An account withdraws its balance (the first account from a random one on that has one).
    /// @param accountSeed Picks the account.
    function withdraw(uint256 accountSeed) external tracked {
        _withdraw(accountSeed);
    }

    // ─── Jurors ─────────────────────────────────────────────────────────────

    /// @notice A juror of a dispute in its commit period (the first from a random one on that has not
    /// committed) commits vote 1 or 2 with a salt derived from the dispute, round and juror.
    /// @param disputeSeed Picks the dispute.
    /// @param jurorSeed Picks the juror.
    /// @param voteSeed Picks the vote.
    function commit(uint256 disputeSeed, uint256 jurorSeed, uint256 voteSeed) external tracked {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _mask(ICorpusDisputes.Phase.Commit)
        );
        if (found) _commit(id, d.round, jurorSeed, 1 + (voteSeed % 2));
    }

    /// @notice A juror of a dispute in its reveal period that committed and has not revealed reveals its
    /// remembered vote and salt (one time in eight it first tries the other vote, which must refuse).
    /// @param disputeSeed Picks the dispute.
    /// @param jurorSeed Picks the juror.
    function reveal(uint256 disputeSeed, uint256 jurorSeed) external tracked {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _mask(ICorpusDisputes.Phase.Reveal)
        );
        if (found) _reveal(id, d.round, jurorSeed);
    }

    // ─── Staking and time ───────────────────────────────────────────────────

    /// @notice A validator thaws 1..5,000 CRP of its unlocked stake.
    /// @param validatorSeed Picks the validator.
    /// @param amount Bounded to the amount.
    function thaw(uint256 validatorSeed, uint256 amount) external tracked {
        _tried(Op.Thaw);
        vm.prank(_validators[validatorSeed % VALIDATOR_COUNT]);
        try STAKING.thaw(1e18 + (amount % 5_000e18)) {
            _ok(Op.Thaw);
        } catch {}
    }

    /// @notice A validator withdraws its thawed stake (preferably one whose thaw has matured).
    /// @param validatorSeed Picks the validator.
    function stakingWithdraw(uint256 validatorSeed) external tracked {
        uint256 start = validatorSeed % VALIDATOR_COUNT;
        address validator = _validators[start];
        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = _validators[(start + i) % VALIDATOR_COUNT];
            (, , uint256 thawing, uint256 thawEnd, ) = STAKING.stakeOf(v);
            if (thawing != 0 && block.timestamp >= thawEnd) {
                validator = v;
                break;
            }
        }
        _tried(Op.StakingWithdraw);
        vm.prank(validator);
        try STAKING.withdraw() {
            _ok(Op.StakingWithdraw);
        } catch {}
    }

    /// @notice Time passes (and a block): 1 minute..3 hours, or one time in four up to 2 days.
    /// @param secs Bounded to the seconds.
    function warp(uint256 secs) external tracked {
        uint256 span = (secs >> 128) % 4 == 0 ? 2 days : 3 hours;
        _warpTo(block.timestamp + 1 minutes + (secs % span));
    }

    // ─── Lifecycle driver ───────────────────────────────────────────────────

    /// @notice Moves a live dispute (not executed, or with a round not settled; half the time the oldest,
    /// else a random one) one natural step on, so that runs of 40 calls reach votes, appeals, final rulings,
    /// deliveries and settlements: Drawing → draw; Evidence → time runs to the commit period and a juror
    /// commits; Commit → a juror commits (one time in eight: time runs past the commit period); Reveal → a
    /// juror reveals (one time in eight: time runs past the reveal period); Appeal → the loser appeals one
    /// time in three, else time runs past the appeal period; Final → a round is settled or the ruling
    /// executed (after fixing a hostile arbitrable, sometimes); Executed → a round is settled. With no live
    /// dispute an account withdraws (if one has a balance) or a dispute is opened; one call in eight
    /// withdraws anyway, one in ten opens anyway. Jurors vote for the ruling a dispute leans to three times
    /// in four.
    /// @param seed Picks the dispute and every choice on the way.
    function advance(uint256 seed) external tracked {
        uint256 choice = uint256(keccak256(abi.encode(seed)));
        // Half the time the oldest live dispute, so that disputes run to their end rather than all stall.
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickLive((choice >> 128) % 2 == 0 ? 0 : seed);
        if ((!found || choice % 8 == 1) && _anyBalance()) {
            _withdraw(choice >> 8);
            return;
        }
        if (!found || choice % 10 == 0) {
            _open(choice >> 8, choice >> 16);
            return;
        }
        ICorpusDisputes.Phase p = d.phase;
        if (p == ICorpusDisputes.Phase.Drawing) {
            _drawJury(id, 1);
        } else if (p == ICorpusDisputes.Phase.Evidence || p == ICorpusDisputes.Phase.Commit) {
            ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, d.round);
            if (p == ICorpusDisputes.Phase.Evidence) _warpTo(r.evidenceEnd + 1 + ((choice >> 8) % 10 minutes));
            (bool any, ) = _uncommitted(id, d.round, r.jurors, choice >> 16);
            if (any && choice % 8 != 0) _commit(id, d.round, choice >> 16, _leaningVote(id, choice >> 32));
            else _warpTo(r.commitEnd + 1);
        } else if (p == ICorpusDisputes.Phase.Reveal) {
            ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, d.round);
            (bool any, ) = _unrevealed(id, d.round, r.jurors, choice >> 16);
            if (any && choice % 8 != 0) _reveal(id, d.round, choice >> 16);
            else _warpTo(r.revealEnd + 1);
        } else if (p == ICorpusDisputes.Phase.Appeal) {
            if (choice % 3 == 0) _appeal(id, d, choice >> 8);
            else _warpTo(DISPUTES.getRound(id, d.round).appealEnd + 1);
        } else if (p == ICorpusDisputes.Phase.Final && choice % 2 == 0) {
            HostileArbitrable arbitrable = HostileArbitrable(address(d.arbitrable));
            if (arbitrable.mode() != HostileArbitrable.Mode.Record && choice % 3 == 0) {
                _setMode(arbitrable, HostileArbitrable.Mode.Record);
            }
            _execute(id, d);
        } else {
            (bool any, uint256 round) = _unsettledRound(id, d.round, choice >> 8);
            if (any) _settle(id, round);
            else _execute(id, d);
        }
    }

    // ─── Drain (called by an invariant; forge discards its state) ───────────

    /// @notice Runs every dispute to its end: time passes until every ruling is final, every round not
    /// settled is settled, every arbitrable records again and every ruling not executed is executed, and
    /// every account withdraws. Counts what failed in {drainFailures}.
    function drain() external {
        drained = true;
        _warpTo(block.timestamp + 2 days);
        _setMode(ARBITRABLE_0, HostileArbitrable.Mode.Record);
        _setMode(ARBITRABLE_1, HostileArbitrable.Mode.Record);
        uint256 count = DISPUTES.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            ICorpusDisputes.DisputeView memory d = DISPUTES.getDispute(id);
            for (uint256 round; round <= d.round; ++round) {
                if (settled[roundKey(id, round)]) continue;
                _settle(id, round);
                if (!settled[roundKey(id, round)]) ++drainFailures;
            }
            if (d.phase != ICorpusDisputes.Phase.Executed) {
                uint256 before = deliveries[id];
                _execute(id, d);
                if (deliveries[id] != before + 1) ++drainFailures;
            }
        }
        for (uint256 i; i < _accounts.length; ++i) {
            if (DISPUTES.balanceOf(_accounts[i]) == 0) continue;
            vm.prank(_accounts[i]);
            try DISPUTES.withdraw() {} catch {
                ++drainFailures;
            }
        }
    }

    // ─── Steps ──────────────────────────────────────────────────────────────

    function _open(uint256 arbitrableSeed, uint256 partySeed) internal {
        HostileArbitrable arbitrable = arbitrableSeed % 2 == 0 ? ARBITRABLE_0 : ARBITRABLE_1;
        address party = partySeed % 2 == 0 ? PARTY_A : PARTY_B;
        address[] memory excluded = new address[](2);
        (excluded[0], excluded[1]) = (PARTY_A, PARTY_B);
        uint256 fee = DISPUTES.arbitrationCost("");
        uint256 paidBefore = CRP.balanceOf(address(arbitrable));
        _tried(Op.Open);
        try arbitrable.open(IArbitrator(address(DISPUTES)), abi.encode(excluded), party) returns (uint256 id) {
            _ok(Op.Open);
            _excludedOf[id] = excluded;
            uint256 key = roundKey(id, 0);
            feeOf[key] = fee;
            unsettledFees += fee;
            ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, 0);
            if (paidBefore - CRP.balanceOf(address(arbitrable)) != fee || r.fee != fee || r.payer != party) {
                _flagMoney("open: the arbitrable paid, or the round records, another fee or payer");
            }
        } catch {}
    }

    /// @dev Draws with the recorded exclusion list; one time in eight first with the list reversed, which
    /// must refuse. FixedRandomness answers in the request's block already; a block on is what a real source
    /// needs.
    function _drawJury(uint256 id, uint256 seed) internal {
        vm.roll(block.number + 1);
        address[] memory excluded = _excludedOf[id];
        if (seed % 8 == 0) {
            address[] memory reversed = new address[](2);
            (reversed[0], reversed[1]) = (excluded[1], excluded[0]);
            try DISPUTES.drawJury(id, reversed) {
                _flagRule("drawJury accepted another exclusion list than the dispute's");
            } catch {}
        }
        _tried(Op.DrawJury);
        try DISPUTES.drawJury(id, excluded) {
            _ok(Op.DrawJury);
        } catch {}
    }

    function _commit(uint256 id, uint256 round, uint256 jurorSeed, uint256 vote) internal {
        (bool any, address juror) = _uncommitted(id, round, DISPUTES.getRound(id, round).jurors, jurorSeed);
        if (!any) return;
        uint256 key = roundKey(id, round);
        bytes32 salt = keccak256(abi.encode("salt", key, juror));
        bytes32 commitment = DISPUTES.commitmentOf(id, round, juror, vote, salt);
        _tried(Op.Commit);
        vm.prank(juror);
        try DISPUTES.commitVote(id, commitment) {
            _ok(Op.Commit);
            voteOf[key][juror] = vote;
            saltOf[key][juror] = salt;
        } catch {}
    }

    function _reveal(uint256 id, uint256 round, uint256 jurorSeed) internal {
        (bool any, address juror) = _unrevealed(id, round, DISPUTES.getRound(id, round).jurors, jurorSeed);
        if (!any) return;
        uint256 key = roundKey(id, round);
        uint256 vote = voteOf[key][juror];
        bytes32 salt = saltOf[key][juror];
        if ((jurorSeed >> 64) % 8 == 0) {
            vm.prank(juror);
            try DISPUTES.revealVote(id, 3 - vote, salt) {
                _flagRule("revealVote accepted a vote that was not committed");
            } catch {}
        }
        _tried(Op.Reveal);
        vm.prank(juror);
        try DISPUTES.revealVote(id, vote, salt) {
            _ok(Op.Reveal);
        } catch {}
    }

    function _appeal(uint256 id, ICorpusDisputes.DisputeView memory d, uint256 partySeed) internal {
        // Ruling 1 favours parties[0], ruling 2 parties[1]; after a ruling of 0 either party lost.
        address loser =
            d.ruling == 1
                ? d.parties[1]
                : d.ruling == 2
                    ? d.parties[0]
                    : d.parties[partySeed % 2];
        // The last round has no appeal period, and no appeal cost either.
        uint256 cost;
        try DISPUTES.appealCost(id) returns (uint256 c) {
            cost = c;
        } catch {
            return;
        }
        uint256 paidBefore = CRP.balanceOf(loser);
        _tried(Op.Appeal);
        vm.startPrank(loser);
        CRP.approve(address(DISPUTES), cost);
        try DISPUTES.appeal(id) {
            _ok(Op.Appeal);
            uint256 round = d.round + 1;
            feeOf[roundKey(id, round)] = cost;
            unsettledFees += cost;
            ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, round);
            if (paidBefore - CRP.balanceOf(loser) != cost || r.fee != cost || r.payer != loser) {
                _flagMoney("appeal: the appellant paid, or the round records, another fee or payer");
            }
            if (r.jurySize != 2 * DISPUTES.getRound(id, d.round).jurySize + 1) {
                _flagRule("an appeal's jury is not 2n + 1");
            }
        } catch {}
        vm.stopPrank();
    }

    function _execute(uint256 id, ICorpusDisputes.DisputeView memory d) internal {
        HostileArbitrable arbitrable = HostileArbitrable(address(d.arbitrable));
        uint256 callsBefore = arbitrable.calls();
        bool wasExecuted = d.phase == ICorpusDisputes.Phase.Executed;
        _tried(Op.ExecuteRuling);
        try DISPUTES.executeRuling(id) {
            _ok(Op.ExecuteRuling);
            if (wasExecuted) _flagDelivery("executeRuling ran again on an executed dispute");
            // A callback that returns (even a return-data bomb, which records nothing) is a delivery.
            bool executed = DISPUTES.getDispute(id).phase == ICorpusDisputes.Phase.Executed;
            if (!executed) {
                _ok(Op.CallbackFailed);
                callbackFailed[id] = true;
            } else {
                _ok(Op.Delivered);
                if (callbackFailed[id]) _ok(Op.DeliveredOnRetry);
                ++deliveries[id];
                if (deliveries[id] > 1) _flagDelivery("a ruling was delivered twice");
            }
            if (arbitrable.calls() != callsBefore) {
                ++recordedOf[id];
                ++totalRecorded;
                if (!executed) _flagDelivery("an arbitrable recorded a ruling but the dispute is not Executed");
                if (recordedOf[id] > 1) _flagDelivery("an arbitrable recorded a ruling twice");
            }
        } catch {}
    }

    /// @dev What {_checkSettlement} compares with.
    struct Before {
        uint256 ruling;
        uint256 balances;
        uint256 held;
        uint256 payerBalance;
        uint256[] stakes;
        uint256[] jurorBalances;
    }

    function _settle(uint256 id, uint256 round) internal {
        uint256 key = roundKey(id, round);
        bool wasSettled = settled[key];
        ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, round);
        Before memory b;
        (b.ruling, ) = DISPUTES.currentRuling(id);
        b.balances = _sumBalances();
        b.held = CRP.balanceOf(address(DISPUTES));
        b.payerBalance = DISPUTES.balanceOf(r.payer);
        b.stakes = new uint256[](r.jurors.length);
        b.jurorBalances = new uint256[](r.jurors.length);
        for (uint256 i; i < r.jurors.length; ++i) {
            b.stakes[i] = _stakeOf(r.jurors[i]);
            b.jurorBalances[i] = DISPUTES.balanceOf(r.jurors[i]);
        }
        _tried(Op.SettleRound);
        try DISPUTES.settleRound(id, round) {
            _ok(Op.SettleRound);
            if (wasSettled) {
                _flagSettle("a settled round settled again");
                return;
            }
            settled[key] = true;
            unsettledFees -= feeOf[key];
            _checkSettlement(id, round, r, b);
        } catch {}
    }

    /// @dev After a settlement: the balances grew by the round's fee plus the slash reward received; each
    /// juror lost exactly its slash (non-reveal share, incoherence share, or nothing); the reward received is
    /// staking's share of those slashes; the pot went in equal shares (dust to the first) to the coherent
    /// jurors, or back to the payer when there were none.
    function _checkSettlement(uint256 id, uint256 round, ICorpusDisputes.RoundView memory r, Before memory b) internal {
        uint256 key = roundKey(id, round);
        uint256 credited = _sumBalances() - b.balances;
        uint256 reward = CRP.balanceOf(address(DISPUTES)) - b.held;
        creditedOf[key] = credited;
        if (r.fee != feeOf[key]) _flagMoney("a round records another fee than was paid");
        if (credited != feeOf[key] + reward) _flagMoney("a settlement credited other than fee + slash reward");
        (uint256 expectedReward, uint256 coherent) = _checkSlashes(id, round, r, b);
        if (reward != expectedReward) _flagMoney("the slash reward received is not staking's share");
        uint256 pot = feeOf[key] + reward;
        if (coherent == 0) {
            _ok(Op.Refunded);
            if (DISPUTES.balanceOf(r.payer) - b.payerBalance != pot) {
                _flagSettle("a round without coherent jurors was not refunded to its payer");
            }
            return;
        }
        _ok(Op.PaidJurors);
        if (DISPUTES.balanceOf(r.payer) != b.payerBalance) _flagSettle("a payer was credited with coherent jurors");
        _checkShares(id, round, r, b, pot / coherent, pot - (pot / coherent) * coherent);
    }

    /// @dev Each juror lost exactly its slash; returns staking's reward share of them all and how many
    /// jurors were coherent.
    function _checkSlashes(
        uint256 id,
        uint256 round,
        ICorpusDisputes.RoundView memory r,
        Before memory b
    ) internal returns (uint256 expectedReward, uint256 coherent) {
        uint256 key = roundKey(id, round);
        for (uint256 i; i < r.jurors.length; ++i) {
            address juror = r.jurors[i];
            (, , bool revealed, uint256 vote) = DISPUTES.seatOf(id, round, juror);
            uint256 slash;
            if (!revealed) {
                slash = (r.jurorLock * r.nonRevealSlashBps) / 10_000;
                _ok(Op.NonRevealSlashed);
            } else if (b.ruling == 0 || vote == b.ruling) {
                ++coherent;
            } else {
                slash = (r.jurorLock * r.incoherentSlashBps) / 10_000;
                _ok(Op.IncoherentSlashed);
            }
            if (revealed && vote != voteOf[key][juror]) _flagRule("a revealed vote is not the one committed");
            if (b.stakes[i] - _stakeOf(juror) != slash) _flagSettle("a juror lost other than its slash");
            expectedReward += (slash * SLASH_REWARD_BPS) / 10_000;
        }
    }

    /// @dev Each coherent juror was credited `share` (the first also `dust`), every other juror nothing.
    function _checkShares(
        uint256 id,
        uint256 round,
        ICorpusDisputes.RoundView memory r,
        Before memory b,
        uint256 share,
        uint256 dust
    ) internal {
        for (uint256 i; i < r.jurors.length; ++i) {
            address juror = r.jurors[i];
            (, , bool revealed, uint256 vote) = DISPUTES.seatOf(id, round, juror);
            bool isCoherent = revealed && (b.ruling == 0 || vote == b.ruling);
            uint256 expected = isCoherent ? share + dust : 0;
            if (isCoherent) dust = 0;
            if (DISPUTES.balanceOf(juror) - b.jurorBalances[i] != expected) {
                _flagSettle("a juror was credited other than its share");
            }
        }
    }

    function _withdraw(uint256 seed) internal {
        uint256 n = _accounts.length;
        address account = _accounts[seed % n];
        for (uint256 i; i < n; ++i) {
            address a = _accounts[((seed % n) + i) % n];
            if (DISPUTES.balanceOf(a) != 0) {
                account = a;
                break;
            }
        }
        uint256 owed = DISPUTES.balanceOf(account);
        uint256 before = CRP.balanceOf(account);
        _tried(Op.Withdraw);
        vm.prank(account);
        try DISPUTES.withdraw() {
            _ok(Op.Withdraw);
            if (CRP.balanceOf(account) - before != owed || DISPUTES.balanceOf(account) != 0) {
                _flagMoney("withdraw paid other than the balance");
            }
        } catch {}
    }

    function _setMode(HostileArbitrable arbitrable, HostileArbitrable.Mode mode) internal {
        _tried(Op.SetMode);
        _ok(Op.SetMode);
        arbitrable.setMode(mode);
    }

    function _warpTo(uint256 timestamp) internal {
        _tried(Op.Warp);
        if (timestamp <= block.timestamp) return;
        _ok(Op.Warp);
        vm.warp(timestamp);
        vm.roll(block.number + 1);
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    /// @dev After every action: records the ruling of every dispute once final and flags any change of it.
    modifier tracked() {
        ++calls;
        _;
        uint256 count = DISPUTES.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            (uint256 ruling, bool isFinal) = DISPUTES.currentRuling(id);
            if (!isFinal) continue;
            uint256 recorded = finalRulingPlusOne[id];
            if (recorded == 0) finalRulingPlusOne[id] = ruling + 1;
            else if (recorded != ruling + 1) _flagRule("a final ruling changed");
        }
    }

    /// @dev A random dispute among those whose phase is in `phaseMask` (bit i: phase i).
    function _pickDispute(
        uint256 seed,
        uint256 phaseMask
    ) internal view returns (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) {
        uint256 count = DISPUTES.disputeCount();
        if (count == 0) return (false, 0, d);
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((seed % count) + i) % count);
            ICorpusDisputes.DisputeView memory v = DISPUTES.getDispute(candidate);
            if (phaseMask & _mask(v.phase) != 0) return (true, candidate, v);
        }
    }

    /// @dev A random dispute that is not executed or has a round not settled.
    function _pickLive(
        uint256 seed
    ) internal view returns (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) {
        uint256 count = DISPUTES.disputeCount();
        if (count == 0) return (false, 0, d);
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((seed % count) + i) % count);
            ICorpusDisputes.DisputeView memory v = DISPUTES.getDispute(candidate);
            if (v.phase != ICorpusDisputes.Phase.Executed) return (true, candidate, v);
            (bool any, ) = _unsettledRound(candidate, v.round, 0);
            if (any) return (true, candidate, v);
        }
    }

    /// @dev A final dispute with a round not settled, and that round.
    function _pickSettleable(
        uint256 seed,
        uint256 roundSeed
    ) internal view returns (bool found, uint256 id, uint256 round) {
        uint256 count = DISPUTES.disputeCount();
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((seed % count) + i) % count);
            ICorpusDisputes.DisputeView memory v = DISPUTES.getDispute(candidate);
            if (_FINAL_PHASES & _mask(v.phase) == 0) continue;
            (bool any, uint256 r) = _unsettledRound(candidate, v.round, roundSeed);
            if (any) return (true, candidate, r);
        }
    }

    /// @dev The first round not settled (by the ghost) from a random one on.
    function _unsettledRound(uint256 id, uint256 lastRound, uint256 seed) internal view returns (bool, uint256) {
        uint256 n = lastRound + 1;
        for (uint256 i; i < n; ++i) {
            uint256 round = ((seed % n) + i) % n;
            if (!settled[roundKey(id, round)]) return (true, round);
        }
        return (false, 0);
    }

    /// @dev The first juror from a random one on who has not committed.
    function _uncommitted(
        uint256 id,
        uint256 round,
        address[] memory jurors,
        uint256 seed
    ) internal view returns (bool, address) {
        uint256 n = jurors.length;
        for (uint256 i; i < n; ++i) {
            address juror = jurors[((seed % n) + i) % n];
            (, bool committed, , ) = DISPUTES.seatOf(id, round, juror);
            if (!committed) return (true, juror);
        }
        return (false, address(0));
    }

    /// @dev The first juror from a random one on who committed and has not revealed.
    function _unrevealed(
        uint256 id,
        uint256 round,
        address[] memory jurors,
        uint256 seed
    ) internal view returns (bool, address) {
        uint256 n = jurors.length;
        for (uint256 i; i < n; ++i) {
            address juror = jurors[((seed % n) + i) % n];
            (, bool committed, bool revealed, ) = DISPUTES.seatOf(id, round, juror);
            if (committed && !revealed) return (true, juror);
        }
        return (false, address(0));
    }

    /// @dev The ruling a dispute leans to (1 for odd ids, 2 for even) three times in four, else the other.
    function _leaningVote(uint256 id, uint256 seed) internal pure returns (uint256) {
        uint256 leaning = 1 + (id % 2);
        return seed % 4 == 0 ? 3 - leaning : leaning;
    }

    function _anyBalance() internal view returns (bool) {
        for (uint256 i; i < _accounts.length; ++i) {
            if (DISPUTES.balanceOf(_accounts[i]) != 0) return true;
        }
        return false;
    }

    function _sumBalances() internal view returns (uint256 sum) {
        for (uint256 i; i < _accounts.length; ++i) sum += DISPUTES.balanceOf(_accounts[i]);
    }

    /// @dev What a validator could still lose: staked plus thawing.
    function _stakeOf(address validator) internal view returns (uint256) {
        (uint256 staked, , uint256 thawing, , ) = STAKING.stakeOf(validator);
        return staked + thawing;
    }

    function _mask(ICorpusDisputes.Phase phase) internal pure returns (uint256) {
        return 1 << uint256(phase);
    }

    function _flagMoney(string memory message) internal {
        if (bytes(moneyViolation).length == 0) moneyViolation = message;
    }

    function _flagSettle(string memory message) internal {
        if (bytes(settleViolation).length == 0) settleViolation = message;
    }

    function _flagDelivery(string memory message) internal {
        if (bytes(deliveryViolation).length == 0) deliveryViolation = message;
    }

    function _flagRule(string memory message) internal {
        if (bytes(ruleViolation).length == 0) ruleViolation = message;
    }

    function _tried(Op op) internal {
        ++tried[uint256(op)];
    }

    function _ok(Op op) internal {
        ++succeeded[uint256(op)];
    }

    function _toString(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory digits;
        for (; value != 0; value /= 10) digits = abi.encodePacked(bytes1(uint8(48 + (value % 10))), digits);
        return string(digits);
    }
}

/// @title DisputesInvariants
/// @notice Money, lock, delivery, settlement and sortition invariants of dispute resolution under random use
/// through {DisputesHandler}, the only target contract.
contract DisputesInvariants {
    /// @dev The shape forge reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @dev How many of the selector entries are {DisputesHandler.advance}.
    uint256 internal constant ADVANCE_WEIGHT = 24;

    DisputesHandler internal handler;

    /// @notice Deploys the handler, which deploys the protocol.
    function setUp() public {
        handler = new DisputesHandler();
    }

    /// @notice Read by forge (what forge-std's `targetContract` fills): only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Read by forge (what forge-std's `targetSelector` fills): the handler's actions, with
    /// {DisputesHandler.advance} listed several times (forge picks among the entries uniformly), so that a
    /// 40-call run drives disputes through draws, votes, appeals, execution and settlement while every single
    /// action still gets its share of random calls. {DisputesHandler.drain} is not among them.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[13] memory actions = [
            DisputesHandler.open.selector,
            DisputesHandler.drawJury.selector,
            DisputesHandler.commit.selector,
            DisputesHandler.reveal.selector,
            DisputesHandler.appeal.selector,
            DisputesHandler.executeRuling.selector,
            DisputesHandler.settleRound.selector,
            DisputesHandler.withdraw.selector,
            DisputesHandler.thaw.selector,
            DisputesHandler.stakingWithdraw.selector,
            DisputesHandler.setMode.selector,
            DisputesHandler.warp.selector,
            DisputesHandler.advance.selector
        ];
        bytes4[] memory selectors = new bytes4[](actions.length - 1 + ADVANCE_WEIGHT);
        for (uint256 i; i < actions.length; ++i) selectors[i] = actions[i];
        for (uint256 i = actions.length; i < selectors.length; ++i) selectors[i] = DisputesHandler.advance.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /// @notice (1) Dispute resolution holds exactly what it owes: Σ withdrawable balances of every account
    /// that can hold one, plus the fees of the rounds not settled yet (ghost sum, which also equals the fees
    /// the contract records for its unsettled rounds); and no settlement, open, appeal or withdrawal moved
    /// other amounts than promised.
    function invariant_disputesHoldBalancesAndUnsettledFees() public view {
        _noViolation(handler.moneyViolation());
        CorpusDisputes disputes = handler.DISPUTES();
        address[] memory accounts = handler.accounts();
        uint256 owed = handler.unsettledFees();
        for (uint256 i; i < accounts.length; ++i) owed += disputes.balanceOf(accounts[i]);
        require(handler.CRP().balanceOf(address(disputes)) == owed, "disputes: held != balances + unsettled fees");

        uint256 recorded;
        uint256 count = disputes.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 last = disputes.getDispute(id).round;
            for (uint256 round; round <= last; ++round) {
                ICorpusDisputes.RoundView memory r = disputes.getRound(id, round);
                if (!r.settled) recorded += r.fee;
            }
        }
        require(recorded == handler.unsettledFees(), "disputes: recorded unsettled fees != fees paid");
    }

    /// @notice (2) No validator's lock exceeds its stake, and staking holds exactly Σ (staked + thawing).
    function invariant_locksWithinStake() public view {
        CorpusStaking staking = handler.STAKING();
        address[16] memory vs = handler.validators();
        uint256 total;
        for (uint256 i; i < vs.length; ++i) {
            (uint256 staked, uint256 locked, uint256 thawing, , ) = staking.stakeOf(vs[i]);
            require(locked <= staked, "locked > staked");
            total += staked + thawing;
        }
        require(handler.CRP().balanceOf(address(staking)) == total, "staking: held != staked + thawing");
    }

    /// @notice (3) No ruling is delivered twice and an executed dispute never executes again: each dispute
    /// was delivered at most once; a dispute is Executed exactly when it was delivered; the arbitrable
    /// contracts recorded exactly the deliveries the handler saw them record (not a return-data bomb's),
    /// each at most once, and only the dispute's own arbitrable received its final ruling.
    function invariant_rulingsDeliveredOnce() public view {
        _noViolation(handler.deliveryViolation());
        _noViolation(handler.ruleViolation());
        CorpusDisputes disputes = handler.DISPUTES();
        HostileArbitrable a0 = handler.ARBITRABLE_0();
        HostileArbitrable a1 = handler.ARBITRABLE_1();
        require(a0.calls() + a1.calls() == handler.totalRecorded(), "arbitrables recorded other deliveries");
        uint256 count = disputes.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 delivered = handler.deliveries(id);
            uint256 recorded = handler.recordedOf(id);
            require(delivered <= 1, "a ruling was delivered twice");
            require(recorded <= delivered, "a ruling was recorded without a delivery");
            ICorpusDisputes.DisputeView memory d = disputes.getDispute(id);
            require(
                (d.phase == ICorpusDisputes.Phase.Executed) == (delivered == 1),
                "Executed disagrees with the deliveries"
            );
            HostileArbitrable own = address(d.arbitrable) == address(a0) ? a0 : a1;
            HostileArbitrable other = own == a0 ? a1 : a0;
            require(other.received(id) == 0, "another arbitrable received a ruling");
            if (recorded == 1) {
                require(own.received(id) == handler.finalRulingPlusOne(id), "the delivered ruling is not final");
            } else {
                require(own.received(id) == 0, "a ruling arrived without a delivery");
            }
        }
    }

    /// @notice (4) A settled round never settles again and releases its jurors' locks: every validator's
    /// lock is exactly the juror lock times the drawn rounds not settled it sits on (so the total is Σ lock ×
    /// jurors of those rounds), and the contract's settled flags are the ghost's.
    function invariant_settledRoundsReleaseLocks() public view {
        _noViolation(handler.settleViolation());
        CorpusDisputes disputes = handler.DISPUTES();
        CorpusStaking staking = handler.STAKING();
        address[16] memory vs = handler.validators();
        uint256[16] memory expected;
        uint256 expectedTotal;
        uint256 count = disputes.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 last = disputes.getDispute(id).round;
            for (uint256 round; round <= last; ++round) {
                ICorpusDisputes.RoundView memory r = disputes.getRound(id, round);
                require(r.settled == handler.settled(handler.roundKey(id, round)), "settled flag != ghost");
                if (!r.drawn || r.settled) continue;
                require(r.jurors.length == r.jurySize, "a drawn jury is not full");
                expectedTotal += r.jurorLock * r.jurors.length;
                for (uint256 j; j < r.jurors.length; ++j) expected[_indexOf(vs, r.jurors[j])] += r.jurorLock;
            }
        }
        uint256 lockedTotal;
        for (uint256 i; i < vs.length; ++i) {
            (, uint256 locked, , , ) = staking.stakeOf(vs[i]);
            require(locked == expected[i], "a validator's lock != its unsettled jury seats");
            lockedTotal += locked;
        }
        require(lockedTotal == expectedTotal, "staking: locked != sum of lock * jurors of unsettled drawn rounds");
    }

    /// @notice (5) Sortition stays consistent: the tree's total is the sum of the validators' weights, and
    /// each weight is the whole-CRP stake exactly when the stake meets the minimum.
    function invariant_sortitionConsistent() public view {
        CorpusStaking staking = handler.STAKING();
        address[16] memory vs = handler.validators();
        uint256 total;
        for (uint256 i; i < vs.length; ++i) {
            (uint256 staked, , , , bool active) = staking.stakeOf(vs[i]);
            uint256 weight = staking.selectionWeight(vs[i]);
            require(active == (staked >= handler.MINIMUM_STAKE()), "activity disagrees with the minimum stake");
            require(weight == (active ? staked / 1e18 : 0), "a weight is not the whole-CRP active stake");
            total += weight;
        }
        require(staking.totalSelectionWeight() == total, "the tree's total is not the sum of its weights");
    }

    /// @notice (6) Everything can end: once time has made every ruling final, every round settles, every
    /// ruling is delivered (retried with the arbitrables recording again), every account withdraws, and then
    /// dispute resolution holds only the fees of rounds not settled (none), and no stake is locked. Forge
    /// discards the state an invariant call leaves, so the run goes on from before the drain.
    function invariant_drainLeavesOnlyUnsettledFees() public {
        require(!handler.drained(), "the drain's state leaked into the run");
        handler.drain();
        require(handler.drainFailures() == 0, "drain: a round, an execution or a withdrawal failed");
        _noViolation(handler.moneyViolation());
        _noViolation(handler.settleViolation());
        _noViolation(handler.deliveryViolation());
        require(handler.unsettledFees() == 0, "drain: a round was left unsettled");
        require(
            handler.CRP().balanceOf(address(handler.DISPUTES())) == handler.unsettledFees(),
            "drain: disputes holds more than the unsettled fees"
        );
        CorpusStaking staking = handler.STAKING();
        address[16] memory vs = handler.validators();
        for (uint256 i; i < vs.length; ++i) {
            (, uint256 locked, , , ) = staking.stakeOf(vs[i]);
            require(locked == 0, "drain: stake still locked");
        }
    }

    /// @notice Logs the ghost counters of the run (`-vv` shows them): attempts and successes per action.
    function invariant_callSummary() public view {
        string[19] memory names = [
            "open",
            "drawJury",
            "commit",
            "reveal",
            "appeal",
            "executeRuling",
            "  (delivered)",
            "  (callback failed: to retry)",
            "  (delivered on a retry)",
            "settleRound",
            "  (refunded to payer)",
            "  (paid coherent jurors)",
            "  (jurors slashed: no reveal)",
            "  (jurors slashed: incoherent)",
            "withdraw",
            "staking.thaw",
            "staking.withdraw",
            "setMode",
            "warp"
        ];
        Log.log("handler calls", handler.calls());
        Log.log("disputes opened", handler.DISPUTES().disputeCount());
        for (uint256 i; i < names.length; ++i) {
            Log.log("%s: %d succeeded / %d attempted", names[i], handler.succeeded(i), handler.tried(i));
        }
    }

    function _noViolation(string memory violation) private pure {
        if (bytes(violation).length != 0) revert(violation);
    }

    function _indexOf(address[16] memory vs, address v) private pure returns (uint256) {
        for (uint256 i; i < vs.length; ++i) {
            if (vs[i] == v) return i;
        }
        revert("a juror is not a validator");
    }
}
