// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CorpusData} from "../../contracts/data/CorpusData.sol";
import {CorpusDisputes} from "../../contracts/disputes/CorpusDisputes.sol";
import {CorpusStaking} from "../../contracts/staking/CorpusStaking.sol";
import {CorpusTasks} from "../../contracts/tasks/CorpusTasks.sol";
import {ICorpusDisputes} from "../../contracts/interfaces/ICorpusDisputes.sol";
import {ICorpusTasks} from "../../contracts/interfaces/ICorpusTasks.sol";
import {ProtocolHandler} from "./ProtocolHandler.sol";

// Invariants assert with require strings (forge reports them) and are named invariant_* (forge finds them so).
/* solhint-disable func-name-mixedcase, gas-custom-errors, reason-string, gas-small-strings */

/*
 * Whole-protocol invariants (issue #9): CRP, staking, dispute resolution (the registry's real arbitrator), the
 * task registry and the Data NFT, wired as deploy/modules/Corpus.ts wires them, with a second allowlisted
 * ERC-20, driven at random by requesters, workers, validators (also jurors), licensees, the guardian and
 * governance through {ProtocolHandler}. `npm run test:invariants` runs it with the `ci` profile (1,000 runs
 * of 100 calls, pinned seed); `npm run test:invariants:long` with the `long` profile (10,000 runs of 200).
 *
 * Dust after the drain ({afterInvariant}). Once time has passed every window, every dispute is executed and
 * every round settled, every submission final, every task refunded and swept, and every account, contributor,
 * owner and validator has withdrawn, claimed and unstaked everything:
 *  - the task registry holds 0 of each token: a panel's fee rounding dust (or the whole fee, with no coherent
 *    member) goes back to its task's escrow, then to the requester by refund; protocol fees are swept per
 *    accepted submission as they were reserved; slashes pay their reward share straight to the winner or the
 *    treasury, never through the registry;
 *  - dispute resolution holds 0 CRP: a round's rounding dust is credited to its first coherent juror, a round
 *    without a coherent juror or without a jury is refunded to its payer, slash rewards are credited at once;
 *  - staking holds 0 CRP: every lock was released by its settlement, every stake thawed and withdrawn;
 *  - the Data NFT holds, after every claim, owner withdrawal and fee sweep, exactly the sum of its pool carries
 *    (per pool and payment token less than the pool's contributor units, in wei: what does not divide into
 *    whole wei per unit yet); once those are swept with `sweepPoolCarry` and the protocol fees swept again, 0.
 * So the only dust the protocol ever keeps is the Data NFT's pool carries, fewer wei per pool than its units,
 * until someone sweeps them to the treasury; nothing else stays behind, in any contract or token.
 */

/// @title ProtocolInvariants
/// @notice Money, stake, delivery and payout invariants of the whole protocol under random use through
/// {ProtocolHandler}, the only target contract, asserted together in {invariant_protocol} after every call,
/// and a full drain after every run ({afterInvariant}).
contract ProtocolInvariants {
    /// @dev The shape forge reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @dev How many selector entries each lifecycle driver gets (forge picks among entries uniformly).
    uint256 internal constant TASK_WEIGHT = 22;
    uint256 internal constant DISPUTE_WEIGHT = 16;
    uint256 internal constant DATA_WEIGHT = 12;

    ProtocolHandler internal handler;
    // Cached at setUp: every read in the invariant is an external call, and there is one after every call.
    CorpusTasks internal registry;
    CorpusDisputes internal disputes;
    CorpusData internal data;
    CorpusStaking internal staking;
    IERC20[2] internal tokens;
    address[12] internal validators;
    address[3] internal contributors;
    address[2] internal owners;
    /// @dev Everyone who can hold a registry or dispute balance: validators, requesters, workers.
    address[] internal holders;
    /// @dev Every account any token can be in (the four contracts aside).
    address[] internal accounts;
    uint256 internal reviewStake;
    uint256 internal minimumStake;

    /// @notice Deploys the handler, which deploys the protocol.
    function setUp() public {
        handler = new ProtocolHandler();
        registry = handler.REGISTRY();
        disputes = handler.DISPUTES();
        data = handler.DATA();
        staking = handler.STAKING();
        tokens = [IERC20(address(handler.CRP())), IERC20(address(handler.BLK()))];
        validators = handler.validators();
        contributors = handler.workers();
        owners = handler.requesters();
        accounts = handler.accounts();
        for (uint256 i; i < validators.length; ++i) holders.push(validators[i]);
        holders.push(owners[0]);
        holders.push(owners[1]);
        holders.push(contributors[0]);
        holders.push(contributors[1]);
        reviewStake = handler.REVIEW_STAKE();
        minimumStake = handler.MINIMUM_STAKE();
    }

    /// @notice Read by forge: only the handler is fuzzed.
    /// @return targets The handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Read by forge: every action once, and the three lifecycle drivers many times, so that runs of
    /// 100 calls carry tasks through review, disputes through juries and appeals, and finished tasks into
    /// data tokens that sell, while every single action still gets its share of random calls. {drain} and
    /// {summary} are not among them.
    /// @return targets The handler's selectors.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[31] memory actions = [
            ProtocolHandler.createTask.selector,
            ProtocolHandler.fundTask.selector,
            ProtocolHandler.cancelTask.selector,
            ProtocolHandler.refund.selector,
            ProtocolHandler.sweepTaskFees.selector,
            ProtocolHandler.submit.selector,
            ProtocolHandler.drawPanel.selector,
            ProtocolHandler.attest.selector,
            ProtocolHandler.closeRound.selector,
            ProtocolHandler.disputeVerdict.selector,
            ProtocolHandler.escalate.selector,
            ProtocolHandler.finalize.selector,
            ProtocolHandler.drawJury.selector,
            ProtocolHandler.commit.selector,
            ProtocolHandler.reveal.selector,
            ProtocolHandler.appeal.selector,
            ProtocolHandler.executeRuling.selector,
            ProtocolHandler.settleRound.selector,
            ProtocolHandler.mint.selector,
            ProtocolHandler.setLicense.selector,
            ProtocolHandler.buyLicense.selector,
            ProtocolHandler.claim.selector,
            ProtocolHandler.withdrawRegistry.selector,
            ProtocolHandler.withdrawDisputes.selector,
            ProtocolHandler.withdrawData.selector,
            ProtocolHandler.stake.selector,
            ProtocolHandler.thaw.selector,
            ProtocolHandler.withdrawStake.selector,
            ProtocolHandler.warp.selector,
            ProtocolHandler.pause.selector,
            ProtocolHandler.unpause.selector
        ];
        bytes4[] memory selectors = new bytes4[](actions.length + TASK_WEIGHT + DISPUTE_WEIGHT + DATA_WEIGHT);
        uint256 n;
        for (uint256 i; i < actions.length; ++i) selectors[n++] = actions[i];
        for (uint256 i; i < TASK_WEIGHT; ++i) selectors[n++] = ProtocolHandler.advanceTask.selector;
        for (uint256 i; i < DISPUTE_WEIGHT; ++i) selectors[n++] = ProtocolHandler.advanceDispute.selector;
        for (uint256 i; i < DATA_WEIGHT; ++i) selectors[n++] = ProtocolHandler.advanceData.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /// @notice Everything at once (one campaign): no action saw a broken promise (a payout, settlement,
    /// delivery or finalization twice, a withdrawal or claim paying other than owed, a sale split that does not
    /// add up to its price); the registry, dispute resolution, the Data NFT and staking each hold exactly what
    /// they owe of each token; every lock is exactly the live panels' and juries' seats and within its stake;
    /// the sortition tree's total is the active stake; executed disputes are exactly those delivered, once.
    /// Tasks, submissions and disputes that can no longer hold money or stake (the handler drops them from its
    /// live lists once they are done) are left out here to keep the check cheap; {afterInvariant} checks them all.
    function invariant_protocol() public view {
        _check(false);
    }

    /// @notice After every run: the handler drains the protocol ({ProtocolHandler.drain}); nothing may fail,
    /// every invariant holds over every task, submission and dispute, nothing is locked, staked or live, every
    /// token's supply is where it can be, and every contract holds no more than the documented dust (see the top
    /// of this file): the Data NFT held exactly its pool carries, and nothing once they were swept. Then the
    /// campaign's counters are logged.
    function afterInvariant() public {
        _check(true);
        _supplyIsAccountedFor();
        handler.drain();
        string memory failure = handler.drainFailure();
        require(bytes(failure).length == 0, failure);
        _check(true);
        _supplyIsAccountedFor();
        for (uint256 k; k < 2; ++k) {
            require(tokens[k].balanceOf(address(registry)) == 0, "drain: the registry kept tokens");
            require(tokens[k].balanceOf(address(data)) == 0, "drain: the Data NFT kept tokens");
            require(tokens[k].balanceOf(address(disputes)) == 0, "drain: dispute resolution kept tokens");
            require(tokens[k].balanceOf(address(staking)) == 0, "drain: staking kept tokens");
        }
        require(handler.liveSubmissions().length == 0, "drain: a submission is still live");
        require(staking.totalSelectionWeight() == 0, "drain: stake still weighs in the tree");
        handler.summary();
    }

    // ─── The parts ──────────────────────────────────────────────────────────

    function _check(bool all) internal view {
        string memory violation = handler.violation();
        require(bytes(violation).length == 0, violation);
        uint256[] memory expectedLocks = _registryHoldsWhatItOwes(all);
        _disputesHoldWhatTheyOwe(expectedLocks, all);
        _dataHoldsWhatItOwes();
        _stakingHoldsWhatItOwes(expectedLocks);
    }

    /// @dev Registry, per token: balance == Σ tasks (unreserved funds + unswept protocol fees + pending ×
    /// (reward + validator fee + protocol fee + worker bond)) + Σ withdrawable balances; per task pending +
    /// accepted <= slots and pending is its count of submissions not final. Returns, per validator, the review
    /// stake its seats on live panels lock (reviewing, provisional, or disputed / ruled after a verdict).
    function _registryHoldsWhatItOwes(bool all) internal view returns (uint256[] memory expectedLocks) {
        expectedLocks = new uint256[](12);
        uint256[] memory subs = all ? _upTo(registry.submissionCount()) : handler.liveSubmissions();
        uint256[] memory taskIds = all ? _upTo(registry.taskCount()) : handler.activeTasks();
        uint256[] memory liveTasks = new uint256[](subs.length);
        uint256 liveCount;
        for (uint256 i; i < subs.length; ++i) {
            ICorpusTasks.SubmissionView memory sub = registry.getSubmission(subs[i]);
            ICorpusTasks.Status s = sub.status;
            if (s == ICorpusTasks.Status.Accepted || s == ICorpusTasks.Status.Rejected) continue;
            if (s == ICorpusTasks.Status.Voided) continue;
            liveTasks[liveCount++] = sub.taskId;
            bool locked =
                s == ICorpusTasks.Status.Reviewing ||
                    s == ICorpusTasks.Status.Provisional ||
                    ((s == ICorpusTasks.Status.Disputed || s == ICorpusTasks.Status.Ruled) && sub.verdict != 0);
            if (!locked) continue;
            for (uint256 seat; seat < sub.panel.length; ++seat) expectedLocks[_index(sub.panel[seat])] += reviewStake;
        }
        uint256[2] memory owed;
        uint256 pendingTotal;
        for (uint256 i; i < taskIds.length; ++i) {
            ICorpusTasks.TaskView memory task = registry.getTask(taskIds[i]);
            require(task.pending + task.accepted <= task.slots, "registry: pending + accepted > slots");
            uint256 live;
            for (uint256 j; j < liveCount; ++j) if (liveTasks[j] == taskIds[i]) ++live;
            require(task.pending == live, "registry: pending != submissions not final");
            pendingTotal += task.pending;
            uint256 reservation = task.reward + task.validatorFee + task.protocolFee + task.workerBond;
            owed[task.token == tokens[0] ? 0 : 1] += task.funds + task.unsweptProtocolFees + task.pending * reservation;
        }
        require(pendingTotal == liveCount, "registry: a live submission's task is not active");
        for (uint256 k; k < 2; ++k) {
            for (uint256 i; i < holders.length; ++i) owed[k] += registry.balanceOf(tokens[k], holders[i]);
            require(tokens[k].balanceOf(address(registry)) == owed[k], "registry: held != owed");
        }
    }

    /// @dev Dispute resolution: CRP balance == Σ withdrawable balances + Σ fees of rounds not settled; the
    /// settled flags are the handler's (each round settled at most once); a dispute is Executed exactly when
    /// its ruling was delivered (once). Adds each drawn, unsettled round's juror lock to its jurors.
    function _disputesHoldWhatTheyOwe(uint256[] memory expectedLocks, bool all) internal view {
        (uint256[] memory ids, uint256[] memory delivered, uint256[] memory settledRounds, bool twice) = handler
            .disputeLedger(all);
        require(!twice, "disputes: a round was settled twice");
        uint256 owed;
        for (uint256 i; i < ids.length; ++i) {
            ICorpusDisputes.DisputeView memory d = disputes.getDispute(ids[i]);
            require(delivered[i] <= 1, "disputes: a ruling was delivered twice");
            require(
                (d.phase == ICorpusDisputes.Phase.Executed) == (delivered[i] == 1),
                "disputes: Executed != delivered"
            );
            require(settledRounds[i] >> (d.round + 1) == 0, "disputes: a round beyond the last was settled");
            for (uint256 round; round <= d.round; ++round) {
                ICorpusDisputes.RoundView memory r = disputes.getRound(ids[i], round);
                require(r.settled == ((settledRounds[i] >> round) & 1 == 1), "disputes: settled flag != settlements");
                if (r.settled) continue;
                owed += r.fee;
                if (!r.drawn) continue;
                for (uint256 j; j < r.jurors.length; ++j) expectedLocks[_index(r.jurors[j])] += r.jurorLock;
            }
        }
        for (uint256 i; i < holders.length; ++i) owed += disputes.balanceOf(holders[i]);
        require(tokens[0].balanceOf(address(disputes)) == owed, "disputes: held != balances + unsettled fees");
    }

    /// @dev Data NFT, per payment token: balance == owners' and treasury's revenue + Σ pools (what every
    /// contributor can claim + the carry); per pool, units × revenue per unit + carry + carry swept == what
    /// entered it (reference split of every sale), claimed + claimable == units × revenue per unit (no
    /// contributor is paid twice), and the carry is below the units.
    function _dataHoldsWhatItOwes() internal view {
        for (uint256 k; k < 2; ++k) {
            IERC20 token = tokens[k];
            (uint256[] memory units, uint256[] memory inflow, uint256[] memory paid, uint256[] memory swept) = handler
                .dataLedger(k);
            uint256 owed =
                data.revenueOf(token, owners[0]) +
                    data.revenueOf(token, owners[1]) +
                    data.revenueOf(token, address(handler));
            for (uint256 i; i < units.length; ++i) {
                uint256 tokenId = i + 1;
                uint256 carry = data.poolCarry(tokenId, token);
                uint256 accrued = units[i] * data.revenuePerUnit(tokenId, token);
                uint256 claimable;
                // Nothing accrued: no checkpoint can be above 0, nothing is claimable.
                if (accrued != 0) {
                    for (uint256 w; w < 3; ++w) claimable += data.claimable(tokenId, token, contributors[w]);
                }
                require(carry < units[i], "data: a pool carry reached its units");
                require(
                    accrued + carry + swept[i] == inflow[i],
                    "data: a pool holds other than the sales' contributor and parent shares"
                );
                require(paid[i] + claimable == accrued, "data: claimed + claimable != accrued");
                owed += claimable + carry;
            }
            require(token.balanceOf(address(data)) == owed, "data: held != revenue + pools + carries");
        }
    }

    /// @dev Staking: CRP balance == Σ (staked + thawing); each lock within its stake and exactly the review
    /// stake of its live panel seats plus the juror lock of its unsettled jury seats; each weight is the
    /// whole-CRP stake exactly when it meets the minimum; the tree's total is the sum of the weights.
    function _stakingHoldsWhatItOwes(uint256[] memory expectedLocks) internal view {
        uint256 held;
        uint256 weights;
        for (uint256 i; i < validators.length; ++i) {
            (uint256 staked, uint256 locked, uint256 thawing, , bool active) = staking.stakeOf(validators[i]);
            uint256 weight = staking.selectionWeight(validators[i]);
            require(locked <= staked, "staking: a lock exceeds its stake");
            require(locked == expectedLocks[i], "staking: a lock != its live panel and jury seats");
            require(active == (staked >= minimumStake), "staking: activity disagrees with the minimum stake");
            require(weight == (active ? staked / 1e18 : 0), "staking: a weight is not the whole-CRP active stake");
            held += staked + thawing;
            weights += weight;
        }
        require(tokens[0].balanceOf(address(staking)) == held, "staking: held != staked + thawing");
        require(staking.totalSelectionWeight() == weights, "staking: the tree's total != the active stake");
    }

    /// @dev Each token's supply is exactly what the accounts and the four contracts hold (slashes burn CRP).
    function _supplyIsAccountedFor() internal view {
        address[4] memory contracts = [address(registry), address(disputes), address(data), address(staking)];
        for (uint256 k; k < 2; ++k) {
            uint256 held;
            for (uint256 i; i < accounts.length; ++i) held += tokens[k].balanceOf(accounts[i]);
            for (uint256 i; i < contracts.length; ++i) held += tokens[k].balanceOf(contracts[i]);
            require(held == tokens[k].totalSupply(), "a token's supply is not where it can be");
        }
    }

    function _upTo(uint256 count) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](count);
        for (uint256 i; i < count; ++i) ids[i] = i + 1;
    }

    /// @dev A validator's index (validators are 0x1001 onwards).
    function _index(address validator) internal pure returns (uint256) {
        uint256 a = uint160(validator);
        require(a >= 0x1001 && a < 0x1001 + 12, "a panel member or juror is not a validator");
        return a - 0x1001;
    }
}
