// SPDX-License-Identifier: MIT
// Test code: the deployment helper and the handler belong together.
// solhint-disable one-contract-per-file
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CorpusData} from "../../contracts/data/CorpusData.sol";
import {CorpusDisputes} from "../../contracts/disputes/CorpusDisputes.sol";
import {CorpusStaking} from "../../contracts/staking/CorpusStaking.sol";
import {CorpusTasks} from "../../contracts/tasks/CorpusTasks.sol";
import {CorpusToken} from "../../contracts/token/CorpusToken.sol";
import {BlockingToken} from "../../contracts/test/BlockingToken.sol";
import {FixedRandomness} from "../../contracts/test/FixedRandomness.sol";
import {IArbitrable} from "../../contracts/interfaces/IArbitrable.sol";
import {IArbitrator} from "../../contracts/interfaces/IArbitrator.sol";
import {ICorpusData} from "../../contracts/interfaces/ICorpusData.sol";
import {ICorpusDisputes} from "../../contracts/interfaces/ICorpusDisputes.sol";
import {ICorpusStaking} from "../../contracts/interfaces/ICorpusStaking.sol";
import {ICorpusTasks} from "../../contracts/interfaces/ICorpusTasks.sol";
import {ICorpusToken} from "../../contracts/interfaces/ICorpusToken.sol";
import {IRandomnessSource} from "../../contracts/interfaces/IRandomnessSource.sol";
import {GuardedPausable} from "../../contracts/governance/GuardedPausable.sol";
import {Log} from "./Log.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";

// The reverts the fuzzer provokes are caught and ignored on purpose; violations are recorded as strings that
// the invariants revert with.
/* solhint-disable max-states-count, no-empty-blocks, const-name-snakecase, func-name-mixedcase */
/* solhint-disable gas-custom-errors, reason-string, gas-small-strings, avoid-low-level-calls */

/// @title CorpusDeployment
/// @notice Deploys the whole protocol wired as `deploy/modules/Corpus.ts` wires it, with the deploying contract
/// as governance (the timelock's part: every admin role, CRP's minter and treasury allocation, both treasuries)
/// and a separate guardian (the pause): CRP, staking with a {FixedRandomness} source (seeds are ready in the
/// block they are requested in), dispute resolution as the registry's arbitrator (LOCKER_ROLE and SLASHER_ROLE
/// on staking, the registry allowed to open unfunded disputes), the task registry (LOCKER_ROLE and
/// SLASHER_ROLE on staking) and the Data NFT over the registry. A second payment token ({BlockingToken} with
/// nobody blocked: a plain ERC-20) is on both allowlists. Parameters are those of `deploy/parameters/31337.json`
/// except the time spans, which are the shortest the contracts allow (so that a run of 100 calls sees whole
/// lifecycles), the first jury (3, the smallest) and the registry's panel rounds (2, so that no-agreement is
/// reached within a run).
abstract contract CorpusDeployment {
    /// @notice Staking's minimum stake.
    uint256 public constant MINIMUM_STAKE = 10_000e18;
    /// @notice Staking's unbonding period (the shortest allowed).
    uint256 public constant UNBONDING_PERIOD = 1 days;
    /// @notice Share of a slash paid to its beneficiary, in basis points.
    uint256 public constant SLASH_REWARD_BPS = 2_500;
    /// @notice The registry's protocol fee, in basis points of the reward.
    uint256 public constant TASK_PROTOCOL_FEE_BPS = 250;
    /// @notice The registry's validator fee, in basis points of the reward.
    uint256 public constant VALIDATOR_FEE_BPS = 500;
    /// @notice CRP locked per panel member.
    uint256 public constant REVIEW_STAKE = 1_000e18;
    /// @notice CRP slashed from a panel member that never attested.
    uint256 public constant LIVENESS_PENALTY = 100e18;
    /// @notice Seconds to dispute a verdict or escalate a no-agreement.
    uint256 public constant DISPUTE_WINDOW = 1 days;
    /// @notice Panel rounds before a submission can only be escalated.
    uint256 public constant MAX_PANEL_ROUNDS = 2;
    /// @notice Dispute resolution's fee per juror.
    uint256 public constant FEE_PER_JUROR = 20e18;
    /// @notice The first round's jury.
    uint256 public constant JURY_SIZE = 3;
    /// @notice CRP locked per juror.
    uint256 public constant JUROR_LOCK = 500e18;
    /// @notice Every dispute period (evidence, commit, reveal, appeal): the shortest allowed.
    uint256 public constant PERIOD = 1 hours;
    /// @notice Appeals a dispute may have (dispute resolution's constant).
    uint256 public constant MAX_APPEALS = 3;
    /// @notice Share of the lock a juror who does not reveal loses.
    uint256 public constant NON_REVEAL_SLASH_BPS = 2_000;
    /// @notice Share of the lock a juror who reveals another ruling than the final one loses.
    uint256 public constant INCOHERENT_SLASH_BPS = 1_000;
    /// @notice The Data NFT's protocol fee, in basis points of a sale.
    uint256 public constant DATA_PROTOCOL_FEE_BPS = 250;
    /// @notice The lowest contributor share a mint may set.
    uint256 public constant CONTRIBUTOR_FLOOR_BPS = 2_000;
    /// @notice The highest ERC-2981 royalty.
    uint256 public constant ROYALTY_CAP_BPS = 500;
    /// @notice CRP and BLK minted to governance.
    uint256 public constant TREASURY_ALLOCATION = 500_000_000e18;

    /// @dev The deployed contracts.
    struct Protocol {
        CorpusToken crp;
        BlockingToken blk;
        FixedRandomness randomness;
        CorpusStaking staking;
        CorpusDisputes disputes;
        CorpusTasks registry;
        CorpusData data;
    }

    /// @dev Deploys and wires the protocol; `address(this)` is governance, `guardian` may pause.
    function _deployProtocol(address guardian, bytes32 seed) internal returns (Protocol memory p) {
        address[] memory none = new address[](0);
        p.crp = new CorpusToken(address(this), TREASURY_ALLOCATION, none, new uint256[](0));
        p.blk = new BlockingToken(TREASURY_ALLOCATION);
        p.randomness = new FixedRandomness();
        p.randomness.setSeed(seed);
        p.staking = new CorpusStaking(
            ICorpusToken(address(p.crp)),
            address(this),
            guardian,
            IRandomnessSource(address(p.randomness)),
            MINIMUM_STAKE,
            UNBONDING_PERIOD,
            SLASH_REWARD_BPS,
            address(0)
        );
        p.disputes = new CorpusDisputes(
            ICorpusStaking(address(p.staking)),
            address(this),
            guardian,
            [
                FEE_PER_JUROR,
                JURY_SIZE,
                JUROR_LOCK,
                PERIOD,
                PERIOD,
                PERIOD,
                PERIOD,
                NON_REVEAL_SLASH_BPS,
                INCOHERENT_SLASH_BPS
            ],
            address(0)
        );
        IERC20[] memory allowed = new IERC20[](1);
        allowed[0] = IERC20(address(p.blk));
        p.registry = new CorpusTasks(
            ICorpusStaking(address(p.staking)),
            address(this),
            guardian,
            IArbitrator(address(p.disputes)),
            [
                TASK_PROTOCOL_FEE_BPS,
                VALIDATOR_FEE_BPS,
                REVIEW_STAKE,
                LIVENESS_PENALTY,
                DISPUTE_WINDOW,
                MAX_PANEL_ROUNDS
            ],
            allowed
        );
        p.data = new CorpusData(
            ICorpusTasks(address(p.registry)),
            address(this),
            guardian,
            [DATA_PROTOCOL_FEE_BPS, CONTRIBUTOR_FLOOR_BPS, ROYALTY_CAP_BPS],
            allowed
        );
        // The grants of deploy/modules/Corpus.ts (governance is the bootstrap admin here: nothing to renounce).
        p.staking.grantRole(p.staking.LOCKER_ROLE(), address(p.registry));
        p.staking.grantRole(p.staking.SLASHER_ROLE(), address(p.registry));
        p.staking.grantRole(p.staking.LOCKER_ROLE(), address(p.disputes));
        p.staking.grantRole(p.staking.SLASHER_ROLE(), address(p.disputes));
        p.disputes.setUnfundedAllowed(IArbitrable(address(p.registry)), true);
    }
}

/// @title ProtocolHandler
/// @notice The only fuzz target of {ProtocolInvariants}. Its constructor deploys the whole protocol
/// ({CorpusDeployment}) acting as governance and treasury, stakes twelve validators (who also sit on juries),
/// funds two requesters, three workers (the third is also the second requester) and two licensees with both
/// tokens, and exposes one function per protocol action plus three lifecycle drivers ({advanceTask},
/// {advanceDispute}, {advanceData}). Every fuzzed input is bounded by modulo, every target (task, submission,
/// dispute, round, juror, data token, account) is picked among those the action applies to, and every call
/// into the protocol is wrapped in try/catch so that expected reverts never end a run.
///
/// Ghost state: per-action attempt and success counters (summed over the runs of a campaign, see {summary});
/// the submissions and disputes still live; each dispute's submission and exclusion list; each juror's vote
/// and salt; how many times each submission was finalized, each ruling delivered and each round settled;
/// per data token and payment token what entered its contributor pool (from a reference split of every
/// sale), what its contributors claimed and what carry was swept; and the first broken promise seen
/// ({violation}).
contract ProtocolHandler is CorpusDeployment {
    Vm private constant vm = Vm(VM_ADDRESS);

    // ─── Protocol ───────────────────────────────────────────────────────────

    /// @notice CRP.
    CorpusToken public immutable CRP;
    /// @notice The second payment token (a plain ERC-20: nobody is ever blocked).
    BlockingToken public immutable BLK;
    /// @notice Staking.
    CorpusStaking public immutable STAKING;
    /// @notice Dispute resolution: the registry's arbitrator.
    CorpusDisputes public immutable DISPUTES;
    /// @notice The task registry.
    CorpusTasks public immutable REGISTRY;
    /// @notice The Data NFT.
    CorpusData public immutable DATA;

    /// @notice Validators staked (also the jurors).
    uint256 public constant VALIDATOR_COUNT = 12;
    /// @notice Each validator's initial stake (twice the minimum).
    uint256 public constant VALIDATOR_STAKE = 20_000e18;
    /// @notice CRP each validator keeps liquid, to stake more.
    uint256 public constant VALIDATOR_SPARE = 20_000e18;
    /// @notice What each requester, worker and licensee starts with, of each token.
    uint256 public constant ACTOR_FUNDS = 1_000_000e18;
    /// @notice May pause; only governance (this handler) unpauses.
    address public constant GUARDIAN = address(0x9001);

    // ─── Actors ─────────────────────────────────────────────────────────────

    address[VALIDATOR_COUNT] internal _validators;
    address[2] internal _requesters;
    address[3] internal _workers;
    address[2] internal _licensees;
    /// @dev Everyone who can hold a balance anywhere: validators, requesters, workers, licensees, the treasury.
    address[] internal _accounts;

    // ─── Ghost state ────────────────────────────────────────────────────────

    enum Op {
        CreateTaskCrp,
        CreateTaskBlk,
        FundTask,
        CancelTask,
        Refund,
        SweepTaskFees,
        Submit,
        DrawPanel,
        Attest,
        Verdict,
        CloseRound,
        Dispute,
        Escalate,
        Finalize,
        Accepted,
        Rejected,
        Voided,
        DrawJury,
        Commit,
        Reveal,
        Appeal,
        ExecuteRuling,
        SettleRound,
        SettleUndrawn,
        Mint,
        MintWithParents,
        SetLicense,
        BuyLicense,
        Claim,
        ClaimMany,
        WithdrawRegistry,
        WithdrawDisputes,
        WithdrawData,
        SweepDataFees,
        SweepCarry,
        Stake,
        Thaw,
        WithdrawStake,
        Warp,
        Pause,
        Unpause,
        RefusedTwice
    }

    /// @notice How many {Op}s there are.
    uint256 public constant OP_COUNT = 42;

    /// @notice Per {Op}: attempts in this run (a target existed).
    uint256[OP_COUNT] public tried;
    /// @notice Per {Op}: successes in this run. Derived ones: Verdict (an attestation reached a verdict),
    /// Accepted / Rejected / Voided (how finalizations ended), SettleUndrawn (a round without jury refunded),
    /// MintWithParents, RefusedTwice (a second finalize / settle / execute / claim refused, as it must).
    uint256[OP_COUNT] public succeeded;
    /// @notice Per {Op}: successes of the drain ({drain}) of this run.
    uint256[OP_COUNT] public drainSucceeded;

    /// @dev Submissions not final yet.
    uint256[] internal _live;
    /// @dev Tasks that may still hold money: open, or with funds, unswept fees or pending submissions (a closed
    /// task with none of them can never hold money again). Pruned by {_prune}.
    uint256[] internal _activeTasks;
    /// @dev Tasks that may still take submissions (not cancelled, not past the deadline). Pruned by {_prune}.
    uint256[] internal _openTasks;
    /// @dev Tasks that back no data token and may still back one with contributors. Pruned by {_prune}.
    uint256[] internal _unmintedTasks;
    /// @dev Disputes not executed, or with a round not settled.
    uint256[] internal _liveDisputes;
    /// @dev Whether a worker has a live submission on a task (the registry allows one).
    mapping(uint256 taskId => mapping(address worker => bool)) internal _liveOn;

    /// @notice The submission each dispute is about.
    mapping(uint256 disputeId => uint256 submissionId) public submissionOf;
    /// @notice The dispute each disputed or escalated submission went to.
    mapping(uint256 submissionId => uint256 disputeId) public disputeOfSubmission;
    /// @dev The exclusion list each dispute was opened with: worker, requester, then the panel.
    mapping(uint256 disputeId => address[]) internal _excludedOf;
    /// @notice The vote each juror committed (by round key).
    mapping(uint256 roundKey => mapping(address juror => uint256)) public voteOf;
    /// @notice The salt each juror committed with (by round key).
    mapping(uint256 roundKey => mapping(address juror => bytes32)) public saltOf;

    /// @notice Successful finalizations of each submission (at most one).
    mapping(uint256 submissionId => uint256) public finalizations;
    /// @notice Deliveries of each dispute's ruling (at most one).
    mapping(uint256 disputeId => uint256) public deliveries;
    /// @notice Settlements of each round, by round key (at most one).
    mapping(uint256 roundKey => uint256) public settlements;

    /// @notice Contributor units of each data token, as counted at mint from the registry.
    mapping(uint256 dataToken => uint256) public unitsOfToken;
    /// @notice Who minted (and so owns) each data token.
    mapping(uint256 dataToken => address) public ownerOfToken;
    /// @notice What entered each pool, per payment token (0 CRP, 1 BLK), from the reference split.
    mapping(uint256 dataToken => mapping(uint256 k => uint256)) public poolIn;
    /// @notice What each pool's contributors claimed, per payment token.
    mapping(uint256 dataToken => mapping(uint256 k => uint256)) public claimed;
    /// @notice What carry was swept from each pool to the treasury, per payment token.
    mapping(uint256 dataToken => mapping(uint256 k => uint256)) public carrySwept;

    /// @notice The first broken promise seen by an action; empty if none.
    string public violation;
    /// @notice Set by {drain}.
    bool public drained;
    /// @notice The first thing {drain} could not settle, deliver, finalize or withdraw; empty if none.
    string public drainFailure;
    /// @notice What the Data NFT held of each payment token once every claim, owner withdrawal and fee sweep
    /// was done but before its pool carries were swept: exactly the carries.
    uint256[2] public dataCarryDust;

    uint256 internal constant _FINAL = (1 << 7) | (1 << 8) | (1 << 9);

    // ─── Setup ──────────────────────────────────────────────────────────────

    constructor() {
        Protocol memory p = _deployProtocol(GUARDIAN, keccak256("protocol invariants"));
        CRP = p.crp;
        BLK = p.blk;
        STAKING = p.staking;
        DISPUTES = p.disputes;
        REGISTRY = p.registry;
        DATA = p.data;

        vm.label(address(CRP), "CRP");
        vm.label(address(BLK), "BLK");
        vm.label(address(STAKING), "staking");
        vm.label(address(DISPUTES), "disputes");
        vm.label(address(REGISTRY), "registry");
        vm.label(address(DATA), "data");
        vm.label(address(this), "governance");
        vm.label(GUARDIAN, "guardian");

        // Storage first (actors and where balances can be), then the transfers.
        _requesters = [address(0x2001), address(0x2002)];
        // The third worker is the second requester: it works on the first requester's tasks only.
        _workers = [address(0x3001), address(0x3002), address(0x2002)];
        _licensees = [address(0x4001), address(0x4002)];
        address[6] memory users = [
            address(0x2001),
            address(0x2002),
            address(0x3001),
            address(0x3002),
            address(0x4001),
            address(0x4002)
        ];
        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            _validators[i] = address(uint160(0x1001 + i));
            _accounts.push(_validators[i]);
        }
        for (uint256 i; i < users.length; ++i) _accounts.push(users[i]);
        _accounts.push(address(this));

        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = _validators[i];
            vm.label(v, string.concat("validator", vm.toString(i)));
            CRP.transfer(v, VALIDATOR_STAKE + VALIDATOR_SPARE);
            vm.startPrank(v);
            CRP.approve(address(STAKING), type(uint256).max);
            STAKING.stake(VALIDATOR_STAKE);
            vm.stopPrank();
        }
        string[6] memory names = ["requester0", "requester1", "worker0", "worker1", "licensee0", "licensee1"];
        for (uint256 i; i < users.length; ++i) {
            address u = users[i];
            vm.label(u, names[i]);
            CRP.transfer(u, ACTOR_FUNDS);
            BLK.transfer(u, ACTOR_FUNDS);
            vm.startPrank(u);
            CRP.approve(address(REGISTRY), type(uint256).max);
            BLK.approve(address(REGISTRY), type(uint256).max);
            CRP.approve(address(DISPUTES), type(uint256).max);
            CRP.approve(address(DATA), type(uint256).max);
            BLK.approve(address(DATA), type(uint256).max);
            vm.stopPrank();
        }
    }

    // ─── Views for the invariants ───────────────────────────────────────────

    /// @notice The validators.
    /// @return The validators.
    function validators() external view returns (address[VALIDATOR_COUNT] memory) {
        return _validators;
    }

    /// @notice The workers (the contributors of every data token).
    /// @return The workers.
    function workers() external view returns (address[3] memory) {
        return _workers;
    }

    /// @notice The requesters (the owners of every data token).
    /// @return The requesters.
    function requesters() external view returns (address[2] memory) {
        return _requesters;
    }

    /// @notice Everyone who can hold a balance anywhere, the treasury last.
    /// @return The accounts.
    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    /// @notice The submissions not final yet.
    /// @return The ids.
    function liveSubmissions() external view returns (uint256[] memory) {
        return _live;
    }

    /// @notice The tasks that may still hold money (every other task is closed with no funds, no unswept fees
    /// and nothing pending, and can never hold money again).
    /// @return The ids.
    function activeTasks() external view returns (uint256[] memory) {
        return _activeTasks;
    }

    /// @notice The disputes not executed or with a round not settled, with their deliveries and, per round
    /// (bit r), whether it was settled; with `all`, every dispute.
    /// @param all Every dispute, not only the live ones.
    /// @return ids The disputes.
    /// @return delivered How many times each one's ruling was delivered.
    /// @return settledRounds Bit r: round r was settled (the handler saw its settlement).
    /// @return settledTwice Whether any round was settled more than once.
    function disputeLedger(
        bool all
    )
        external
        view
        returns (uint256[] memory ids, uint256[] memory delivered, uint256[] memory settledRounds, bool settledTwice)
    {
        if (all) {
            ids = new uint256[](DISPUTES.disputeCount());
            for (uint256 i; i < ids.length; ++i) ids[i] = i + 1;
        } else {
            ids = _liveDisputes;
        }
        delivered = new uint256[](ids.length);
        settledRounds = new uint256[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            delivered[i] = deliveries[ids[i]];
            for (uint256 round; round <= MAX_APPEALS; ++round) {
                uint256 times = settlements[roundKey(ids[i], round)];
                if (times != 0) settledRounds[i] |= 1 << round;
                if (times > 1) settledTwice = true;
            }
        }
    }

    /// @notice Per data token (index `tokenId - 1`), for payment token `k`: its contributor units, what entered
    /// its pool, what its contributors claimed and what carry was swept from it.
    /// @param k The payment token (0 CRP, 1 BLK).
    /// @return units Contributor units.
    /// @return inflow What entered the pool (reference split of every sale).
    /// @return paid What its contributors claimed.
    /// @return swept What carry was swept to the treasury.
    function dataLedger(
        uint256 k
    )
        external
        view
        returns (uint256[] memory units, uint256[] memory inflow, uint256[] memory paid, uint256[] memory swept)
    {
        uint256 count = DATA.tokenCount();
        units = new uint256[](count);
        inflow = new uint256[](count);
        paid = new uint256[](count);
        swept = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            units[i] = unitsOfToken[i + 1];
            inflow[i] = poolIn[i + 1][k];
            paid[i] = claimed[i + 1][k];
            swept[i] = carrySwept[i + 1][k];
        }
    }

    /// @notice Payment token `k` (0 CRP, 1 BLK).
    /// @param k The index.
    /// @return The token.
    function token(uint256 k) public view returns (IERC20) {
        return k % 2 == 0 ? IERC20(address(CRP)) : IERC20(address(BLK));
    }

    /// @notice A round's key, as dispute resolution computes it.
    /// @param disputeId The dispute.
    /// @param round The round.
    /// @return The key.
    function roundKey(uint256 disputeId, uint256 round) public pure returns (uint256) {
        return (disputeId << 8) | round;
    }

    // ─── Requesters ─────────────────────────────────────────────────────────

    /// @notice A requester posts a task (CRP or BLK; see {_createTask} for the shapes).
    /// @param actorSeed Picks the requester.
    /// @param tokenSeed Picks the token.
    /// @param reward Bounded to the reward.
    /// @param shape Picks slots, panel, bond, window and kind.
    /// @param duration Bounded to the time until the deadline.
    function createTask(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 reward,
        uint256 shape,
        uint256 duration
    ) external {
        _createTask(actorSeed, tokenSeed, reward, shape, duration);
    }

    /// @notice A requester or worker adds 1 wei..100 tokens to a task's unreserved escrow (mostly a task that
    /// may still be open).
    /// @param taskSeed Picks the task.
    /// @param funderSeed Picks the funder.
    /// @param amount Bounded to the amount.
    function fundTask(uint256 taskSeed, uint256 funderSeed, uint256 amount) external {
        uint256 open = _openTasks.length;
        uint256 count = REGISTRY.taskCount();
        if (count == 0) return;
        // Mostly a task that may still be open; one time in eight any task (closed ones refuse).
        uint256 taskId = open != 0 && (amount >> 128) % 8 != 0 ? _openTasks[taskSeed % open] : 1 + (taskSeed % count);
        address funder = _accounts[VALIDATOR_COUNT + (funderSeed % 4)];
        _tried(Op.FundTask);
        vm.prank(funder);
        try REGISTRY.fundTask(taskId, 1 + (amount % 100e18)) {
            _ok(Op.FundTask);
        } catch {}
    }

    /// @notice A task's requester cancels it (preferably a task still open).
    /// @param taskSeed Picks the task.
    function cancelTask(uint256 taskSeed) external {
        (bool found, uint256 taskId, ICorpusTasks.TaskView memory task) = _pickTask(taskSeed, _OPEN_TASK);
        if (!found) return;
        _tried(Op.CancelTask);
        vm.prank(task.requester);
        try REGISTRY.cancelTask(taskId) {
            _ok(Op.CancelTask);
        } catch {}
    }

    /// @notice Anyone refunds a closed task's unreserved escrow (preferably a task with some).
    /// @param taskSeed Picks the task.
    function refund(uint256 taskSeed) external {
        (bool found, uint256 taskId, ) = _pickTask(taskSeed, _REFUNDABLE_TASK);
        if (!found) return;
        _tried(Op.Refund);
        try REGISTRY.refund(taskId) {
            _ok(Op.Refund);
        } catch {}
    }

    /// @notice Anyone sweeps a task's protocol fees to the treasury (preferably a task with some).
    /// @param taskSeed Picks the task.
    function sweepTaskFees(uint256 taskSeed) external {
        (bool found, uint256 taskId, ) = _pickTask(taskSeed, _SWEEPABLE_TASK);
        if (!found) return;
        _tried(Op.SweepTaskFees);
        try REGISTRY.sweepProtocolFees(taskId) {
            _ok(Op.SweepTaskFees);
        } catch {}
    }

    // ─── Workers and review ─────────────────────────────────────────────────

    /// @notice A worker submits to a task (preferably one that takes it).
    /// @param taskSeed Picks the task.
    /// @param workerSeed Picks the worker.
    function submit(uint256 taskSeed, uint256 workerSeed) external {
        _submitSomewhere(taskSeed, workerSeed);
    }

    /// @notice Draws the panel of a submission waiting for one.
    /// @param subSeed Picks the submission.
    function drawPanel(uint256 subSeed) external {
        (bool found, uint256 id, ) = _pickLive(subSeed, _mask(ICorpusTasks.Status.Drawing));
        if (found) _drawPanel(id);
    }

    /// @notice A panel member of a submission under review (or with a provisional verdict) attests.
    /// @param subSeed Picks the submission.
    /// @param seatSeed Picks the seat (the first from it on that has not attested).
    /// @param accept The vote.
    function attest(uint256 subSeed, uint256 seatSeed, bool accept) external {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickLive(
            subSeed,
            _mask(ICorpusTasks.Status.Reviewing) | _mask(ICorpusTasks.Status.Provisional)
        );
        if (found) _attest(id, sub, seatSeed, accept);
    }

    /// @notice Closes the round of a submission under review (reverts until its review deadline passed).
    /// @param subSeed Picks the submission.
    function closeRound(uint256 subSeed) external {
        (bool found, uint256 id, ) = _pickLive(subSeed, _mask(ICorpusTasks.Status.Reviewing));
        if (found) _closeRound(id);
    }

    /// @notice The losing party disputes a provisional verdict, paying the jury fee.
    /// @param subSeed Picks the submission.
    function disputeVerdict(uint256 subSeed) external {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickLive(
            subSeed,
            _mask(ICorpusTasks.Status.Provisional)
        );
        if (found) _dispute(id, sub);
    }

    /// @notice The worker escalates a submission no panel agreed on (an unfunded dispute).
    /// @param subSeed Picks the submission.
    function escalate(uint256 subSeed) external {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickLive(
            subSeed,
            _mask(ICorpusTasks.Status.NoAgreement)
        );
        if (found) _escalate(id, sub);
    }

    /// @notice Anyone finalizes a live submission; one time in eight any submission, which must refuse if it
    /// is final already.
    /// @param subSeed Picks the submission.
    function finalize(uint256 subSeed) external {
        uint256 count = REGISTRY.submissionCount();
        if ((subSeed >> 128) % 8 == 0 && count != 0) {
            _finalize(1 + (subSeed % count));
            return;
        }
        (bool found, uint256 id, ) = _pickLive(subSeed, ~_FINAL);
        if (found) _finalize(id);
    }

    // ─── Disputes ───────────────────────────────────────────────────────────

    /// @notice Draws the jury of a dispute waiting for one, with its exclusion list.
    /// @param disputeSeed Picks the dispute.
    function drawJury(uint256 disputeSeed) external {
        (bool found, uint256 id, ) = _pickDispute(disputeSeed, _phase(ICorpusDisputes.Phase.Drawing));
        if (found) _drawJury(id);
    }

    /// @notice A juror of a dispute in its commit period commits vote 1 or 2 with a remembered salt.
    /// @param disputeSeed Picks the dispute.
    /// @param jurorSeed Picks the juror (the first from it on that has not committed).
    /// @param voteSeed Picks the vote.
    function commit(uint256 disputeSeed, uint256 jurorSeed, uint256 voteSeed) external {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _phase(ICorpusDisputes.Phase.Commit)
        );
        if (found) _commit(id, d.round, jurorSeed, 1 + (voteSeed % 2));
    }

    /// @notice A juror that committed reveals its remembered vote and salt.
    /// @param disputeSeed Picks the dispute.
    /// @param jurorSeed Picks the juror (the first from it on that committed and has not revealed).
    function reveal(uint256 disputeSeed, uint256 jurorSeed) external {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _phase(ICorpusDisputes.Phase.Reveal)
        );
        if (found) _reveal(id, d.round, jurorSeed);
    }

    /// @notice The losing party of a dispute in its appeal period appeals, paying the appeal's cost.
    /// @param disputeSeed Picks the dispute.
    /// @param partySeed Picks the party after a ruling of 0.
    function appeal(uint256 disputeSeed, uint256 partySeed) external {
        (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) = _pickDispute(
            disputeSeed,
            _phase(ICorpusDisputes.Phase.Appeal)
        );
        if (found) _appeal(id, d, partySeed);
    }

    /// @notice Delivers the ruling of a final dispute to the registry (one time in eight: of a dispute already
    /// executed, which must refuse).
    /// @param disputeSeed Picks the dispute.
    function executeRuling(uint256 disputeSeed) external {
        uint256 count = DISPUTES.disputeCount();
        if ((disputeSeed >> 128) % 8 == 0 && count != 0) {
            _execute(1 + (disputeSeed % count));
            return;
        }
        (bool found, uint256 id, ) = _pickDispute(disputeSeed, _phase(ICorpusDisputes.Phase.Final));
        if (found) _execute(id);
    }

    /// @notice Settles a round of a final dispute (one time in eight a random round of any dispute, which
    /// must refuse if it is not final or was settled).
    /// @param disputeSeed Picks the dispute.
    /// @param roundSeed Picks the round.
    function settleRound(uint256 disputeSeed, uint256 roundSeed) external {
        uint256 count = DISPUTES.disputeCount();
        if (count == 0) return;
        if ((roundSeed >> 128) % 8 == 0) {
            uint256 anyId = 1 + (disputeSeed % count);
            _settle(anyId, roundSeed % (DISPUTES.getDispute(anyId).round + 1));
            return;
        }
        (bool found, uint256 id, uint256 round) = _pickSettleable(disputeSeed, roundSeed);
        if (found) _settle(id, round);
    }

    // ─── Data ───────────────────────────────────────────────────────────────

    /// @notice A requester mints a data token from finished tasks of its own (1 to 3 of them), sometimes
    /// deriving from earlier tokens, with random shares and licence offer.
    /// @param actorSeed Picks the requester.
    /// @param seed Picks the tasks, parents, shares and offer.
    function mint(uint256 actorSeed, uint256 seed) external {
        _mint(actorSeed, seed);
    }

    /// @notice A data token's owner sets (or, one time in six, withdraws) its licence offer.
    /// @param tokenSeed Picks the data token.
    /// @param seed Picks the offer.
    function setLicense(uint256 tokenSeed, uint256 seed) external {
        _setLicense(tokenSeed, seed);
    }

    /// @notice A licensee or worker buys a licence at the current offer (preferably a token with one).
    /// @param tokenSeed Picks the data token.
    /// @param buyerSeed Picks the buyer and the licensee.
    function buyLicense(uint256 tokenSeed, uint256 buyerSeed) external {
        _buyLicense(tokenSeed, buyerSeed);
    }

    /// @notice A worker claims its contributor share from one token's pool (preferably one it is owed
    /// from) or, half the time, from every token's pool with claimMany.
    /// @param workerSeed Picks the worker.
    /// @param tokenSeed Picks the data token.
    /// @param kSeed Picks the payment token and claim or claimMany.
    function claim(uint256 workerSeed, uint256 tokenSeed, uint256 kSeed) external {
        _claim(workerSeed, tokenSeed, kSeed);
    }

    // ─── Withdrawals ────────────────────────────────────────────────────────

    /// @notice An account withdraws its registry balance of a token (the first from a random one on that
    /// has one).
    /// @param accountSeed Picks the account.
    /// @param kSeed Picks the token.
    function withdrawRegistry(uint256 accountSeed, uint256 kSeed) external {
        _withdrawRegistry(accountSeed, kSeed % 2);
    }

    /// @notice An account withdraws its dispute-resolution balance (the first from a random one on that has one).
    /// @param accountSeed Picks the account.
    function withdrawDisputes(uint256 accountSeed) external {
        _withdrawDisputes(accountSeed);
    }

    /// @notice A data token owner withdraws its revenue; one time in four anyone sweeps the protocol fees,
    /// one time in eight a pool's carry.
    /// @param accountSeed Picks the owner or the pool.
    /// @param kSeed Picks the token and the action.
    function withdrawData(uint256 accountSeed, uint256 kSeed) external {
        _withdrawData(accountSeed, kSeed);
    }

    // ─── Staking ────────────────────────────────────────────────────────────

    /// @notice A validator stakes 1..5,000 more CRP.
    /// @param validatorSeed Picks the validator.
    /// @param amount Bounded to the amount.
    function stake(uint256 validatorSeed, uint256 amount) external {
        address v = _validators[validatorSeed % VALIDATOR_COUNT];
        uint256 balance = CRP.balanceOf(v);
        if (balance == 0) return;
        _tried(Op.Stake);
        vm.prank(v);
        try STAKING.stake(1 + (amount % (balance < 5_000e18 ? balance : 5_000e18))) {
            _ok(Op.Stake);
        } catch {}
    }

    /// @notice A validator thaws 1..3,000 CRP of its unlocked stake (three times in four no lower than the
    /// minimum stake, so that most stay active).
    /// @param validatorSeed Picks the validator.
    /// @param amount Bounded to the amount.
    function thaw(uint256 validatorSeed, uint256 amount) external {
        address v = _validators[validatorSeed % VALIDATOR_COUNT];
        (uint256 staked, uint256 locked, , , ) = STAKING.stakeOf(v);
        uint256 free = staked - locked;
        if ((amount >> 128) % 4 != 0) {
            uint256 aboveMinimum = staked > MINIMUM_STAKE ? staked - MINIMUM_STAKE : 0;
            if (aboveMinimum < free) free = aboveMinimum;
        }
        if (free == 0) return;
        _tried(Op.Thaw);
        vm.prank(v);
        try STAKING.thaw(1 + (amount % (free < 3_000e18 ? free : 3_000e18))) {
            _ok(Op.Thaw);
        } catch {}
    }

    /// @notice A validator withdraws its thawed stake (preferably one whose thaw has matured).
    /// @param validatorSeed Picks the validator.
    function withdrawStake(uint256 validatorSeed) external {
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
        _tried(Op.WithdrawStake);
        vm.prank(validator);
        try STAKING.withdraw() {
            _ok(Op.WithdrawStake);
        } catch {}
    }

    // ─── Time and guardian ──────────────────────────────────────────────────

    /// @notice Time passes (and a block): 1 minute..6 hours, or one time in four up to 2 days.
    /// @param secs Bounded to the seconds.
    function warp(uint256 secs) external {
        _warp(1 minutes + (secs % ((secs >> 128) % 4 == 0 ? 2 days : 6 hours)));
        _prune();
    }

    /// @notice The guardian pauses staking, the registry, dispute resolution or the Data NFT.
    /// @param which Picks the contract.
    function pause(uint256 which) external {
        GuardedPausable target = _pausable(which);
        if (target.paused()) return;
        _tried(Op.Pause);
        vm.prank(GUARDIAN);
        try target.pause() {
            _ok(Op.Pause);
        } catch {}
    }

    /// @notice Governance unpauses a paused contract (the first from a random one on).
    /// @param which Picks the contract.
    function unpause(uint256 which) external {
        _unpauseOne(which);
    }

    // ─── Lifecycle drivers ──────────────────────────────────────────────────

    /// @notice Moves a live submission (half the time the oldest) one natural step on: Drawing → draw (void
    /// once the draw-by time passed); Reviewing → a seat attests, mostly the submission's leaning (the panels of
    /// one submission in six never attest, so that it runs through both rounds to NoAgreement), or time
    /// runs past the review and the round is closed; Provisional → the loser disputes (one time in three), a
    /// late seat attests, or time runs past both windows and it is finalized; NoAgreement → the worker
    /// escalates (two times in three) or it is voided after the window; Disputed → its dispute moves on
    /// ({advanceDispute}); Ruled → finalize. With no live submission, or one call in six, a worker submits
    /// to a task that takes it, or a task is created. One call in eight unpauses a paused contract.
    /// @param seed Picks the submission and every choice on the way.
    function advanceTask(uint256 seed) external {
        _advanceTask(seed);
    }

    /// @notice Moves a live dispute (half the time the oldest) one natural step on: Drawing → draw the jury
    /// (or, if it cannot be drawn, let the draw-by time pass: the round is refunded); Evidence → time runs to
    /// the commit period; Commit → a juror commits, mostly the dispute's leaning (one time in eight: time runs
    /// past it); Reveal → a juror reveals (one time in eight: time runs past it); Appeal → the loser appeals
    /// one time in three, else time runs past it; Final → the ruling is executed and the submission
    /// finalized; then each round is settled. With no live dispute, a submission moves on ({advanceTask}).
    /// @param seed Picks the dispute and every choice on the way.
    function advanceDispute(uint256 seed) external {
        _advanceDispute(seed);
    }

    /// @notice Moves the data market on: a requester with a finished task mints (or one time in six anyway
    /// if it can), an owner sets an offer, a licence is bought (three times in eight), a contributor claims,
    /// an owner withdraws or fees and carries are swept. Without a data token or a finished task, a
    /// submission moves on ({advanceTask}).
    /// @param seed Picks every choice.
    function advanceData(uint256 seed) external {
        uint256 choice = uint256(keccak256(abi.encode("data", seed)));
        if (DATA.paused()) {
            if (choice % 2 == 0) _unpause(GuardedPausable(address(DATA)));
            return;
        }
        uint256 tokens = DATA.tokenCount();
        uint256 c = choice % 8;
        if (tokens == 0 || c == 0 || c == 1) {
            if (_mint(choice >> 8, choice >> 16)) return;
            if (tokens == 0) {
                _advanceTask(seed);
                return;
            }
        }
        if (c == 2) _setLicense(choice >> 8, choice >> 16);
        else if (c == 3 || c == 4 || c == 5 || c == 0 || c == 1) _buyLicense(choice >> 8, choice >> 16);
        else if (c == 6) _claim(choice >> 8, choice >> 16, choice >> 24);
        else _withdrawData(choice >> 8, choice >> 16);
    }

    // ─── Drain (called by afterInvariant) ───────────────────────────────────

    /// @notice Runs everything to its end: unpauses, then passes of two days each until every dispute is
    /// final, executed and settled and every submission final (closing rounds, voiding what can only be
    /// voided, finalizing what was ruled); then time passes every task deadline and every task is refunded
    /// and swept; every account withdraws from the registry and dispute resolution; every contributor claims
    /// from every pool with claimMany, every owner withdraws, the protocol fees are swept (the Data NFT then
    /// holds exactly its pool carries, recorded in {dataCarryDust}), then every carry and the fees again;
    /// finally every validator thaws its whole stake and withdraws it after the unbonding period. Records
    /// the first thing it could not do in {drainFailure}.
    function drain() external {
        drained = true;
        for (uint256 i; i < 4; ++i) _unpause(_pausable(i));
        for (uint256 pass; pass < 8; ++pass) {
            _warp(2 days);
            _drainDisputes();
            _drainSubmissions();
            if (_live.length == 0 && _liveDisputes.length == 0) break;
        }
        if (_live.length != 0) _drainFail("drain: a submission stayed live");
        if (_liveDisputes.length != 0) _drainFail("drain: a dispute stayed unexecuted or unsettled");
        _drainTasks();
        for (uint256 i; i < _accounts.length; ++i) {
            for (uint256 k; k < 2; ++k) {
                if (REGISTRY.balanceOf(token(k), _accounts[i]) != 0) _withdrawRegistryOf(_accounts[i], k, true);
            }
            if (DISPUTES.balanceOf(_accounts[i]) != 0) _withdrawDisputesOf(_accounts[i], true);
        }
        _drainData();
        _drainStaking();
    }

    // ─── Summary (called by afterInvariant) ─────────────────────────────────

    /// @notice Adds this run's counters (and its drain's) to the campaign's totals (kept in environment
    /// variables, which outlive the EVM state forge resets between runs) and logs the totals so far: after the
    /// last run, `-vv` shows the whole campaign's.
    function summary() external {
        uint256 runs = vm.envOr("CORPUS_INVARIANT_RUNS", uint256(0)) + 1;
        vm.setEnv("CORPUS_INVARIANT_RUNS", vm.toString(runs));
        Log.log("afterInvariant calls so far (forge 1.7.1 makes one more than the runs)", runs);
        string[OP_COUNT] memory names = _opNames();
        for (uint256 i; i < OP_COUNT; ++i) {
            string memory key = vm.toString(i);
            uint256 ok = vm.envOr(string.concat("CORPUS_INVARIANT_OK_", key), uint256(0)) + succeeded[i];
            uint256 all = vm.envOr(string.concat("CORPUS_INVARIANT_TRIED_", key), uint256(0)) + tried[i];
            vm.setEnv(string.concat("CORPUS_INVARIANT_OK_", key), vm.toString(ok));
            vm.setEnv(string.concat("CORPUS_INVARIANT_TRIED_", key), vm.toString(all));
            Log.log("%s: %d succeeded / %d attempted", names[i], ok, all);
        }
        Log.log("drains (one after each run)", runs);
        uint256 dust = vm.envOr("CORPUS_INVARIANT_CARRY_DUST", uint256(0)) + dataCarryDust[0] + dataCarryDust[1];
        uint256 dusty = vm.envOr("CORPUS_INVARIANT_DUSTY_DRAINS", uint256(0));
        if (dataCarryDust[0] + dataCarryDust[1] != 0) ++dusty;
        vm.setEnv("CORPUS_INVARIANT_CARRY_DUST", vm.toString(dust));
        vm.setEnv("CORPUS_INVARIANT_DUSTY_DRAINS", vm.toString(dusty));
        Log.log("  drains that found pool carries (then swept them)", dusty);
        Log.log("  wei of pool carries found, in all", dust);
        for (uint256 i; i < OP_COUNT; ++i) {
            string memory key = string.concat("CORPUS_INVARIANT_DRAIN_", vm.toString(i));
            uint256 ok = vm.envOr(key, uint256(0)) + drainSucceeded[i];
            vm.setEnv(key, vm.toString(ok));
            if (ok != 0) Log.log(string.concat("  drain: ", names[i]), ok);
        }
    }

    // ─── Steps: tasks ───────────────────────────────────────────────────────

    /// @dev Reward 1..10,000 wei one time in four (fees round to nothing), else 1..1,001 tokens; 1 slot, one
    /// time in three 2; a panel of 3 (quorum 2) one time in three, else 1; bond 0 one time in four, else
    /// below 50 tokens; review window 1..13 hours; deadline 1 hour..3 days away.
    function _createTask(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 reward,
        uint256 shape,
        uint256 duration
    ) internal {
        bool wide = shape % 3 == 0;
        ICorpusTasks.TaskParams memory p = ICorpusTasks.TaskParams({
            token: token(tokenSeed),
            reward: (reward >> 128) % 4 == 0 ? 1 + (reward % 10_000) : 1e18 + (reward % 1_000e18),
            slots: (shape >> 8) % 3 == 0 ? 2 : 1,
            deadline: block.timestamp + 1 hours + (duration % 3 days),
            reviewWindow: 1 hours + ((shape >> 16) % 12 hours),
            panelSize: wide ? 3 : 1,
            quorum: wide ? 2 : 1,
            workerBond: (shape >> 32) % 4 == 0 ? 0 : (shape >> 40) % 50e18,
            kind: (shape >> 96) % 5,
            specUri: "ipfs://spec",
            specHash: keccak256(abi.encode("spec", shape, block.timestamp))
        });
        Op op = tokenSeed % 2 == 0 ? Op.CreateTaskCrp : Op.CreateTaskBlk;
        _tried(op);
        vm.prank(_requesters[actorSeed % 2]);
        try REGISTRY.createTask(p) returns (uint256 taskId) {
            _ok(op);
            _activeTasks.push(taskId);
            _openTasks.push(taskId);
            _unmintedTasks.push(taskId);
        } catch {}
    }

    /// @dev A worker (not the requester, without a live submission there) submits to the first task from a
    /// random one on that is open, has a free slot and enough funds; returns whether one was found.
    function _submitSomewhere(uint256 taskSeed, uint256 workerSeed) internal returns (bool) {
        uint256 count = _openTasks.length;
        for (uint256 i; i < count; ++i) {
            uint256 taskId = _openTasks[((taskSeed % count) + i) % count];
            ICorpusTasks.TaskView memory task = REGISTRY.getTask(taskId);
            if (
                task.cancelled ||
                block.timestamp > task.deadline ||
                task.accepted + task.pending >= task.slots ||
                task.funds < task.reward + task.validatorFee + task.protocolFee
            ) continue;
            for (uint256 j; j < 3; ++j) {
                address worker = _workers[((workerSeed % 3) + j) % 3];
                if (worker == task.requester || _liveOn[taskId][worker]) continue;
                _submit(taskId, worker);
                return true;
            }
        }
        return false;
    }

    function _submit(uint256 taskId, address worker) internal {
        _tried(Op.Submit);
        vm.prank(worker);
        try
            REGISTRY.submit(taskId, keccak256(abi.encode("work", taskId, worker, block.timestamp)), "ipfs://work")
        returns (uint256 id) {
            _ok(Op.Submit);
            _live.push(id);
            _liveOn[taskId][worker] = true;
        } catch {}
    }

    function _drawPanel(uint256 id) internal {
        _tried(Op.DrawPanel);
        try REGISTRY.drawPanel(id) {
            _ok(Op.DrawPanel);
        } catch {}
    }

    /// @dev The first seat from `seatSeed` on that has not attested attests, pranking as its owner.
    function _attest(uint256 id, ICorpusTasks.SubmissionView memory sub, uint256 seatSeed, bool accept) internal {
        uint256 size = sub.panel.length;
        for (uint256 i; i < size; ++i) {
            uint256 seat = ((seatSeed % size) + i) % size;
            if ((sub.voted >> seat) & 1 != 0) continue;
            _tried(Op.Attest);
            vm.prank(sub.panel[seat]);
            try REGISTRY.attest(id, seat, accept, keccak256(abi.encode(accept))) {
                _ok(Op.Attest);
                if (
                    sub.status == ICorpusTasks.Status.Reviewing &&
                    REGISTRY.getSubmission(id).status == ICorpusTasks.Status.Provisional
                ) _ok(Op.Verdict);
            } catch {}
            return;
        }
    }

    function _closeRound(uint256 id) internal {
        _tried(Op.CloseRound);
        try REGISTRY.closeRound(id) {
            _ok(Op.CloseRound);
        } catch {}
    }

    /// @dev The party that lost the provisional verdict disputes it; the exclusion list is recorded first.
    function _dispute(uint256 id, ICorpusTasks.SubmissionView memory sub) internal {
        address requester = REGISTRY.getTask(sub.taskId).requester;
        address loser = sub.verdict == 1 ? requester : sub.worker;
        address[] memory excluded = _exclusions(sub, requester);
        _tried(Op.Dispute);
        vm.prank(loser);
        try REGISTRY.dispute(id) {
            _ok(Op.Dispute);
            _opened(id, excluded);
        } catch {}
    }

    function _escalate(uint256 id, ICorpusTasks.SubmissionView memory sub) internal {
        address[] memory excluded = _exclusions(sub, REGISTRY.getTask(sub.taskId).requester);
        _tried(Op.Escalate);
        vm.prank(sub.worker);
        try REGISTRY.escalate(id) {
            _ok(Op.Escalate);
            _opened(id, excluded);
        } catch {}
    }

    /// @dev What the registry sends as the dispute's exclusion list: the parties in ruling order (1 accept
    /// favours the worker, 2 reject the requester), then the panel.
    function _exclusions(
        ICorpusTasks.SubmissionView memory sub,
        address requester
    ) internal pure returns (address[] memory excluded) {
        excluded = new address[](2 + sub.panel.length);
        excluded[0] = sub.worker;
        excluded[1] = requester;
        for (uint256 i; i < sub.panel.length; ++i) excluded[2 + i] = sub.panel[i];
    }

    function _opened(uint256 submissionId, address[] memory excluded) internal {
        uint256 disputeId = DISPUTES.disputeCount();
        if (disputeOfSubmission[submissionId] != 0) _flag("a submission went to the arbitrator twice");
        submissionOf[disputeId] = submissionId;
        disputeOfSubmission[submissionId] = disputeId;
        _excludedOf[disputeId] = excluded;
        _liveDisputes.push(disputeId);
    }

    /// @dev Finalizes; a success on a submission finalized before is a violation (it must refuse).
    function _finalize(uint256 id) internal {
        bool wasFinal = finalizations[id] != 0;
        _tried(Op.Finalize);
        try REGISTRY.finalize(id) {
            _ok(Op.Finalize);
            if (wasFinal) _flag("a final submission was finalized again");
            ++finalizations[id];
            ICorpusTasks.SubmissionView memory s = REGISTRY.getSubmission(id);
            if (s.status == ICorpusTasks.Status.Accepted) _ok(Op.Accepted);
            else if (s.status == ICorpusTasks.Status.Rejected) _ok(Op.Rejected);
            else if (s.status == ICorpusTasks.Status.Voided) _ok(Op.Voided);
            else _flag("finalize left a submission live");
            _removeLive(id);
            _liveOn[s.taskId][s.worker] = false;
        } catch {
            if (wasFinal) _ok(Op.RefusedTwice);
        }
    }

    // ─── Steps: disputes ────────────────────────────────────────────────────

    function _drawJury(uint256 id) internal returns (bool drawn) {
        _tried(Op.DrawJury);
        try DISPUTES.drawJury(id, _excludedOf[id]) {
            _ok(Op.DrawJury);
            return true;
        } catch {}
    }

    function _commit(uint256 id, uint256 round, uint256 jurorSeed, uint256 vote) internal {
        (bool any, address juror) = _juror(id, round, jurorSeed, false);
        if (!any) return;
        uint256 key = roundKey(id, round);
        bytes32 salt = keccak256(abi.encode("salt", key, juror, jurorSeed));
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
        (bool any, address juror) = _juror(id, round, jurorSeed, true);
        if (!any) return;
        uint256 key = roundKey(id, round);
        _tried(Op.Reveal);
        vm.prank(juror);
        try DISPUTES.revealVote(id, voteOf[key][juror], saltOf[key][juror]) {
            _ok(Op.Reveal);
        } catch {
            _flag("a juror could not reveal its committed vote in the reveal period");
        }
    }

    /// @dev The first juror from a random one on that has not committed (or, with `committed`, that committed
    /// and has not revealed).
    function _juror(uint256 id, uint256 round, uint256 seed, bool committed) internal view returns (bool, address) {
        address[] memory jurors = DISPUTES.getRound(id, round).jurors;
        uint256 n = jurors.length;
        for (uint256 i; i < n; ++i) {
            address juror = jurors[((seed % n) + i) % n];
            (, bool hasCommitted, bool hasRevealed, ) = DISPUTES.seatOf(id, round, juror);
            if (committed ? hasCommitted && !hasRevealed : !hasCommitted) return (true, juror);
        }
        return (false, address(0));
    }

    function _appeal(uint256 id, ICorpusDisputes.DisputeView memory d, uint256 partySeed) internal {
        // Ruling 1 favours parties[0] (the worker), ruling 2 parties[1] (the requester); after 0 either lost.
        address loser =
            d.ruling == 1
                ? d.parties[1]
                : d.ruling == 2
                    ? d.parties[0]
                    : d.parties[partySeed % 2];
        // The last possible round has no appeal.
        try DISPUTES.appealCost(id) returns (uint256) {} catch {
            return;
        }
        _tried(Op.Appeal);
        vm.prank(loser);
        try DISPUTES.appeal(id) {
            _ok(Op.Appeal);
        } catch {}
    }

    /// @dev Executes a ruling; checks that the registry took it (the dispute is Executed, once) and recorded
    /// the final ruling on the submission.
    function _execute(uint256 id) internal {
        bool wasExecuted = deliveries[id] != 0;
        _tried(Op.ExecuteRuling);
        try DISPUTES.executeRuling(id) {
            _ok(Op.ExecuteRuling);
            if (wasExecuted) _flag("executeRuling ran again on an executed dispute");
            ICorpusDisputes.DisputeView memory d = DISPUTES.getDispute(id);
            if (d.phase != ICorpusDisputes.Phase.Executed) _flag("the registry refused a final ruling");
            if (++deliveries[id] > 1) _flag("a ruling was delivered twice");
            ICorpusTasks.SubmissionView memory s = REGISTRY.getSubmission(submissionOf[id]);
            if (s.status == ICorpusTasks.Status.Disputed) _flag("a delivered ruling left its submission disputed");
            if (s.status == ICorpusTasks.Status.Ruled && s.ruling != d.ruling) {
                _flag("the registry recorded another ruling than the final one");
            }
            _retireIfDone(id);
        } catch {
            if (wasExecuted) _ok(Op.RefusedTwice);
        }
    }

    function _settle(uint256 id, uint256 round) internal {
        uint256 key = roundKey(id, round);
        bool wasSettled = settlements[key] != 0;
        bool drawn = DISPUTES.getRound(id, round).drawn;
        _tried(Op.SettleRound);
        try DISPUTES.settleRound(id, round) {
            _ok(Op.SettleRound);
            if (!drawn) _ok(Op.SettleUndrawn);
            if (wasSettled) _flag("a settled round settled again");
            ++settlements[key];
            _retireIfDone(id);
        } catch {
            if (wasSettled) _ok(Op.RefusedTwice);
        }
    }

    /// @dev Drops a dispute from the live list once executed with every round settled.
    function _retireIfDone(uint256 id) internal {
        if (deliveries[id] == 0) return;
        uint256 last = DISPUTES.getDispute(id).round;
        for (uint256 round; round <= last; ++round) {
            if (settlements[roundKey(id, round)] == 0) return;
        }
        _removeFrom(_liveDisputes, id);
    }

    // ─── Steps: data ────────────────────────────────────────────────────────

    /// @dev Mints from 1 to 3 finished, unminted tasks of the requester with at least one accepted submission
    /// among them; up to 2 parents; contributor share 20%..90%, parent share what is left up to 90%.
    function _mint(uint256 actorSeed, uint256 seed) internal returns (bool attempted) {
        address requester = _requesters[actorSeed % 2];
        (uint256[] memory taskIds, uint256 units) = _mintableTasks(requester, seed);
        if (units == 0) return false;
        uint256 existing = DATA.tokenCount();
        uint256 parentCount = existing == 0 ? 0 : (seed >> 8) % 3;
        if (parentCount > existing) parentCount = existing;
        uint256[] memory parents = new uint256[](parentCount);
        for (uint256 i; i < parentCount; ++i) parents[i] = 1 + (((seed >> 16) + i) % existing);
        uint256 contributorBps = CONTRIBUTOR_FLOOR_BPS + ((seed >> 24) % 7_001);
        ICorpusData.MintParams memory p = ICorpusData.MintParams({
            taskIds: taskIds,
            parents: parents,
            contentHash: keccak256(abi.encode("data", existing)),
            metadataUri: "ipfs://data",
            contributorShareBps: contributorBps,
            parentShareBps: parentCount == 0 ? 0 : (seed >> 40) % (9_001 - contributorBps),
            license: _offer(seed >> 56, existing)
        });
        _tried(Op.Mint);
        vm.prank(requester);
        try DATA.mint(p) returns (uint256 tokenId) {
            _ok(Op.Mint);
            if (parentCount != 0) _ok(Op.MintWithParents);
            unitsOfToken[tokenId] = units;
            ownerOfToken[tokenId] = requester;
            for (uint256 i; i < taskIds.length; ++i) {
                if (DATA.tokenOfTask(taskIds[i]) != tokenId) _flag("a minted task does not back its token");
                _removeFrom(_unmintedTasks, taskIds[i]);
            }
            uint256 counted;
            for (uint256 i; i < 3; ++i) counted += DATA.unitsOf(tokenId, _workers[i]);
            if (counted != units) _flag("a data token's contributors hold other units than its tasks accepted");
        } catch {}
        return true;
    }

    /// @dev Up to 1..3 of the requester's tasks that are finished (nothing pending; cancelled, past the deadline
    /// or every slot accepted) and back no token yet, from a random one on; and their accepted submissions.
    function _mintableTasks(
        address requester,
        uint256 seed
    ) internal view returns (uint256[] memory taskIds, uint256 units) {
        uint256 count = _unmintedTasks.length;
        uint256 want = 1 + (seed % 3);
        uint256[] memory found = new uint256[](want);
        uint256 n;
        for (uint256 i; i < count && n < want; ++i) {
            uint256 taskId = _unmintedTasks[((seed >> 128) + i) % count];
            ICorpusTasks.TaskView memory task = REGISTRY.getTask(taskId);
            if (task.requester != requester || task.pending != 0) continue;
            if (!task.cancelled && block.timestamp <= task.deadline && task.accepted != task.slots) continue;
            found[n++] = taskId;
            units += task.accepted;
        }
        taskIds = new uint256[](n);
        for (uint256 i; i < n; ++i) taskIds[i] = found[i];
    }

    /// @dev An offer: withdrawn (duration 0) one time in six, else 1..31 days, CRP or BLK, a price below 1,000
    /// wei one time in three (below the units: the carry grows) else below 500 tokens.
    function _offer(uint256 seed, uint256 salt) internal view returns (ICorpusData.License memory) {
        return
            ICorpusData.License({
                token: token(seed >> 32),
                price: (seed >> 40) % 3 == 0 ? (seed >> 48) % 1_000 : (seed >> 48) % 500e18,
                duration: seed % 6 == 0 ? 0 : 1 days + ((seed >> 8) % 30 days),
                termsHash: keccak256(abi.encode("terms", salt, seed)),
                termsUri: "ipfs://terms"
            });
    }

    function _setLicense(uint256 tokenSeed, uint256 seed) internal {
        uint256 count = DATA.tokenCount();
        if (count == 0) return;
        uint256 tokenId = 1 + (tokenSeed % count);
        ICorpusData.License memory offer = _offer(seed, tokenId);
        _tried(Op.SetLicense);
        vm.prank(ownerOfToken[tokenId]);
        try DATA.setLicense(tokenId, offer) {
            _ok(Op.SetLicense);
        } catch {}
    }

    /// @dev What a sale's split is checked against: balances before, and the pools it feeds.
    struct Sale {
        uint256 tokenId;
        uint256 k;
        uint256 price;
        address owner;
        uint256[] pools;
        uint256[] before;
        uint256 held;
        uint256 treasuryRevenue;
        uint256 ownerRevenue;
        uint256 contributorBps;
        uint256 parentBps;
    }

    /// @dev Buys at the offer of the first token from a random one on that has one, then checks the split to
    /// the wei against a reference: the protocol fee to the treasury's revenue, the contributor share into
    /// the token's pool, the parent share equally into its parents' pools (the first takes the remainder),
    /// the rest to the owner's revenue; and that the Data NFT received exactly the price.
    function _buyLicense(uint256 tokenSeed, uint256 buyerSeed) internal {
        uint256 count = DATA.tokenCount();
        if (count == 0) return;
        ICorpusData.DataView memory view_;
        uint256 tokenId;
        for (uint256 i; i < count; ++i) {
            tokenId = 1 + (((tokenSeed % count) + i) % count);
            view_ = DATA.getData(tokenId);
            if (view_.license.duration != 0) break;
        }
        if (view_.license.duration == 0) return;
        address buyer = buyerSeed % 4 < 2 ? _licensees[buyerSeed % 2] : _workers[buyerSeed % 2];
        address licensee = (buyerSeed >> 8) % 4 == 0 ? _licensees[(buyerSeed >> 16) % 2] : buyer;
        Sale memory sale = _saleBefore(tokenId, view_);
        ICorpusData.Quote memory quote = ICorpusData.Quote({
            token: view_.license.token,
            maxPrice: view_.license.price,
            duration: view_.license.duration,
            termsHash: view_.license.termsHash
        });
        _tried(Op.BuyLicense);
        vm.prank(buyer);
        try DATA.buyLicense(tokenId, licensee, quote) {
            _ok(Op.BuyLicense);
            _checkSale(sale);
        } catch {}
    }

    function _saleBefore(uint256 tokenId, ICorpusData.DataView memory view_) internal view returns (Sale memory s) {
        s.tokenId = tokenId;
        s.k = view_.license.token == IERC20(address(CRP)) ? 0 : 1;
        s.price = view_.license.price;
        s.owner = view_.owner;
        s.contributorBps = view_.contributorShareBps;
        s.parentBps = view_.parentShareBps;
        s.pools = new uint256[](1 + view_.parents.length);
        s.before = new uint256[](s.pools.length);
        s.pools[0] = tokenId;
        for (uint256 i; i < view_.parents.length; ++i) s.pools[1 + i] = view_.parents[i];
        for (uint256 i; i < s.pools.length; ++i) s.before[i] = _poolValue(s.pools[i], s.k);
        IERC20 t = token(s.k);
        s.held = t.balanceOf(address(DATA));
        s.treasuryRevenue = DATA.revenueOf(t, address(this));
        s.ownerRevenue = DATA.revenueOf(t, s.owner);
    }

    function _checkSale(Sale memory s) internal {
        IERC20 t = token(s.k);
        uint256 fee = (s.price * DATA_PROTOCOL_FEE_BPS) / 10_000;
        uint256 contributors = (s.price * s.contributorBps) / 10_000;
        uint256 parents = (s.price * s.parentBps) / 10_000;
        uint256 parentCount = s.pools.length - 1;
        uint256 each = parentCount == 0 ? 0 : parents / parentCount;
        uint256 total = DATA.revenueOf(t, address(this)) - s.treasuryRevenue;
        if (total != fee) _flag("sale: the treasury got another share than the protocol fee");
        uint256 ownerShare = DATA.revenueOf(t, s.owner) - s.ownerRevenue;
        if (ownerShare != s.price - fee - contributors - parents) _flag("sale: the owner got another share");
        total += ownerShare;
        for (uint256 i; i < s.pools.length; ++i) {
            uint256 expected =
                i == 0
                    ? contributors
                    : i == 1
                        ? parents - each * (parentCount - 1)
                        : each;
            uint256 grown = _poolValue(s.pools[i], s.k) - s.before[i];
            if (grown != expected) _flag("sale: a pool grew by another share");
            poolIn[s.pools[i]][s.k] += expected;
            total += grown;
        }
        if (total != s.price) _flag("sale: the split does not add up to the price");
        if (t.balanceOf(address(DATA)) - s.held != s.price) _flag("sale: the Data NFT received another amount");
    }

    /// @dev A pool's total value: units × revenue per unit plus its carry.
    function _poolValue(uint256 tokenId, uint256 k) internal view returns (uint256) {
        IERC20 t = token(k);
        return unitsOfToken[tokenId] * DATA.revenuePerUnit(tokenId, t) + DATA.poolCarry(tokenId, t);
    }

    /// @dev Seven times in eight the first (worker, payment token, data token) from random ones on with
    /// something claimable, else the random ones (which may have nothing: the claim must refuse).
    function _claim(uint256 workerSeed, uint256 tokenSeed, uint256 kSeed) internal {
        uint256 count = DATA.tokenCount();
        if (count == 0) return;
        uint256 w = workerSeed % 3;
        uint256 k = kSeed % 2;
        uint256 tokenId = 1 + (tokenSeed % count);
        if ((kSeed >> 16) % 8 != 0) {
            (bool found, uint256 fw, uint256 fk, uint256 ft) = _findClaimable(w, k, tokenSeed % count, count);
            if (found) (w, k, tokenId) = (fw, fk, ft);
        }
        if ((kSeed >> 8) % 2 == 0) _claimOne(_workers[w], tokenId, k);
        else _claimAll(_workers[w], k, true);
    }

    function _findClaimable(
        uint256 w,
        uint256 k,
        uint256 start,
        uint256 count
    ) internal view returns (bool, uint256, uint256, uint256) {
        for (uint256 a; a < 3; ++a) {
            for (uint256 b; b < 2; ++b) {
                uint256 fw = (w + a) % 3;
                uint256 fk = (k + b) % 2;
                for (uint256 i; i < count; ++i) {
                    uint256 tokenId = 1 + ((start + i) % count);
                    if (DATA.claimable(tokenId, token(fk), _workers[fw]) != 0) return (true, fw, fk, tokenId);
                }
            }
        }
        return (false, 0, 0, 0);
    }

    function _claimOne(address worker, uint256 tokenId, uint256 k) internal {
        IERC20 t = token(k);
        uint256 owed = DATA.claimable(tokenId, t, worker);
        uint256 before = t.balanceOf(worker);
        _tried(Op.Claim);
        vm.prank(worker);
        try DATA.claim(tokenId, t) returns (uint256 amount) {
            _ok(Op.Claim);
            if (amount != owed || t.balanceOf(worker) - before != owed) _flag("claim paid other than owed");
            if (DATA.claimable(tokenId, t, worker) != 0) _flag("a claim left something claimable");
            claimed[tokenId][k] += amount;
            // A second claim at once has nothing to pay.
            vm.prank(worker);
            try DATA.claim(tokenId, t) {
                _flag("a claim paid twice");
            } catch {
                _ok(Op.RefusedTwice);
            }
        } catch {}
    }

    /// @dev claimMany over every data token (in batches of the contract's limit); returns false if a batch
    /// with something owed failed.
    function _claimAll(address worker, uint256 k, bool count_) internal returns (bool ok) {
        uint256 total = DATA.tokenCount();
        ok = true;
        for (uint256 from = 1; from <= total; from += 64) {
            if (!_claimBatch(worker, k, from, total - from + 1 < 64 ? total - from + 1 : 64, count_)) ok = false;
        }
    }

    function _claimBatch(address worker, uint256 k, uint256 from, uint256 n, bool count_) internal returns (bool) {
        IERC20 t = token(k);
        uint256[] memory ids = new uint256[](n);
        uint256[] memory owed = new uint256[](n);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            ids[i] = from + i;
            owed[i] = DATA.claimable(ids[i], t, worker);
            sum += owed[i];
        }
        if (count_) _tried(Op.ClaimMany);
        else if (sum == 0) return true;
        uint256 before = t.balanceOf(worker);
        vm.prank(worker);
        try DATA.claimMany(ids, t) returns (uint256 amount) {
            _ok(Op.ClaimMany);
            if (amount != sum || t.balanceOf(worker) - before != sum) _flag("claimMany paid other than owed");
            for (uint256 i; i < n; ++i) claimed[ids[i]][k] += owed[i];
            return true;
        } catch {
            return sum == 0;
        }
    }

    /// @dev Prefers what has something to pay (the other token, the other owner, a pool with a carry); when
    /// nothing has, the call is made anyway and must refuse.
    function _withdrawData(uint256 accountSeed, uint256 kSeed) internal {
        uint256 k = kSeed % 2;
        uint256 c = (kSeed >> 8) % 8;
        if (c < 2) {
            if (DATA.revenueOf(token(k), address(this)) == 0) k = 1 - k;
            _sweepDataFees(k);
        } else if (c == 2) {
            uint256 count = DATA.tokenCount();
            if (count == 0) return;
            uint256 tokenId = 1 + (accountSeed % count);
            for (uint256 i; i < 2 * count; ++i) {
                uint256 candidate = 1 + (((accountSeed % count) + i / 2) % count);
                if (DATA.poolCarry(candidate, token(k + i)) != 0) {
                    (tokenId, k) = (candidate, (k + i) % 2);
                    break;
                }
            }
            _sweepCarry(tokenId, k);
        } else {
            uint256 r = accountSeed % 2;
            for (uint256 i; i < 4; ++i) {
                if (DATA.revenueOf(token(k + i / 2), _requesters[(r + i) % 2]) != 0) {
                    (r, k) = ((r + i) % 2, (k + i / 2) % 2);
                    break;
                }
            }
            _withdrawDataOf(_requesters[r], k, false);
        }
    }

    function _sweepDataFees(uint256 k) internal returns (bool) {
        IERC20 t = token(k);
        uint256 owed = DATA.revenueOf(t, address(this));
        uint256 before = t.balanceOf(address(this));
        _tried(Op.SweepDataFees);
        try DATA.sweepProtocolFees(t) {
            _ok(Op.SweepDataFees);
            if (t.balanceOf(address(this)) - before != owed) _flag("the Data NFT swept other than its fees");
            return true;
        } catch {}
        return false;
    }

    function _sweepCarry(uint256 tokenId, uint256 k) internal returns (bool) {
        IERC20 t = token(k);
        uint256 carry = DATA.poolCarry(tokenId, t);
        _tried(Op.SweepCarry);
        try DATA.sweepPoolCarry(tokenId, t) {
            _ok(Op.SweepCarry);
            carrySwept[tokenId][k] += carry;
            return true;
        } catch {}
        return false;
    }

    function _withdrawDataOf(address owner, uint256 k, bool drain_) internal {
        IERC20 t = token(k);
        uint256 owed = DATA.revenueOf(t, owner);
        uint256 before = t.balanceOf(owner);
        _tried(Op.WithdrawData);
        vm.prank(owner);
        try DATA.withdraw(t) {
            _ok(Op.WithdrawData);
            if (t.balanceOf(owner) - before != owed) _flag("a data withdrawal paid other than the revenue");
        } catch {
            if (drain_) _drainFail("drain: a data owner could not withdraw");
        }
    }

    // ─── Steps: withdrawals ─────────────────────────────────────────────────

    /// @dev The first account from a random one on with a balance of token `k`, else of the other token, else
    /// the random one (which must be refused).
    function _withdrawRegistry(uint256 seed, uint256 k) internal {
        uint256 n = _accounts.length;
        address account = _accounts[seed % n];
        for (uint256 i; i < 2 * n; ++i) {
            address a = _accounts[((seed % n) + (i % n)) % n];
            uint256 kk = (k + i / n) % 2;
            if (REGISTRY.balanceOf(token(kk), a) != 0) {
                (account, k) = (a, kk);
                break;
            }
        }
        _withdrawRegistryOf(account, k, false);
    }

    function _withdrawRegistryOf(address account, uint256 k, bool drain_) internal {
        IERC20 t = token(k);
        uint256 owed = REGISTRY.balanceOf(t, account);
        uint256 before = t.balanceOf(account);
        _tried(Op.WithdrawRegistry);
        vm.prank(account);
        try REGISTRY.withdraw(t) {
            _ok(Op.WithdrawRegistry);
            if (t.balanceOf(account) - before != owed || REGISTRY.balanceOf(t, account) != 0) {
                _flag("a registry withdrawal paid other than the balance");
            }
        } catch {
            if (drain_) _drainFail("drain: a registry balance could not be withdrawn");
        }
    }

    function _withdrawDisputes(uint256 seed) internal {
        uint256 n = _accounts.length;
        address account = _accounts[seed % n];
        for (uint256 i; i < n; ++i) {
            address a = _accounts[((seed % n) + i) % n];
            if (DISPUTES.balanceOf(a) != 0) {
                account = a;
                break;
            }
        }
        _withdrawDisputesOf(account, false);
    }

    function _withdrawDisputesOf(address account, bool drain_) internal {
        uint256 owed = DISPUTES.balanceOf(account);
        uint256 before = CRP.balanceOf(account);
        _tried(Op.WithdrawDisputes);
        vm.prank(account);
        try DISPUTES.withdraw() {
            _ok(Op.WithdrawDisputes);
            if (CRP.balanceOf(account) - before != owed || DISPUTES.balanceOf(account) != 0) {
                _flag("a dispute withdrawal paid other than the balance");
            }
        } catch {
            if (drain_) _drainFail("drain: a dispute balance could not be withdrawn");
        }
    }

    // ─── Steps: time and pauses ─────────────────────────────────────────────

    function _warp(uint256 secs) internal {
        _tried(Op.Warp);
        _ok(Op.Warp);
        vm.warp(block.timestamp + secs);
        vm.roll(block.number + 1);
    }

    /// @dev Warps to just after `timestamp` if it is not past yet.
    function _warpPast(uint256 timestamp) internal {
        if (block.timestamp <= timestamp) _warp(timestamp + 1 - block.timestamp);
    }

    function _pausable(uint256 which) internal view returns (GuardedPausable) {
        uint256 w = which % 4;
        return
            GuardedPausable(
                w == 0
                    ? address(STAKING)
                    : w == 1
                        ? address(REGISTRY)
                        : w == 2
                            ? address(DISPUTES)
                            : address(DATA)
            );
    }

    function _unpauseOne(uint256 which) internal {
        for (uint256 i; i < 4; ++i) {
            GuardedPausable target = _pausable((which % 4) + i);
            if (target.paused()) {
                _unpause(target);
                return;
            }
        }
    }

    function _unpause(GuardedPausable target) internal {
        if (!target.paused()) return;
        _tried(Op.Unpause);
        try target.unpause() {
            _ok(Op.Unpause);
        } catch {}
    }

    // ─── Drivers ────────────────────────────────────────────────────────────

    function _advanceTask(uint256 seed) internal {
        uint256 choice = uint256(keccak256(abi.encode("task", seed)));
        if (choice % 8 == 0) {
            uint256 before = tried[uint256(Op.Unpause)];
            _unpauseOne(choice >> 8);
            if (tried[uint256(Op.Unpause)] != before) return;
        }
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickLive(
            (choice >> 128) % 2 == 0 ? 0 : seed,
            ~_FINAL
        );
        if (!found || choice % 6 == 1) {
            _prune();
            if (!_submitSomewhere(choice >> 8, choice >> 16)) {
                _createTask(choice >> 24, choice >> 32, choice >> 40, choice >> 64, choice >> 96);
            }
            return;
        }
        ICorpusTasks.Status s = sub.status;
        if (s == ICorpusTasks.Status.Drawing) {
            if (block.timestamp <= sub.reviewDeadline) _drawPanel(id);
            else _finalize(id);
        } else if (s == ICorpusTasks.Status.Reviewing) {
            bool ignored = uint256(keccak256(abi.encode("ignored", id))) % 6 == 0;
            if (!ignored && block.timestamp <= sub.reviewDeadline && choice % 8 != 0) {
                _attest(id, sub, choice >> 8, _leaning(id, choice >> 16));
            } else {
                _warpPast(sub.reviewDeadline);
                _closeRound(id);
            }
        } else if (s == ICorpusTasks.Status.Provisional) {
            uint256 c = choice % 3;
            if (c == 0 && block.timestamp <= sub.disputeDeadline) {
                _dispute(id, sub);
            } else if (c == 1 && block.timestamp <= sub.reviewDeadline && sub.voted != (1 << sub.panel.length) - 1) {
                _attest(id, sub, choice >> 8, _leaning(id, choice >> 16));
            } else {
                _warpPast(sub.disputeDeadline > sub.reviewDeadline ? sub.disputeDeadline : sub.reviewDeadline);
                _finalize(id);
            }
        } else if (s == ICorpusTasks.Status.NoAgreement) {
            if (choice % 3 != 0 && block.timestamp <= sub.disputeDeadline) {
                _escalate(id, sub);
            } else {
                _warpPast(sub.disputeDeadline);
                _finalize(id);
            }
        } else if (s == ICorpusTasks.Status.Disputed) {
            _advanceOneDispute(disputeOfSubmission[id], choice);
        } else {
            _finalize(id);
        }
    }

    function _advanceDispute(uint256 seed) internal {
        uint256 choice = uint256(keccak256(abi.encode("dispute", seed)));
        uint256 n = _liveDisputes.length;
        if (n == 0) {
            _advanceTask(seed);
            return;
        }
        uint256 id = _liveDisputes[(choice >> 128) % 2 == 0 ? 0 : seed % n];
        _advanceOneDispute(id, choice);
    }

    function _advanceOneDispute(uint256 id, uint256 choice) internal {
        ICorpusDisputes.DisputeView memory d = DISPUTES.getDispute(id);
        ICorpusDisputes.Phase p = d.phase;
        if (p == ICorpusDisputes.Phase.Drawing) {
            // A jury too large for the eligible validators never draws: let the round lapse (it is refunded).
            if (!_drawJury(id)) _warpPast(DISPUTES.getRound(id, d.round).commitEnd);
        } else if (p == ICorpusDisputes.Phase.Evidence || p == ICorpusDisputes.Phase.Commit) {
            ICorpusDisputes.RoundView memory r = DISPUTES.getRound(id, d.round);
            if (p == ICorpusDisputes.Phase.Evidence) _warpPast(r.evidenceEnd);
            (bool any, ) = _juror(id, d.round, choice >> 16, false);
            if (any && choice % 8 != 0) _commit(id, d.round, choice >> 16, _leaning(id, choice >> 32) ? 1 : 2);
            else _warpPast(r.commitEnd);
        } else if (p == ICorpusDisputes.Phase.Reveal) {
            (bool any, ) = _juror(id, d.round, choice >> 16, true);
            if (any && choice % 8 != 0) _reveal(id, d.round, choice >> 16);
            else _warpPast(DISPUTES.getRound(id, d.round).revealEnd);
        } else if (p == ICorpusDisputes.Phase.Appeal) {
            if (choice % 3 == 0) _appeal(id, d, choice >> 8);
            else _warpPast(DISPUTES.getRound(id, d.round).appealEnd);
        } else if (p == ICorpusDisputes.Phase.Final) {
            _execute(id);
            uint256 subId = submissionOf[id];
            if (REGISTRY.getSubmission(subId).status == ICorpusTasks.Status.Ruled) _finalize(subId);
        } else {
            (bool any, uint256 round) = _unsettledRound(id, d.round, choice >> 8);
            if (any) _settle(id, round);
        }
    }

    /// @dev Whether a submission's panel (or jury) votes accept: three submissions in four lean accept, one
    /// vote in six goes against the leaning.
    function _leaning(uint256 id, uint256 seed) internal pure returns (bool) {
        bool accept = id % 4 != 0;
        return seed % 6 == 0 ? !accept : accept;
    }

    // ─── Drain steps ────────────────────────────────────────────────────────

    function _drainDisputes() internal {
        uint256 count = DISPUTES.disputeCount();
        for (uint256 id = 1; id <= count; ++id) {
            ICorpusDisputes.DisputeView memory d = DISPUTES.getDispute(id);
            if (d.phase == ICorpusDisputes.Phase.Final) _execute(id);
            if (d.phase != ICorpusDisputes.Phase.Final && d.phase != ICorpusDisputes.Phase.Executed) continue;
            for (uint256 round; round <= d.round; ++round) {
                if (settlements[roundKey(id, round)] == 0) _settle(id, round);
            }
        }
    }

    function _drainSubmissions() internal {
        uint256[] memory ids = _live;
        for (uint256 i; i < ids.length; ++i) {
            ICorpusTasks.Status s = REGISTRY.getSubmission(ids[i]).status;
            if (s == ICorpusTasks.Status.Reviewing) _closeRound(ids[i]);
            else if (s != ICorpusTasks.Status.Disputed) _finalize(ids[i]);
        }
    }

    function _drainTasks() internal {
        uint256 count = REGISTRY.taskCount();
        for (uint256 t = 1; t <= count; ++t) _warpPast(REGISTRY.getTask(t).deadline);
        for (uint256 t = 1; t <= count; ++t) {
            ICorpusTasks.TaskView memory task = REGISTRY.getTask(t);
            if (task.funds != 0) {
                _tried(Op.Refund);
                try REGISTRY.refund(t) {
                    _ok(Op.Refund);
                } catch {
                    _drainFail("drain: a closed task could not be refunded");
                }
            }
            if (task.unsweptProtocolFees != 0) {
                _tried(Op.SweepTaskFees);
                try REGISTRY.sweepProtocolFees(t) {
                    _ok(Op.SweepTaskFees);
                } catch {
                    _drainFail("drain: a task's protocol fees could not be swept");
                }
            }
        }
    }

    function _drainData() internal {
        uint256 count = DATA.tokenCount();
        for (uint256 k; k < 2; ++k) {
            IERC20 t = token(k);
            for (uint256 w; w < 3; ++w) {
                if (!_claimAll(_workers[w], k, false)) _drainFail("drain: a contributor could not claim");
            }
            for (uint256 r; r < 2; ++r) {
                if (DATA.revenueOf(t, _requesters[r]) != 0) _withdrawDataOf(_requesters[r], k, true);
            }
            if (DATA.revenueOf(t, address(this)) != 0 && !_sweepDataFees(k)) _drainFail("drain: data fees stuck");
            uint256 carries;
            for (uint256 tokenId = 1; tokenId <= count; ++tokenId) carries += DATA.poolCarry(tokenId, t);
            dataCarryDust[k] = t.balanceOf(address(DATA));
            if (dataCarryDust[k] != carries) _drainFail("drain: the Data NFT holds more than its pool carries");
            for (uint256 tokenId = 1; tokenId <= count; ++tokenId) {
                if (DATA.poolCarry(tokenId, t) != 0 && !_sweepCarry(tokenId, k)) _drainFail("drain: carry stuck");
            }
            if (DATA.revenueOf(t, address(this)) != 0 && !_sweepDataFees(k)) _drainFail("drain: carries stuck");
        }
    }

    function _drainStaking() internal {
        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = _validators[i];
            (uint256 staked, uint256 locked, , , ) = STAKING.stakeOf(v);
            if (locked != 0) _drainFail("drain: stake still locked after every review and jury settled");
            if (staked == 0 || locked != 0) continue;
            _tried(Op.Thaw);
            vm.prank(v);
            try STAKING.thaw(staked) {
                _ok(Op.Thaw);
            } catch {
                _drainFail("drain: a validator could not thaw");
            }
        }
        _warp(UNBONDING_PERIOD);
        for (uint256 i; i < VALIDATOR_COUNT; ++i) {
            address v = _validators[i];
            (, , uint256 thawing, , ) = STAKING.stakeOf(v);
            if (thawing == 0) continue;
            _tried(Op.WithdrawStake);
            vm.prank(v);
            try STAKING.withdraw() {
                _ok(Op.WithdrawStake);
            } catch {
                _drainFail("drain: a validator could not withdraw its stake");
            }
        }
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    uint256 internal constant _OPEN_TASK = 1;
    uint256 internal constant _REFUNDABLE_TASK = 2;
    uint256 internal constant _SWEEPABLE_TASK = 3;

    /// @dev The first task from a random one on that suits `kind` (open; closed with funds; with unswept
    /// fees), else the random one.
    function _pickTask(
        uint256 seed,
        uint256 kind
    ) internal view returns (bool found, uint256 taskId, ICorpusTasks.TaskView memory task) {
        uint256 count = REGISTRY.taskCount();
        if (count == 0) return (false, 0, task);
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((seed % count) + i) % count);
            ICorpusTasks.TaskView memory t = REGISTRY.getTask(candidate);
            bool open = !t.cancelled && block.timestamp <= t.deadline;
            if (
                (kind == _OPEN_TASK && open) ||
                (kind == _REFUNDABLE_TASK && !open && t.funds != 0) ||
                (kind == _SWEEPABLE_TASK && t.unsweptProtocolFees != 0)
            ) return (true, candidate, t);
        }
        taskId = 1 + (seed % count);
        return (true, taskId, REGISTRY.getTask(taskId));
    }

    /// @dev A live submission whose status is in `statusMask` (bit i: status i), from a random one on (seed 0:
    /// the oldest first).
    function _pickLive(
        uint256 seed,
        uint256 statusMask
    ) internal view returns (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) {
        uint256 n = _live.length;
        if (n == 0) return (false, 0, sub);
        uint256 start = seed % n;
        if (seed == 0) {
            for (uint256 i = 1; i < n; ++i) {
                if (_live[i] < _live[start]) start = i;
            }
        }
        for (uint256 i; i < n; ++i) {
            uint256 candidate = _live[(start + i) % n];
            ICorpusTasks.SubmissionView memory s = REGISTRY.getSubmission(candidate);
            if (statusMask & (1 << uint256(s.status)) != 0) return (true, candidate, s);
        }
    }

    function _removeLive(uint256 id) internal {
        _removeFrom(_live, id);
    }

    function _removeFrom(uint256[] storage list, uint256 id) internal {
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            if (list[i] == id) {
                list[i] = list[n - 1];
                list.pop();
                return;
            }
        }
    }

    /// @dev Drops closed tasks from the open list, tasks that can never hold money again from the active list,
    /// and tasks that can never back a token with contributors from the unminted list.
    function _prune() internal {
        for (uint256 i = _activeTasks.length; i != 0; --i) {
            uint256 taskId = _activeTasks[i - 1];
            ICorpusTasks.TaskView memory t = REGISTRY.getTask(taskId);
            bool closed = t.cancelled || block.timestamp > t.deadline;
            if (!closed) continue;
            _removeFrom(_openTasks, taskId);
            if (t.pending == 0 && t.accepted == 0) _removeFrom(_unmintedTasks, taskId);
            if (t.funds == 0 && t.unsweptProtocolFees == 0 && t.pending == 0) _removeFrom(_activeTasks, taskId);
        }
    }

    /// @dev A live dispute whose phase is in `phaseMask`, from a random one on.
    function _pickDispute(
        uint256 seed,
        uint256 phaseMask
    ) internal view returns (bool found, uint256 id, ICorpusDisputes.DisputeView memory d) {
        uint256 n = _liveDisputes.length;
        for (uint256 i; i < n; ++i) {
            uint256 candidate = _liveDisputes[((seed % n) + i) % n];
            ICorpusDisputes.DisputeView memory v = DISPUTES.getDispute(candidate);
            if (phaseMask & (1 << uint256(v.phase)) != 0) return (true, candidate, v);
        }
    }

    /// @dev A final live dispute with a round not settled, and that round.
    function _pickSettleable(uint256 seed, uint256 roundSeed) internal view returns (bool, uint256, uint256) {
        uint256 n = _liveDisputes.length;
        for (uint256 i; i < n; ++i) {
            uint256 candidate = _liveDisputes[((seed % n) + i) % n];
            ICorpusDisputes.DisputeView memory v = DISPUTES.getDispute(candidate);
            if (v.phase != ICorpusDisputes.Phase.Final && v.phase != ICorpusDisputes.Phase.Executed) continue;
            (bool any, uint256 round) = _unsettledRound(candidate, v.round, roundSeed);
            if (any) return (true, candidate, round);
        }
        return (false, 0, 0);
    }

    function _unsettledRound(uint256 id, uint256 lastRound, uint256 seed) internal view returns (bool, uint256) {
        uint256 n = lastRound + 1;
        for (uint256 i; i < n; ++i) {
            uint256 round = ((seed % n) + i) % n;
            if (settlements[roundKey(id, round)] == 0) return (true, round);
        }
        return (false, 0);
    }

    function _phase(ICorpusDisputes.Phase phase) internal pure returns (uint256) {
        return 1 << uint256(phase);
    }

    function _mask(ICorpusTasks.Status status) internal pure returns (uint256) {
        return 1 << uint256(status);
    }

    function _flag(string memory message) internal {
        if (bytes(violation).length == 0) violation = message;
    }

    function _drainFail(string memory message) internal {
        if (bytes(drainFailure).length == 0) drainFailure = message;
    }

    /// @dev Counts what the run did; the drain's own successes are counted apart.
    function _tried(Op op) internal {
        if (!drained) ++tried[uint256(op)];
    }

    function _ok(Op op) internal {
        if (drained) ++drainSucceeded[uint256(op)];
        else ++succeeded[uint256(op)];
    }

    function _opNames() internal pure returns (string[OP_COUNT] memory) {
        return
            [
                "createTask (CRP)",
                "createTask (BLK)",
                "fundTask",
                "cancelTask",
                "refund",
                "sweepProtocolFees (registry)",
                "submit",
                "drawPanel",
                "attest",
                "  (verdicts reached)",
                "closeRound",
                "dispute",
                "escalate",
                "finalize",
                "  (accepted)",
                "  (rejected)",
                "  (voided)",
                "drawJury",
                "commitVote",
                "revealVote",
                "appeal",
                "executeRuling",
                "settleRound",
                "  (undrawn rounds refunded)",
                "mint (Data NFT)",
                "  (with parents)",
                "setLicense",
                "buyLicense",
                "claim",
                "claimMany",
                "withdraw (registry)",
                "withdraw (disputes)",
                "withdraw (data owner revenue)",
                "sweepProtocolFees (data)",
                "sweepPoolCarry",
                "stake",
                "thaw",
                "withdraw (staking)",
                "warp",
                "pause (guardian)",
                "unpause (governance)",
                "second finalize/settle/execute/claim refused"
            ];
    }
}
