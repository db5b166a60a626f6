// SPDX-License-Identifier: MIT
// Test code: the handler, its console and the test contract belong together.
// solhint-disable one-contract-per-file
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CorpusTasks} from "../../contracts/tasks/CorpusTasks.sol";
import {CorpusStaking} from "../../contracts/staking/CorpusStaking.sol";
import {CorpusToken} from "../../contracts/token/CorpusToken.sol";
import {FixedRandomness} from "../../contracts/test/FixedRandomness.sol";
import {MockArbitrator} from "../../contracts/test/MockArbitrator.sol";
import {BlockingToken} from "../../contracts/test/BlockingToken.sol";
import {IArbitrator} from "../../contracts/interfaces/IArbitrator.sol";
import {ICorpusStaking} from "../../contracts/interfaces/ICorpusStaking.sol";
import {ICorpusToken} from "../../contracts/interfaces/ICorpusToken.sol";
import {ICorpusTasks} from "../../contracts/interfaces/ICorpusTasks.sol";
import {IRandomnessSource} from "../../contracts/interfaces/IRandomnessSource.sol";
import {Log} from "./Log.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";

// Invariants assert with require strings (forge reports them), are named invariant_* (forge finds them so),
// and the reverts the fuzzer provokes are caught and ignored on purpose.
/* solhint-disable max-states-count, no-empty-blocks, const-name-snakecase, func-name-mixedcase */
/* solhint-disable gas-custom-errors, reason-string, gas-small-strings, avoid-low-level-calls */

/// @title TasksHandler
/// @notice The only fuzz target of {TasksInvariants}. Its constructor deploys the whole protocol (CRP, staking
/// with a {FixedRandomness} source, the task registry, a {MockArbitrator} charging 50 CRP, and a second
/// allowlisted ERC-20), acting as governance and treasury; it stakes six validators, funds two requesters and
/// three workers (the third worker is also the second requester) with both tokens, and exposes one function
/// per protocol action. Every fuzzed input is bounded by modulo, every target (task, submission, seat,
/// dispute, actor) is picked among those the action applies to, and every call into the protocol is wrapped
/// in try/catch so that expected reverts never end a run. Ghost state: per-action attempt and success
/// counters, the final status each submission reached (a change after that is recorded as a violation), which
/// submissions were escalated (their panel is settled) and which dispute ids went to which submission.
contract TasksHandler {
    Vm private constant vm = Vm(VM_ADDRESS);

    // ─── Protocol ───────────────────────────────────────────────────────────

    /// @notice CRP; the handler (governance) holds the minter role and the treasury allocation.
    CorpusToken public immutable CRP;
    /// @notice The second, allowlisted payment token (a plain ERC-20: no one is ever blocked).
    BlockingToken public immutable BLK;
    /// @notice Staking's randomness source: seeds are ready in the block they are requested in.
    FixedRandomness public immutable RANDOMNESS;
    /// @notice Staking (the registry holds its LOCKER_ROLE and SLASHER_ROLE).
    CorpusStaking public immutable STAKING;
    /// @notice The task registry under test.
    CorpusTasks public immutable REGISTRY;
    /// @notice The registry's arbitrator.
    MockArbitrator public immutable ARBITRATOR;

    /// @notice What the arbitrator charges per dispute, in CRP.
    uint256 public constant ARBITRATION_FEE = 50e18;
    /// @notice Each validator's stake (twice the minimum).
    uint256 public constant VALIDATOR_STAKE = 20_000e18;
    /// @notice What each requester and worker starts with, of each token.
    uint256 public constant ACTOR_FUNDS = 1_000_000e18;

    // ─── Actors ─────────────────────────────────────────────────────────────

    address[6] internal _validators;
    address[2] internal _requesters;
    address[3] internal _workers;
    /// @dev Everyone who can hold a withdrawable balance in the registry, the treasury (this) last.
    address[] internal _accounts;

    // ─── Ghost state ────────────────────────────────────────────────────────

    enum Op {
        CreateTask,
        FundTask,
        Submit,
        DrawPanel,
        Attest,
        Verdict,
        CloseRound,
        Dispute,
        Escalate,
        GiveRuling,
        Finalize,
        Accepted,
        Rejected,
        Voided,
        CancelTask,
        Refund,
        SweepFees,
        Withdraw,
        Thaw,
        StakingWithdraw,
        Warp
    }

    uint256 internal constant OP_COUNT = 21;

    /// @notice Per {Op}: how many times the action was attempted (a target existed).
    uint256[OP_COUNT] public tried;
    /// @notice Per {Op}: how many times it succeeded (for the derived Verdict, Accepted, Rejected and Voided:
    /// how many verdicts were reached and submissions finalized so).
    uint256[OP_COUNT] public succeeded;
    /// @notice Handler calls in this run.
    uint256 public calls;

    /// @notice The final status (Accepted, Rejected, Voided) each submission reached, once it did.
    mapping(uint256 submissionId => ICorpusTasks.Status) public finalStatusOf;
    /// @notice Set when a submission left a final status.
    bool public statusRegressed;
    /// @notice The first submission that left a final status.
    uint256 public regressedSubmission;
    /// @notice The final status it had.
    ICorpusTasks.Status public regressedFrom;
    /// @notice The status it had next.
    ICorpusTasks.Status public regressedTo;

    /// @notice Submissions that went to the arbitrator by {escalate}: their panel was settled already.
    mapping(uint256 submissionId => bool) public escalated;
    /// @notice Dispute ids the mock arbitrator handed out (they count from 0).
    uint256 public disputeCount;
    /// @notice Whether a dispute was ruled.
    mapping(uint256 disputeId => bool) public ruled;
    /// @notice The dispute id each disputed or escalated submission got.
    mapping(uint256 submissionId => uint256 disputeId) public disputeOf;

    /// @dev Statuses that are not final (bit i: status i).
    uint256 internal constant _LIVE = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6);

    // ─── Setup ──────────────────────────────────────────────────────────────

    constructor() {
        address[] memory none = new address[](0);
        uint256[] memory noAmounts = new uint256[](0);
        CRP = new CorpusToken(address(this), 100_000_000e18, none, noAmounts);
        BLK = new BlockingToken(100_000_000e18);
        RANDOMNESS = new FixedRandomness();
        RANDOMNESS.setSeed(keccak256("tasks invariants"));
        STAKING = new CorpusStaking(
            ICorpusToken(address(CRP)),
            address(this),
            address(0),
            IRandomnessSource(address(RANDOMNESS)),
            10_000e18, // minimum stake
            1 days, // unbonding period (the shortest, so that thawed stake matures within a run)
            2_500, // slash reward share
            address(0)
        );
        ARBITRATOR = new MockArbitrator(IERC20(address(CRP)), ARBITRATION_FEE);
        IERC20[] memory allowed = new IERC20[](1);
        allowed[0] = IERC20(address(BLK));
        REGISTRY = new CorpusTasks(
            ICorpusStaking(address(STAKING)),
            address(this),
            address(0),
            IArbitrator(address(ARBITRATOR)),
            [uint256(250), 500, 1_000e18, 100e18, 2 days, 3],
            allowed
        );
        STAKING.grantRole(STAKING.LOCKER_ROLE(), address(REGISTRY));
        STAKING.grantRole(STAKING.SLASHER_ROLE(), address(REGISTRY));

        vm.label(address(CRP), "CRP");
        vm.label(address(BLK), "BLK");
        vm.label(address(STAKING), "staking");
        vm.label(address(REGISTRY), "registry");
        vm.label(address(ARBITRATOR), "arbitrator");
        vm.label(address(this), "treasury");

        // Storage first (actors and where balances can be), then the transfers.
        for (uint256 i; i < 6; ++i) {
            address v = address(uint160(0x1001 + i));
            _validators[i] = v;
            _accounts.push(v);
        }
        _requesters = [address(0x2001), address(0x2002)];
        // The third worker is the second requester: it may work on the other requester's tasks only.
        _workers = [address(0x3001), address(0x3002), address(0x2002)];
        address[4] memory users = [address(0x2001), address(0x2002), address(0x3001), address(0x3002)];
        for (uint256 i; i < users.length; ++i) _accounts.push(users[i]);
        _accounts.push(address(this));

        for (uint256 i; i < 6; ++i) {
            address v = _validators[i];
            vm.label(v, string.concat("validator", _digit(i)));
            CRP.transfer(v, VALIDATOR_STAKE);
            vm.startPrank(v);
            CRP.approve(address(STAKING), type(uint256).max);
            STAKING.stake(VALIDATOR_STAKE);
            vm.stopPrank();
        }
        for (uint256 i; i < users.length; ++i) {
            address u = users[i];
            vm.label(u, i < 2 ? string.concat("requester", _digit(i)) : string.concat("worker", _digit(i - 2)));
            CRP.transfer(u, ACTOR_FUNDS);
            BLK.transfer(u, ACTOR_FUNDS);
            vm.startPrank(u);
            CRP.approve(address(REGISTRY), type(uint256).max);
            BLK.approve(address(REGISTRY), type(uint256).max);
            vm.stopPrank();
        }
    }

    // ─── Views for the invariants ───────────────────────────────────────────

    /// @notice The six staked validators.
    /// @return The validators.
    function validators() external view returns (address[6] memory) {
        return _validators;
    }

    /// @notice Every account that can hold a withdrawable balance in the registry (the treasury last).
    /// @return The accounts.
    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    // ─── Requesters ─────────────────────────────────────────────────────────

    /// @notice A requester posts a task: CRP or BLK, reward 1 wei..1,000 tokens, 1..3 slots, a panel of 1 (quorum
    /// 1) or 3 (quorum 2), bond 0..50 tokens, review window 1 hour..2 days, deadline 1 hour..7 days away.
    /// @param actorSeed Picks the requester.
    /// @param tokenSeed Picks the token.
    /// @param reward Bounded to the reward.
    /// @param slots Bounded to the slots.
    /// @param panelSeed Picks the panel.
    /// @param bond Bounded to the worker bond.
    /// @param window Bounded to the review window.
    /// @param duration Bounded to the time until the deadline.
    function createTask(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 reward,
        uint256 slots,
        uint256 panelSeed,
        uint256 bond,
        uint256 window,
        uint256 duration
    ) external tracked {
        _createTask(actorSeed, tokenSeed, reward, slots, panelSeed, bond, window, duration);
    }

    /// @notice A requester or worker adds 1 wei..1,000 tokens to a task's unreserved escrow.
    /// @param taskSeed Picks the task.
    /// @param funderSeed Picks the funder.
    /// @param amount Bounded to the amount.
    function fundTask(uint256 taskSeed, uint256 funderSeed, uint256 amount) external tracked {
        (bool found, uint256 taskId) = _pickTask(taskSeed);
        if (!found) return;
        address funder = _accounts[6 + (funderSeed % 4)];
        _tried(Op.FundTask);
        vm.prank(funder);
        try REGISTRY.fundTask(taskId, 1 + (amount % 1_000e18)) {
            _ok(Op.FundTask);
        } catch {}
    }

    /// @notice A task's requester cancels it.
    /// @param taskSeed Picks the task.
    function cancelTask(uint256 taskSeed) external tracked {
        (bool found, uint256 taskId) = _pickTask(taskSeed);
        if (!found) return;
        address requester = REGISTRY.getTask(taskId).requester;
        _tried(Op.CancelTask);
        vm.prank(requester);
        try REGISTRY.cancelTask(taskId) {
            _ok(Op.CancelTask);
        } catch {}
    }

    /// @notice Anyone refunds a closed task (preferably one with unreserved funds).
    /// @param taskSeed Picks the task.
    function refund(uint256 taskSeed) external tracked {
        (bool found, uint256 taskId) = _pickTask(taskSeed);
        if (!found) return;
        uint256 count = REGISTRY.taskCount();
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((taskSeed % count) + i) % count);
            ICorpusTasks.TaskView memory task = REGISTRY.getTask(candidate);
            if (task.funds != 0 && (task.cancelled || block.timestamp > task.deadline)) {
                taskId = candidate;
                break;
            }
        }
        _tried(Op.Refund);
        try REGISTRY.refund(taskId) {
            _ok(Op.Refund);
        } catch {}
    }

    /// @notice Anyone sweeps a task's protocol fees to the treasury (preferably a task with some).
    /// @param taskSeed Picks the task.
    function sweepProtocolFees(uint256 taskSeed) external tracked {
        (bool found, uint256 taskId) = _pickTask(taskSeed);
        if (!found) return;
        uint256 count = REGISTRY.taskCount();
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((taskSeed % count) + i) % count);
            if (REGISTRY.getTask(candidate).unsweptProtocolFees != 0) {
                taskId = candidate;
                break;
            }
        }
        _tried(Op.SweepFees);
        try REGISTRY.sweepProtocolFees(taskId) {
            _ok(Op.SweepFees);
        } catch {}
    }

    // ─── Workers ────────────────────────────────────────────────────────────

    /// @notice One of the three workers submits to a task.
    /// @param taskSeed Picks the task.
    /// @param workerSeed Picks the worker.
    function submit(uint256 taskSeed, uint256 workerSeed) external tracked {
        (bool found, uint256 taskId) = _pickTask(taskSeed);
        if (!found) return;
        _submit(taskId, _workers[workerSeed % 3]);
    }

    // ─── Review ─────────────────────────────────────────────────────────────

    /// @notice Draws the panel of a submission waiting for one (two blocks after the request).
    /// @param subSeed Picks the submission.
    function drawPanel(uint256 subSeed) external tracked {
        (bool found, uint256 id, ) = _pickSubmission(subSeed, _mask(ICorpusTasks.Status.Drawing));
        if (found) _drawPanel(id);
    }

    /// @notice A panel member of a submission under review (or with a provisional verdict) attests.
    /// @param subSeed Picks the submission.
    /// @param seatSeed Picks the seat (the first one from it on that has not attested).
    /// @param accept The vote.
    function attest(uint256 subSeed, uint256 seatSeed, bool accept) external tracked {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickSubmission(
            subSeed,
            _mask(ICorpusTasks.Status.Reviewing) | _mask(ICorpusTasks.Status.Provisional)
        );
        if (found) _attest(id, sub, seatSeed, accept);
    }

    /// @notice Closes the round of a submission under review (reverts until its review deadline passed).
    /// @param subSeed Picks the submission.
    function closeRound(uint256 subSeed) external tracked {
        (bool found, uint256 id, ) = _pickSubmission(subSeed, _mask(ICorpusTasks.Status.Reviewing));
        if (found) _closeRound(id);
    }

    // ─── Disputes ───────────────────────────────────────────────────────────

    /// @notice The losing party disputes a provisional verdict, paying the arbitration fee.
    /// @param subSeed Picks the submission.
    function dispute(uint256 subSeed) external tracked {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickSubmission(
            subSeed,
            _mask(ICorpusTasks.Status.Provisional)
        );
        if (found) _dispute(id, sub);
    }

    /// @notice The worker escalates a submission no panel agreed on.
    /// @param subSeed Picks the submission.
    function escalate(uint256 subSeed) external tracked {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickSubmission(
            subSeed,
            _mask(ICorpusTasks.Status.NoAgreement)
        );
        if (found) _escalate(id, sub);
    }

    /// @notice The mock arbitrator rules 0 (none), 1 (accept) or 2 (reject) on a dispute (preferably one that
    /// was not ruled yet: a second ruling reverts).
    /// @param disputeSeed Picks the dispute.
    /// @param ruling Bounded to the ruling.
    function giveRuling(uint256 disputeSeed, uint256 ruling) external tracked {
        uint256 count = disputeCount;
        if (count == 0) return;
        uint256 disputeId = disputeSeed % count;
        for (uint256 i; i < count; ++i) {
            uint256 d = ((disputeSeed % count) + i) % count;
            if (!ruled[d]) {
                disputeId = d;
                break;
            }
        }
        _giveRuling(disputeId, ruling);
    }

    // ─── Settlement ─────────────────────────────────────────────────────────

    /// @notice Anyone finalizes a submission that is not final yet.
    /// @param subSeed Picks the submission.
    function finalize(uint256 subSeed) external tracked {
        (bool found, uint256 id, ) = _pickSubmission(subSeed, _LIVE);
        if (found) _finalize(id);
    }

    /// @notice A random account withdraws its registry balance of a random token (the first account from the
    /// random one on that has a balance, so that most attempts pay out).
    /// @param actorSeed Picks the account.
    /// @param tokenSeed Picks the token.
    function withdraw(uint256 actorSeed, uint256 tokenSeed) external tracked {
        IERC20 token = tokenSeed % 2 == 0 ? IERC20(address(CRP)) : IERC20(address(BLK));
        uint256 n = _accounts.length;
        address account = _accounts[actorSeed % n];
        for (uint256 i; i < n; ++i) {
            address a = _accounts[((actorSeed % n) + i) % n];
            if (REGISTRY.balanceOf(token, a) != 0) {
                account = a;
                break;
            }
        }
        _tried(Op.Withdraw);
        if (account != address(this)) vm.prank(account);
        try REGISTRY.withdraw(token) {
            _ok(Op.Withdraw);
        } catch {}
    }

    // ─── Staking and time ───────────────────────────────────────────────────

    /// @notice A validator thaws 1..5,000 CRP of its unlocked stake.
    /// @param validatorSeed Picks the validator.
    /// @param amount Bounded to the amount.
    function thaw(uint256 validatorSeed, uint256 amount) external tracked {
        _tried(Op.Thaw);
        vm.prank(_validators[validatorSeed % 6]);
        try STAKING.thaw(1e18 + (amount % 5_000e18)) {
            _ok(Op.Thaw);
        } catch {}
    }

    /// @notice A validator withdraws its thawed stake (preferably one whose thaw has matured).
    /// @param validatorSeed Picks the validator.
    function stakingWithdraw(uint256 validatorSeed) external tracked {
        address validator = _validators[validatorSeed % 6];
        for (uint256 i; i < 6; ++i) {
            address v = _validators[((validatorSeed % 6) + i) % 6];
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

    /// @notice Time passes: 1 hour..3 days (and a block).
    /// @param secs Bounded to the seconds.
    function warp(uint256 secs) external tracked {
        _warp(1 hours + (secs % (3 days - 1 hours + 1)));
    }

    // ─── Lifecycle driver ───────────────────────────────────────────────────

    /// @notice Moves a random live submission one natural step on (the TypeScript property test's `advance`),
    /// so that runs of 40 calls reach verdicts, disputes, rulings, redrawn panels and every final status:
    /// Drawing → draw (or void once the draw-by time passed); Reviewing → an absent seat attests (or the
    /// round is closed once over); Provisional → the loser disputes, a late seat attests, or time runs past
    /// both windows and it is finalized; NoAgreement → the worker escalates, or it is voided after the window;
    /// Disputed → the arbitrator rules (rarely: time runs past the ruling timeout and it is voided);
    /// Ruled → finalize. With no live submission, a worker submits to a task
    /// (or, failing that, a task is created); one call in five does so anyway.
    /// @param seed Picks the submission and every choice on the way.
    function advance(uint256 seed) external tracked {
        (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) = _pickSubmission(seed, _LIVE);
        uint256 choice = uint256(keccak256(abi.encode(seed)));
        // Sometimes new work even while some is live, so that submissions overlap (shared validators, slots).
        if (!found || choice % 5 == 0) {
            (bool hasTask, uint256 taskId) = _pickTask(seed);
            if (!hasTask || !_submit(taskId, _workers[choice % 3])) {
                _createTask(
                    seed,
                    choice >> 8,
                    choice >> 16,
                    choice >> 32,
                    choice >> 48,
                    choice >> 64,
                    choice >> 80,
                    choice >> 96
                );
            }
            return;
        }
        ICorpusTasks.Status s = sub.status;
        if (s == ICorpusTasks.Status.Drawing) {
            if (block.timestamp <= sub.reviewDeadline) _drawPanel(id);
            else _finalize(id);
        } else if (s == ICorpusTasks.Status.Reviewing) {
            // Mostly accept (so that work gets paid), sometimes reject or stay silent; the panels of one
            // submission in eight never attest, so that it runs through every round to NoAgreement.
            bool ignored = uint256(keccak256(abi.encode("ignored", id))) % 8 == 0;
            if (!ignored && block.timestamp <= sub.reviewDeadline && choice % 8 != 0) {
                _attest(id, sub, choice >> 8, choice % 3 != 0);
            } else {
                if (block.timestamp <= sub.reviewDeadline) _warp(sub.reviewDeadline + 1 - block.timestamp);
                _closeRound(id);
            }
        } else if (s == ICorpusTasks.Status.Provisional) {
            uint256 c = choice % 4;
            if (c == 0 && block.timestamp <= sub.disputeDeadline) _dispute(id, sub);
            else if (c == 1 && block.timestamp <= sub.reviewDeadline) _attest(id, sub, choice >> 8, choice % 3 != 0);
            else {
                uint256 until = sub.disputeDeadline > sub.reviewDeadline ? sub.disputeDeadline : sub.reviewDeadline;
                if (block.timestamp <= until) _warp(until + 1 - block.timestamp);
                _finalize(id);
            }
        } else if (s == ICorpusTasks.Status.NoAgreement) {
            if (choice % 3 != 0 && block.timestamp <= sub.disputeDeadline) _escalate(id, sub);
            else {
                if (block.timestamp <= sub.disputeDeadline) _warp(sub.disputeDeadline + 1 - block.timestamp);
                _finalize(id);
            }
        } else if (s == ICorpusTasks.Status.Disputed) {
            // Rarely the arbitrator never answers: past the ruling timeout the submission is voided.
            if (choice % 8 == 0) {
                if (block.timestamp <= sub.disputeDeadline) _warp(sub.disputeDeadline + 1 - block.timestamp);
                _finalize(id);
            } else {
                _giveRuling(disputeOf[id], choice % 3);
            }
        } else {
            _finalize(id);
        }
    }

    // ─── Steps ──────────────────────────────────────────────────────────────

    function _createTask(
        uint256 actorSeed,
        uint256 tokenSeed,
        uint256 reward,
        uint256 slots,
        uint256 panelSeed,
        uint256 bond,
        uint256 window,
        uint256 duration
    ) internal {
        bool wide = panelSeed % 2 == 1;
        ICorpusTasks.TaskParams memory p = ICorpusTasks.TaskParams({
            token: tokenSeed % 2 == 0 ? IERC20(address(CRP)) : IERC20(address(BLK)),
            reward: 1 + (reward % 1_000e18),
            slots: 1 + (slots % 3),
            deadline: block.timestamp + 1 hours + (duration % 7 days),
            reviewWindow: 1 hours + (window % (2 days - 1 hours + 1)),
            panelSize: wide ? 3 : 1,
            quorum: wide ? 2 : 1,
            workerBond: bond % (50e18 + 1),
            kind: 0,
            specUri: "ipfs://spec",
            specHash: keccak256(abi.encode("spec", REGISTRY.taskCount()))
        });
        _tried(Op.CreateTask);
        vm.prank(_requesters[actorSeed % 2]);
        try REGISTRY.createTask(p) {
            _ok(Op.CreateTask);
        } catch {}
    }

    function _submit(uint256 taskId, address worker) internal returns (bool ok) {
        bytes32 content = keccak256(abi.encode("work", REGISTRY.submissionCount() + 1));
        _tried(Op.Submit);
        vm.prank(worker);
        try REGISTRY.submit(taskId, content, "ipfs://work") {
            _ok(Op.Submit);
            return true;
        } catch {}
    }

    /// @dev FixedRandomness answers in the request's block already; two blocks on is what a real source needs.
    function _drawPanel(uint256 id) internal {
        vm.roll(block.number + 2);
        _tried(Op.DrawPanel);
        try REGISTRY.drawPanel(id) {
            _ok(Op.DrawPanel);
        } catch {}
    }

    /// @dev The first seat from `seatSeed` on that has not attested yet (a seat that has only reverts) attests,
    /// pranking as the seat's owner read from the submission's panel.
    function _attest(uint256 id, ICorpusTasks.SubmissionView memory sub, uint256 seatSeed, bool accept) internal {
        uint256 size = sub.panel.length;
        uint256 seat = seatSeed % size;
        for (uint256 i; i < size; ++i) {
            uint256 candidate = ((seatSeed % size) + i) % size;
            if ((sub.voted >> candidate) & 1 == 0) {
                seat = candidate;
                break;
            }
        }
        _tried(Op.Attest);
        vm.prank(sub.panel[seat]);
        try REGISTRY.attest(id, seat, accept, keccak256(abi.encode(accept))) {
            _ok(Op.Attest);
            if (
                sub.status == ICorpusTasks.Status.Reviewing &&
                REGISTRY.getSubmission(id).status == ICorpusTasks.Status.Provisional
            ) _ok(Op.Verdict);
        } catch {}
    }

    function _closeRound(uint256 id) internal {
        _tried(Op.CloseRound);
        try REGISTRY.closeRound(id) {
            _ok(Op.CloseRound);
        } catch {}
    }

    /// @dev The party that lost the provisional verdict disputes it, approving the arbitration fee.
    function _dispute(uint256 id, ICorpusTasks.SubmissionView memory sub) internal {
        address loser = sub.verdict == 1 ? REGISTRY.getTask(sub.taskId).requester : sub.worker;
        _tried(Op.Dispute);
        vm.startPrank(loser);
        // Max again rather than the fee: the same allowance pays for the loser's tasks and bonds.
        CRP.approve(address(REGISTRY), type(uint256).max);
        try REGISTRY.dispute(id) {
            _ok(Op.Dispute);
            disputeOf[id] = disputeCount++;
        } catch {}
        vm.stopPrank();
    }

    /// @dev After the last panel round ended without agreement, the worker sends it to the arbitrator.
    function _escalate(uint256 id, ICorpusTasks.SubmissionView memory sub) internal {
        _tried(Op.Escalate);
        vm.prank(sub.worker);
        try REGISTRY.escalate(id) {
            _ok(Op.Escalate);
            escalated[id] = true;
            disputeOf[id] = disputeCount++;
        } catch {}
    }

    function _giveRuling(uint256 disputeId, uint256 ruling) internal {
        _tried(Op.GiveRuling);
        try ARBITRATOR.giveRuling(disputeId, ruling % 3) {
            _ok(Op.GiveRuling);
            ruled[disputeId] = true;
        } catch {}
    }

    function _finalize(uint256 id) internal {
        _tried(Op.Finalize);
        try REGISTRY.finalize(id) {
            _ok(Op.Finalize);
            ICorpusTasks.Status status = REGISTRY.getSubmission(id).status;
            if (status == ICorpusTasks.Status.Accepted) _ok(Op.Accepted);
            else if (status == ICorpusTasks.Status.Rejected) _ok(Op.Rejected);
            else _ok(Op.Voided);
        } catch {}
    }

    function _warp(uint256 secs) internal {
        _tried(Op.Warp);
        _ok(Op.Warp);
        vm.warp(block.timestamp + secs);
        vm.roll(block.number + 1);
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    /// @dev After every action: records final statuses and flags any submission that left one.
    modifier tracked() {
        ++calls;
        _;
        uint256 count = REGISTRY.submissionCount();
        for (uint256 id = 1; id <= count; ++id) {
            ICorpusTasks.Status status = REGISTRY.getSubmission(id).status;
            ICorpusTasks.Status recorded = finalStatusOf[id];
            if (recorded != ICorpusTasks.Status.None) {
                if (status != recorded && !statusRegressed) {
                    statusRegressed = true;
                    regressedSubmission = id;
                    regressedFrom = recorded;
                    regressedTo = status;
                }
            } else if (_isFinal(status)) {
                finalStatusOf[id] = status;
            }
        }
    }

    function _pickTask(uint256 seed) internal view returns (bool found, uint256 taskId) {
        uint256 count = REGISTRY.taskCount();
        if (count == 0) return (false, 0);
        return (true, 1 + (seed % count));
    }

    /// @dev A random submission among those whose status is in `statusMask` (bit i: status i).
    function _pickSubmission(
        uint256 seed,
        uint256 statusMask
    ) internal view returns (bool found, uint256 id, ICorpusTasks.SubmissionView memory sub) {
        uint256 count = REGISTRY.submissionCount();
        if (count == 0) return (false, 0, sub);
        for (uint256 i; i < count; ++i) {
            uint256 candidate = 1 + (((seed % count) + i) % count);
            ICorpusTasks.SubmissionView memory s = REGISTRY.getSubmission(candidate);
            if (statusMask & _mask(s.status) != 0) return (true, candidate, s);
        }
    }

    function _mask(ICorpusTasks.Status status) internal pure returns (uint256) {
        return 1 << uint256(status);
    }

    function _isFinal(ICorpusTasks.Status status) internal pure returns (bool) {
        return
            status == ICorpusTasks.Status.Accepted ||
            status == ICorpusTasks.Status.Rejected ||
            status == ICorpusTasks.Status.Voided;
    }

    function _tried(Op op) internal {
        ++tried[uint256(op)];
    }

    function _ok(Op op) internal {
        ++succeeded[uint256(op)];
    }

    function _digit(uint256 i) private pure returns (string memory) {
        return string(abi.encodePacked(bytes1(uint8(48 + i))));
    }
}

/// @title TasksInvariants
/// @notice Escrow, slot, staking and finality invariants of the task registry under random use through
/// {TasksHandler}, the only target contract.
contract TasksInvariants {
    /// @dev The shape forge reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @dev How many of the selector entries are {TasksHandler.advance}.
    uint256 internal constant ADVANCE_WEIGHT = 18;

    TasksHandler internal handler;

    /// @notice Deploys the handler, which deploys the protocol.
    function setUp() public {
        handler = new TasksHandler();
    }

    /// @notice Read by forge (what forge-std's `targetContract` fills): only the handler is fuzzed.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Read by forge (what forge-std's `targetSelector` fills): the handler's actions, with
    /// {TasksHandler.advance} listed several times (forge picks among the entries uniformly, so a listed-twice
    /// selector is called twice as often), so that a 40-call run drives submissions through their lifecycle
    /// while every single action still gets its share of random calls.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[18] memory actions = [
            TasksHandler.createTask.selector,
            TasksHandler.fundTask.selector,
            TasksHandler.cancelTask.selector,
            TasksHandler.refund.selector,
            TasksHandler.sweepProtocolFees.selector,
            TasksHandler.submit.selector,
            TasksHandler.drawPanel.selector,
            TasksHandler.attest.selector,
            TasksHandler.closeRound.selector,
            TasksHandler.dispute.selector,
            TasksHandler.escalate.selector,
            TasksHandler.giveRuling.selector,
            TasksHandler.finalize.selector,
            TasksHandler.withdraw.selector,
            TasksHandler.thaw.selector,
            TasksHandler.stakingWithdraw.selector,
            TasksHandler.warp.selector,
            TasksHandler.advance.selector
        ];
        bytes4[] memory selectors = new bytes4[](actions.length - 1 + ADVANCE_WEIGHT);
        for (uint256 i; i < actions.length; ++i) selectors[i] = actions[i];
        for (uint256 i = actions.length; i < selectors.length; ++i) selectors[i] = TasksHandler.advance.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /// @notice For each token, the registry holds exactly what it owes: every task's unreserved funds and
    /// unswept protocol fees, the reservation (reward and both fees) and worker bond of every submission
    /// that is not final, and every account's withdrawable balance (all actors and the treasury).
    function invariant_registryHoldsWhatItOwes() public view {
        CorpusTasks registry = handler.REGISTRY();
        IERC20[2] memory tokens = [IERC20(address(handler.CRP())), IERC20(address(handler.BLK()))];
        uint256[2] memory owed;
        uint256 taskCount = registry.taskCount();
        uint256[] memory live = _liveByTask(registry, taskCount);
        for (uint256 t = 1; t <= taskCount; ++t) {
            ICorpusTasks.TaskView memory task = registry.getTask(t);
            uint256 k = task.token == tokens[0] ? 0 : 1;
            owed[k] += task.funds + task.unsweptProtocolFees;
            owed[k] += live[t] * (task.reward + task.validatorFee + task.protocolFee + task.workerBond);
        }
        address[] memory accounts = handler.accounts();
        for (uint256 k; k < 2; ++k) {
            for (uint256 i; i < accounts.length; ++i) owed[k] += registry.balanceOf(tokens[k], accounts[i]);
            require(
                tokens[k].balanceOf(address(registry)) == owed[k],
                k == 0 ? "CRP: held != owed" : "BLK: held != owed"
            );
        }
    }

    /// @notice Every task has `pending + accepted <= slots`, and `pending` counts its submissions that are
    /// not final.
    function invariant_slotsAndPending() public view {
        CorpusTasks registry = handler.REGISTRY();
        uint256 taskCount = registry.taskCount();
        uint256[] memory live = _liveByTask(registry, taskCount);
        for (uint256 t = 1; t <= taskCount; ++t) {
            ICorpusTasks.TaskView memory task = registry.getTask(t);
            require(task.pending + task.accepted <= task.slots, "pending + accepted > slots");
            require(task.pending == live[t], "pending != live submissions");
        }
    }

    /// @notice Staking holds exactly Σ (staked + thawing) of CRP; no validator's lock exceeds its stake; and
    /// the locked total is exactly the review stake of every seat of every panel still locked (reviewing,
    /// provisional, or disputed / ruled after a dispute of a verdict; escalated panels were settled).
    function invariant_stakingConserved() public view {
        CorpusStaking staking = handler.STAKING();
        CorpusTasks registry = handler.REGISTRY();
        address[6] memory vs = handler.validators();
        uint256 total;
        uint256 lockedTotal;
        for (uint256 i; i < 6; ++i) {
            (uint256 staked, uint256 locked, uint256 thawing, , ) = staking.stakeOf(vs[i]);
            require(locked <= staked, "locked > staked");
            total += staked + thawing;
            lockedTotal += locked;
        }
        require(handler.CRP().balanceOf(address(staking)) == total, "staking: held != staked + thawing");

        uint256 seatsLocked;
        uint256 count = registry.submissionCount();
        for (uint256 id = 1; id <= count; ++id) {
            ICorpusTasks.SubmissionView memory sub = registry.getSubmission(id);
            ICorpusTasks.Status s = sub.status;
            bool panelLocked =
                s == ICorpusTasks.Status.Reviewing ||
                    s == ICorpusTasks.Status.Provisional ||
                    ((s == ICorpusTasks.Status.Disputed || s == ICorpusTasks.Status.Ruled) && !handler.escalated(id));
            if (panelLocked) seatsLocked += sub.panel.length * registry.getTask(sub.taskId).reviewStake;
        }
        require(lockedTotal == seatsLocked, "staking: locked != live panels' review stake");
    }

    /// @notice A submission that reached Accepted, Rejected or Voided never leaves it.
    function invariant_finalStatusesStick() public view {
        if (handler.statusRegressed()) {
            revert(
                string.concat(
                    "submission ",
                    _toString(handler.regressedSubmission()),
                    " left final status ",
                    _toString(uint256(handler.regressedFrom())),
                    " for ",
                    _toString(uint256(handler.regressedTo()))
                )
            );
        }
    }

    /// @notice Logs the ghost counters of the run (`-vv` shows them): attempts and successes per action.
    function invariant_callSummary() public view {
        string[21] memory names = [
            "createTask",
            "fundTask",
            "submit",
            "drawPanel",
            "attest",
            "  (verdicts reached)",
            "closeRound",
            "dispute",
            "escalate",
            "giveRuling",
            "finalize",
            "  (accepted)",
            "  (rejected)",
            "  (voided)",
            "cancelTask",
            "refund",
            "sweepProtocolFees",
            "withdraw",
            "staking.thaw",
            "staking.withdraw",
            "warp"
        ];
        Log.log("handler calls", handler.calls());
        for (uint256 i; i < names.length; ++i) {
            Log.log("%s: %d succeeded / %d attempted", names[i], handler.succeeded(i), handler.tried(i));
        }
    }

    function _toString(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory digits;
        for (; value != 0; value /= 10) digits = abi.encodePacked(bytes1(uint8(48 + (value % 10))), digits);
        return string(digits);
    }

    /// @dev Per task, how many of its submissions are not final.
    function _liveByTask(CorpusTasks registry, uint256 taskCount) private view returns (uint256[] memory live) {
        live = new uint256[](taskCount + 1);
        uint256 count = registry.submissionCount();
        for (uint256 id = 1; id <= count; ++id) {
            ICorpusTasks.SubmissionView memory sub = registry.getSubmission(id);
            ICorpusTasks.Status s = sub.status;
            if (
                s != ICorpusTasks.Status.Accepted &&
                s != ICorpusTasks.Status.Rejected &&
                s != ICorpusTasks.Status.Voided
            ) {
                ++live[sub.taskId];
            }
        }
    }
}
