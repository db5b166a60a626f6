// SPDX-License-Identifier: MIT
// Test code: the token mock and the test contract belong together.
// solhint-disable one-contract-per-file
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IArbitrable} from "../../contracts/interfaces/IArbitrable.sol";
import {ICorpusData} from "../../contracts/interfaces/ICorpusData.sol";
import {ICorpusDisputes} from "../../contracts/interfaces/ICorpusDisputes.sol";
import {ICorpusStaking} from "../../contracts/interfaces/ICorpusStaking.sol";
import {ICorpusTasks} from "../../contracts/interfaces/ICorpusTasks.sol";
import {CorpusDeployment} from "./ProtocolHandler.sol";
import {Vm, VM_ADDRESS} from "./Vm.sol";

// Fuzz tests assert with require strings (forge reports them) and are named testFuzz_* (forge finds them so).
/* solhint-disable func-name-mixedcase, gas-custom-errors, reason-string, gas-small-strings, max-states-count */
/* solhint-disable const-name-snakecase, no-empty-blocks */

/// @title MintableToken
/// @notice A plain ERC-20 anyone may mint: amounts up to the protocol's own limits (2^96 wei and more) can be
/// paid without bumping into CRP's supply cap.
contract MintableToken is ERC20 {
    constructor() ERC20("Mintable", "MNT") {}

    /// @notice Mints `amount` to `to`.
    /// @param to The recipient.
    /// @param amount In wei.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @title ProtocolFuzz
/// @notice Fuzz tests of the protocol's arithmetic on amounts, shares and times, each against a reference
/// computed here, on the whole protocol deployed as {CorpusDeployment} deploys it (this contract is
/// governance): the registry's escrow and fees and what a reviewed submission pays; a licence sale's split and
/// the contributors' claims; staking's stake, thaw, withdraw and slash amounts and weights; dispute resolution's
/// periods, appeal costs and round settlements.
contract ProtocolFuzz is CorpusDeployment, IArbitrable {
    Vm private constant vm = Vm(VM_ADDRESS);

    uint256 internal constant VALIDATORS = 20;
    uint256 internal constant VALIDATOR_STAKE = 20_000e18;
    uint256 internal constant MAX_AMOUNT = type(uint96).max;
    address internal constant REQUESTER = address(0x2001);
    address internal constant LICENSEE = address(0x4001);
    address internal constant PARTY_A = address(0x5001);
    address internal constant PARTY_B = address(0x5002);
    address internal constant GUARDIAN = address(0x9001);

    Protocol internal p;
    MintableToken internal mnt;
    address[VALIDATORS] internal validators;
    address[3] internal workers = [address(0x3001), address(0x3002), address(0x3003)];
    /// @dev Data tokens minted in setUp to derive from: 1 and 2 contributor units.
    uint256[2] internal parentTokens;

    /// @notice Deploys the protocol, stakes twenty validators, funds the actors and mints two parent data
    /// tokens (from finished tasks with one and two accepted submissions).
    function setUp() public {
        p = _deployProtocol(GUARDIAN, keccak256("protocol fuzz"));
        mnt = new MintableToken();
        p.registry.setTokenAllowed(IERC20(address(mnt)), true);
        p.data.setTokenAllowed(IERC20(address(mnt)), true);
        p.staking.grantRole(p.staking.LOCKER_ROLE(), address(this));
        p.staking.grantRole(p.staking.SLASHER_ROLE(), address(this));
        p.disputes.setUnfundedAllowed(IArbitrable(address(this)), true);
        p.crp.approve(address(p.disputes), type(uint256).max);
        for (uint256 i; i < VALIDATORS; ++i) {
            address v = address(uint160(0x1001 + i));
            validators[i] = v;
            p.crp.transfer(v, VALIDATOR_STAKE);
            vm.startPrank(v);
            p.crp.approve(address(p.staking), type(uint256).max);
            p.staking.stake(VALIDATOR_STAKE);
            vm.stopPrank();
        }
        address[6] memory users = [REQUESTER, workers[0], workers[1], workers[2], LICENSEE, PARTY_A];
        for (uint256 i; i < users.length; ++i) {
            p.crp.transfer(users[i], 1_000_000e18);
            vm.startPrank(users[i]);
            p.crp.approve(address(p.registry), type(uint256).max);
            p.crp.approve(address(p.disputes), type(uint256).max);
            mnt.approve(address(p.registry), type(uint256).max);
            mnt.approve(address(p.data), type(uint256).max);
            vm.stopPrank();
        }
        // The parents need the staked validators and funded actors above: minted last.
        // solhint-disable-next-line reentrancy
        parentTokens[0] = _mintData(_finishedTask(1), new uint256[](0), 5_000, 0);
        // solhint-disable-next-line reentrancy
        parentTokens[1] = _mintData(_finishedTask(2), new uint256[](0), 5_000, 0);
    }

    /// @notice Dispute resolution calls this to deliver rulings of the disputes this contract opens.
    function rule(uint256, uint256) external {}

    // ─── Task registry ──────────────────────────────────────────────────────

    /// @notice For any reward (1 wei..2^96 − 1), slots (1..10,000) and fee rates within their bounds,
    /// `escrowFor` is `slots × (reward + ⌊reward × validatorBps / 10⁴⌋ + ⌊reward × protocolBps / 10⁴⌋)`, fits the
    /// task's 128-bit funds, and creating such a task takes exactly that and records the same per-submission fees.
    /// @param reward Bounded to 1..2^96 - 1.
    /// @param slots Bounded to 1..10,000.
    /// @param protocolBps Bounded to 0..1,000.
    /// @param validatorBps Bounded to 0..2,000.
    function testFuzz_escrowForMatchesReference(
        uint256 reward,
        uint256 slots,
        uint256 protocolBps,
        uint256 validatorBps
    ) public {
        reward = 1 + (reward % MAX_AMOUNT);
        slots = 1 + (slots % 10_000);
        protocolBps %= 1_001;
        validatorBps %= 2_001;
        p.registry.setParameter("protocolFeeBps", protocolBps);
        p.registry.setParameter("validatorFeeBps", validatorBps);
        uint256 validatorFee = (reward * validatorBps) / 10_000;
        uint256 protocolFee = (reward * protocolBps) / 10_000;
        uint256 expected = (reward + validatorFee + protocolFee) * slots;
        (uint256 escrow, uint256 vf, uint256 pf) = p.registry.escrowFor(reward, slots);
        require(vf == validatorFee, "validator fee != reference");
        require(pf == protocolFee, "protocol fee != reference");
        require(escrow == expected, "escrow != reference");
        require(escrow < 2 ** 128, "escrow does not fit the task's funds");

        mnt.mint(REQUESTER, escrow);
        uint256 taskId = _createTask(IERC20(address(mnt)), reward, slots, 0);
        ICorpusTasks.TaskView memory task = p.registry.getTask(taskId);
        require(mnt.balanceOf(address(p.registry)) == escrow, "createTask took another amount");
        require(mnt.balanceOf(REQUESTER) == 0, "createTask left the requester something");
        require(task.funds == escrow, "the task's funds != escrow");
        require(task.validatorFee == vf && task.protocolFee == pf, "the task records other fees");
    }

    /// @notice A submission reviewed by a one-member panel pays to the wei: accepted, the worker gets reward +
    /// bond, the validator the validator fee, the treasury the protocol fee; rejected, the validator gets the fee
    /// and the requester the bond plus, once the task is cancelled, reward and protocol fee back. After every
    /// withdrawal the registry holds nothing.
    /// @param reward Bounded to 1..2^96 - 1.
    /// @param bond Bounded to 0..2^96 - 1.
    /// @param protocolBps Bounded to 0..1,000.
    /// @param validatorBps Bounded to 0..2,000.
    /// @param accept The panel's verdict.
    function testFuzz_reviewedSubmissionPaysExactly(
        uint256 reward,
        uint256 bond,
        uint256 protocolBps,
        uint256 validatorBps,
        bool accept
    ) public {
        reward = 1 + (reward % MAX_AMOUNT);
        bond %= MAX_AMOUNT + 1;
        protocolBps %= 1_001;
        validatorBps %= 2_001;
        p.registry.setParameter("protocolFeeBps", protocolBps);
        p.registry.setParameter("validatorFeeBps", validatorBps);
        uint256 vf = (reward * validatorBps) / 10_000;
        uint256 pf = (reward * protocolBps) / 10_000;
        uint256 escrow = reward + vf + pf;
        IERC20 token = IERC20(address(mnt));
        mnt.mint(REQUESTER, escrow);
        mnt.mint(workers[0], bond);
        uint256 taskId = _createTask(token, reward, 1, bond);
        uint256 id = _submit(taskId, workers[0]);
        require(p.registry.getTask(taskId).funds == 0, "a submission reserved other than the escrow of a slot");
        address validator = _review(id, accept);
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        p.registry.finalize(id);

        if (accept) {
            require(p.registry.balanceOf(token, workers[0]) == reward + bond, "worker: != reward + bond");
            require(p.registry.getTask(taskId).unsweptProtocolFees == pf, "unswept fees != protocol fee");
            if (pf != 0) p.registry.sweepProtocolFees(taskId);
            require(mnt.balanceOf(address(this)) == pf, "treasury: != protocol fee");
            require(p.registry.balanceOf(token, REQUESTER) == 0, "requester credited after an accept");
        } else {
            require(p.registry.balanceOf(token, workers[0]) == 0, "worker credited after a reject");
            require(p.registry.balanceOf(token, REQUESTER) == bond, "requester: != bond");
            require(p.registry.getTask(taskId).funds == reward + pf, "released != reward + protocol fee");
            vm.prank(REQUESTER);
            p.registry.cancelTask(taskId);
            require(p.registry.balanceOf(token, REQUESTER) == bond + reward + pf, "requester: != bond + refund");
        }
        require(p.registry.balanceOf(token, validator) == vf, "validator: != validator fee");
        _withdrawAll(token, validator);
        require(mnt.balanceOf(address(p.registry)) == 0, "the registry kept dust");
        require(mnt.totalSupply() == escrow + bond, "tokens appeared or vanished");
    }

    // ─── Data NFT ───────────────────────────────────────────────────────────

    /// @notice For any price (0..2^96 − 1), protocol fee, contributor and parent shares, a token with 1..3
    /// contributor units and 0..2 parents: a sale credits the treasury ⌊price × fee / 10⁴⌋, the token's pool
    /// ⌊price × contributor / 10⁴⌋, its parents' pools ⌊price × parents / 10⁴⌋ (equally, the first taking the
    /// remainder) and the owner the rest, which adds up to the price to the wei; then its contributors claim
    /// exactly their units' share, and only the pool's carry (below its units) stays.
    /// @param price Bounded to 0..2^96 - 1.
    /// @param contributorBps Bounded to the floor..9,000.
    /// @param parentBps Bounded to what the contributor share leaves of 9,000 (0 without parents).
    /// @param protocolBps Bounded to 0..1,000.
    /// @param shape Picks the units (1..3) and the parents (0..2).
    function testFuzz_licenceSaleSplitsPriceExactly(
        uint256 price,
        uint256 contributorBps,
        uint256 parentBps,
        uint256 protocolBps,
        uint256 shape
    ) public {
        SaleCase memory c;
        c.price = price % (MAX_AMOUNT + 1);
        c.protocolBps = protocolBps % 1_001;
        p.data.setParameter("protocolFeeBps", c.protocolBps);
        c.units = 1 + (shape % 3);
        c.parents = new uint256[]((shape >> 8) % 3);
        for (uint256 i; i < c.parents.length; ++i) c.parents[i] = parentTokens[((shape >> 16) + i) % 2];
        c.contributorBps = CONTRIBUTOR_FLOOR_BPS + (contributorBps % 7_001);
        c.parentBps = c.parents.length == 0 ? 0 : parentBps % (9_001 - c.contributorBps);
        c.tokenId = _mintData(_finishedTask(c.units), c.parents, c.contributorBps, c.parentBps);
        _sell(c);
        _checkSplit(c);
        _checkClaims(c);
    }

    /// @dev A licence sale under test.
    struct SaleCase {
        uint256 price;
        uint256 protocolBps;
        uint256 contributorBps;
        uint256 parentBps;
        uint256 units;
        uint256 tokenId;
        uint256[] parents;
        uint256[] poolsBefore;
    }

    /// @dev The owner offers a licence at the price; the licensee buys it.
    function _sell(SaleCase memory c) internal {
        IERC20 token = IERC20(address(mnt));
        vm.prank(REQUESTER);
        p.data.setLicense(c.tokenId, ICorpusData.License(token, c.price, 30 days, keccak256("terms"), "ipfs://terms"));
        c.poolsBefore = new uint256[](c.parents.length);
        for (uint256 i; i < c.parents.length; ++i) c.poolsBefore[i] = _poolValue(c.parents[i], token);
        mnt.mint(LICENSEE, c.price);
        vm.prank(LICENSEE);
        p.data.buyLicense(c.tokenId, LICENSEE, ICorpusData.Quote(token, c.price, 30 days, keccak256("terms")));
    }

    function _checkSplit(SaleCase memory c) internal view {
        IERC20 token = IERC20(address(mnt));
        uint256 fee = (c.price * c.protocolBps) / 10_000;
        uint256 toContributors = (c.price * c.contributorBps) / 10_000;
        uint256 toParents = (c.price * c.parentBps) / 10_000;
        uint256 ownerShare = p.data.revenueOf(token, REQUESTER);
        require(p.data.revenueOf(token, address(this)) == fee, "treasury: != protocol fee");
        require(_poolValue(c.tokenId, token) == toContributors, "pool: != contributor share");
        require(ownerShare == c.price - fee - toContributors - toParents, "owner: != the rest");
        uint256 total = fee + toContributors + ownerShare;
        for (uint256 i; i < c.parents.length; ++i) {
            uint256 each = toParents / c.parents.length;
            uint256 expected = i == 0 ? toParents - each * (c.parents.length - 1) : each;
            uint256 grown = _poolValue(c.parents[i], token) - c.poolsBefore[i];
            require(grown == expected, "parent pool: != its share");
            total += grown;
        }
        require(total == c.price, "the split does not add up to the price");
        require(mnt.balanceOf(address(p.data)) == c.price, "the Data NFT received another amount");
    }

    /// @dev Every contributor (one unit each) claims exactly the revenue per unit; only the carry stays.
    function _checkClaims(SaleCase memory c) internal {
        IERC20 token = IERC20(address(mnt));
        uint256 paid;
        for (uint256 w; w < c.units; ++w) {
            uint256 owed = p.data.claimable(c.tokenId, token, workers[w]);
            require(owed == p.data.revenuePerUnit(c.tokenId, token), "a unit's claim != revenue per unit");
            if (owed == 0) continue;
            vm.prank(workers[w]);
            paid += p.data.claim(c.tokenId, token);
        }
        uint256 carry = p.data.poolCarry(c.tokenId, token);
        require(paid + carry == (c.price * c.contributorBps) / 10_000, "claims + carry != contributor share");
        require(carry < c.units, "the carry reached the units");
    }

    // ─── Staking ────────────────────────────────────────────────────────────

    /// @notice For any stake (1 wei..4×10⁸ CRP), thaw and second thaw amounts and wait: the weight is the
    /// whole-CRP stake exactly when it meets the minimum and the tree's total follows; a thaw moves exactly its
    /// amount from staked to thawing; a second thaw never brings the end earlier; withdrawing refuses before the
    /// end and pays exactly what thaws at it.
    /// @param amount Bounded to 1 wei..4 x 10^8 CRP.
    /// @param thawAmount Bounded to 1..the stake.
    /// @param secondThaw Bounded to 1..what is still staked.
    /// @param wait Bounded to below two unbonding periods.
    function testFuzz_stakeThawAndWithdrawAmounts(
        uint256 amount,
        uint256 thawAmount,
        uint256 secondThaw,
        uint256 wait
    ) public {
        address v = address(0x7777);
        amount = 1 + (amount % 400_000_000e18);
        p.crp.mint(v, amount);
        uint256 totalBefore = p.staking.totalSelectionWeight();
        vm.startPrank(v);
        p.crp.approve(address(p.staking), amount);
        p.staking.stake(amount);
        vm.stopPrank();
        _checkStake(v, amount, 0, totalBefore);

        thawAmount = 1 + (thawAmount % amount);
        vm.prank(v);
        p.staking.thaw(thawAmount);
        uint256 end = block.timestamp + UNBONDING_PERIOD;
        _checkStake(v, amount - thawAmount, thawAmount, totalBefore);
        (, , , uint256 thawEnd, ) = p.staking.stakeOf(v);
        require(thawEnd == end, "thaw end != now + unbonding period");

        vm.warp(block.timestamp + (wait % (2 * UNBONDING_PERIOD)));
        uint256 staked = amount - thawAmount;
        if (staked != 0) {
            secondThaw = 1 + (secondThaw % staked);
            vm.prank(v);
            p.staking.thaw(secondThaw);
            if (block.timestamp + UNBONDING_PERIOD > end) end = block.timestamp + UNBONDING_PERIOD;
            thawAmount += secondThaw;
            staked -= secondThaw;
            _checkStake(v, staked, thawAmount, totalBefore);
            (, , , thawEnd, ) = p.staking.stakeOf(v);
            require(thawEnd == end, "a second thaw moved the end other than to the later one");
        }
        if (block.timestamp < end) {
            vm.expectRevert(
                abi.encodeWithSelector(ICorpusStaking.StakingThawNotMature.selector, v, end, block.timestamp)
            );
            vm.prank(v);
            p.staking.withdraw();
            vm.warp(end);
        }
        vm.prank(v);
        p.staking.withdraw();
        require(p.crp.balanceOf(v) == thawAmount, "withdraw paid other than what thawed");
        _checkStake(v, staked, 0, totalBefore);
    }

    /// @dev One slash case: the stake before and what the reference says it takes from where.
    struct SlashCase {
        uint256 staked;
        uint256 locked;
        uint256 thawing;
        uint256 fromStaked;
        uint256 fromLocked;
        uint256 fromThawing;
        uint256 reward;
        uint256 supply;
        uint256 held;
    }

    /// @notice For any stake, lock, thaw, slash amount and reward share: a slash takes from the locked stake
    /// first, then the free stake, then the thawing stake, never more than there is; it pays the beneficiary
    /// ⌊slashed × share / 10⁴⌋, burns the rest, and the weights follow.
    /// @param amount Bounded to 2 wei..10^8 CRP.
    /// @param lockAmount Bounded to 1..the stake - 1.
    /// @param thawAmount Bounded to 1..the unlocked stake.
    /// @param slashAmount Bounded to 1..the stake + 1,000 CRP.
    /// @param rewardBps Bounded to 0..5,000.
    function testFuzz_slashTakesLockedThenFreeThenThawing(
        uint256 amount,
        uint256 lockAmount,
        uint256 thawAmount,
        uint256 slashAmount,
        uint256 rewardBps
    ) public {
        address v = address(0x7777);
        amount = 2 + (amount % 100_000_000e18);
        rewardBps %= 5_001;
        p.staking.setSlashRewardShare(rewardBps);
        p.crp.mint(v, amount);
        uint256 totalBefore = p.staking.totalSelectionWeight();
        vm.startPrank(v);
        p.crp.approve(address(p.staking), amount);
        p.staking.stake(amount);
        vm.stopPrank();
        SlashCase memory c;
        c.locked = 1 + (lockAmount % (amount - 1));
        p.staking.lock(v, c.locked);
        c.thawing = 1 + (thawAmount % (amount - c.locked));
        vm.prank(v);
        p.staking.thaw(c.thawing);
        c.staked = amount - c.thawing;
        slashAmount = 1 + (slashAmount % (amount + 1_000e18));

        c.fromStaked = slashAmount < c.staked ? slashAmount : c.staked;
        c.fromLocked = c.fromStaked < c.locked ? c.fromStaked : c.locked;
        uint256 left = slashAmount - c.fromStaked;
        c.fromThawing = left < c.thawing ? left : c.thawing;
        c.reward = ((c.fromStaked + c.fromThawing) * rewardBps) / 10_000;
        c.supply = p.crp.totalSupply();
        c.held = p.crp.balanceOf(address(p.staking));

        uint256 slashed = p.staking.slash(v, slashAmount, address(0x8888));
        require(slashed == c.fromStaked + c.fromThawing, "slashed != reference");
        (uint256 stakedAfter, uint256 locked, uint256 thawing, , ) = p.staking.stakeOf(v);
        require(stakedAfter == c.staked - c.fromStaked, "staked != reference");
        require(locked == c.locked - c.fromLocked, "locked != reference");
        require(thawing == c.thawing - c.fromThawing, "thawing != reference");
        require(locked <= stakedAfter, "a lock exceeds the stake");
        require(p.crp.balanceOf(address(0x8888)) == c.reward, "beneficiary: != reward share");
        require(c.supply - p.crp.totalSupply() == slashed - c.reward, "burned != slashed - reward");
        require(c.held - p.crp.balanceOf(address(p.staking)) == slashed, "staking released != slashed");
        _checkStake(v, stakedAfter, thawing, totalBefore);
    }

    // ─── Dispute resolution ─────────────────────────────────────────────────

    /// @notice For any fee per juror, jury size and periods within bounds, and any moment the jury is drawn:
    /// opening costs jurySize × fee; the first round's evidence ends `evidence` after opening and its jury can
    /// be drawn until `commit` later; once drawn, commit ends `commit` after the draw or the evidence end
    /// (the later), reveal `reveal` after that, appeal `appeal` after that, and the phases turn exactly at
    /// those seconds; an appeal costs (2n + 1) × fee for a jury of 2n + 1, the next one (2(2n + 1) + 1) × fee;
    /// an appeal round never drawn lets the earlier ruling stand, final after its draw deadline.
    /// @param fee Bounded to 0..10,000 CRP per juror.
    /// @param jurySeed Picks the jury: 3, 5 or 7.
    /// @param periodSeed Picks the four periods, each 1 hour..7 days.
    /// @param drawDelay Bounded to the draw window.
    /// @param drawAppeal Whether the appeal round's jury is drawn.
    function testFuzz_disputePeriodsAndAppealCosts(
        uint256 fee,
        uint256 jurySeed,
        uint256 periodSeed,
        uint256 drawDelay,
        bool drawAppeal
    ) public {
        fee %= 10_000e18 + 1;
        uint256 jury = 3 + 2 * (jurySeed % 3);
        uint256[4] memory periods;
        for (uint256 i; i < 4; ++i) periods[i] = 1 hours + ((periodSeed >> (64 * i)) % (7 days - 1 hours + 1));
        p.disputes.setParameter("feePerJuror", fee);
        p.disputes.setParameter("jurySize", jury);
        p.disputes.setParameter("evidencePeriod", periods[0]);
        p.disputes.setParameter("commitPeriod", periods[1]);
        p.disputes.setParameter("revealPeriod", periods[2]);
        p.disputes.setParameter("appealPeriod", periods[3]);
        require(p.disputes.arbitrationCost("") == jury * fee, "arbitration cost != jury x fee");

        uint256 opened = block.timestamp;
        uint256 id = _openDispute();
        ICorpusDisputes.RoundView memory r = p.disputes.getRound(id, 0);
        require(r.fee == jury * fee && r.payer == PARTY_A && r.jurySize == jury, "round 0 records other terms");
        require(r.evidenceEnd == opened + periods[0], "evidence end != opening + evidence period");
        require(r.commitEnd == opened + periods[0] + periods[1], "draw deadline != evidence end + commit period");

        vm.warp(opened + (drawDelay % (periods[0] + periods[1] + 1)));
        uint256 drawnAt = block.timestamp;
        p.disputes.drawJury(id, _parties());
        r = p.disputes.getRound(id, 0);
        uint256 commitEnd = (drawnAt > r.evidenceEnd ? drawnAt : r.evidenceEnd) + periods[1];
        require(r.commitEnd == commitEnd, "commit end != max(draw, evidence end) + commit period");
        require(r.revealEnd == commitEnd + periods[2], "reveal end != commit end + reveal period");
        require(r.appealEnd == commitEnd + periods[2] + periods[3], "appeal end != reveal end + appeal period");
        _checkPhases(id, r);

        vm.warp(r.revealEnd + 1);
        require(p.disputes.appealCost(id) == (2 * jury + 1) * fee, "appeal cost != (2n + 1) x fee");
        uint256 paidBefore = p.crp.balanceOf(PARTY_A);
        vm.prank(PARTY_A);
        p.disputes.appeal(id);
        require(paidBefore - p.crp.balanceOf(PARTY_A) == (2 * jury + 1) * fee, "the appellant paid another amount");
        uint256 appealed = block.timestamp;
        r = p.disputes.getRound(id, 1);
        require(r.jurySize == 2 * jury + 1 && r.fee == (2 * jury + 1) * fee, "round 1 records other terms");
        require(r.evidenceEnd == appealed + periods[0], "round 1 evidence end != appeal + evidence period");
        require(r.commitEnd == appealed + periods[0] + periods[1], "round 1 draw deadline != reference");
        require(p.disputes.appealCost(id) == (2 * (2 * jury + 1) + 1) * fee, "second appeal cost != reference");

        if (drawAppeal) {
            vm.warp(r.evidenceEnd);
            p.disputes.drawJury(id, _parties());
            r = p.disputes.getRound(id, 1);
            require(r.jurors.length == 2 * jury + 1, "round 1 drew another jury size");
            require(r.commitEnd == r.evidenceEnd + periods[1], "round 1 commit end != reference");
            _checkPhases(id, r);
        } else {
            vm.warp(r.commitEnd);
            require(
                p.disputes.getDispute(id).phase == ICorpusDisputes.Phase.Drawing,
                "undrawn: not drawing at deadline"
            );
            vm.warp(r.commitEnd + 1);
            (uint256 ruling, bool isFinal) = p.disputes.currentRuling(id);
            require(isFinal && ruling == 0, "an undrawn appeal round did not leave the earlier ruling final");
        }
    }

    /// @notice For any fee and slash shares and any jury behaviour (each of three jurors silent, committed
    /// only, or revealing 1 or 2): settling the round slashes each juror exactly its share of the lock (non-reveal
    /// or incoherence), and credits the pot (fee + staking's reward share of every slash) in equal shares to the
    /// coherent jurors (the first also the rounding dust), or back to the payer when none is coherent.
    /// @param fee Bounded to 0..10,000 CRP per juror.
    /// @param behaviour Picks each juror's behaviour.
    /// @param slashSeed Picks the non-reveal and incoherence shares.
    function testFuzz_roundSettlementSplitsThePot(uint256 fee, uint256 behaviour, uint256 slashSeed) public {
        fee %= 10_000e18 + 1;
        uint256 nonReveal = slashSeed % 10_001;
        uint256 incoherent = (slashSeed >> 32) % (nonReveal + 1);
        p.disputes.setParameter("feePerJuror", fee);
        // The incoherence share may never exceed the non-reveal share: lower it first.
        p.disputes.setParameter("incoherentSlashBps", 0);
        p.disputes.setParameter("nonRevealSlashBps", nonReveal);
        p.disputes.setParameter("incoherentSlashBps", incoherent);
        uint256 id = _openDispute();
        vm.warp(block.timestamp + PERIOD + 1);
        p.disputes.drawJury(id, _parties());
        ICorpusDisputes.RoundView memory r = p.disputes.getRound(id, 0);
        uint256[3] memory acts;
        for (uint256 i; i < 3; ++i) {
            acts[i] = (behaviour >> (8 * i)) % 4; // 0 silent, 1 commits only, 2 reveals 1, 3 reveals 2
            if (acts[i] == 0) continue;
            bytes32 commitment = p.disputes.commitmentOf(id, 0, r.jurors[i], acts[i] == 3 ? 2 : 1, "salt");
            vm.prank(r.jurors[i]);
            p.disputes.commitVote(id, commitment);
        }
        vm.warp(r.commitEnd + 1);
        for (uint256 i; i < 3; ++i) {
            if (acts[i] < 2) continue;
            vm.prank(r.jurors[i]);
            p.disputes.revealVote(id, acts[i] - 1, "salt");
        }
        vm.warp(r.appealEnd + 1);
        (uint256 ruling, bool isFinal) = p.disputes.currentRuling(id);
        require(isFinal, "not final after the appeal period");

        uint256[3] memory stakes;
        for (uint256 i; i < 3; ++i) stakes[i] = _stakeOf(r.jurors[i]);
        p.disputes.settleRound(id, 0);

        uint256 pot = r.fee;
        uint256 coherent;
        for (uint256 i; i < 3; ++i) {
            uint256 slash;
            if (acts[i] < 2) slash = (JUROR_LOCK * nonReveal) / 10_000;
            else if (ruling == 0 || acts[i] - 1 == ruling) ++coherent;
            else slash = (JUROR_LOCK * incoherent) / 10_000;
            require(stakes[i] - _stakeOf(r.jurors[i]) == slash, "a juror lost other than its share of the lock");
            pot += (slash * SLASH_REWARD_BPS) / 10_000;
        }
        uint256 dust = coherent == 0 ? 0 : pot - (pot / coherent) * coherent;
        for (uint256 i; i < 3; ++i) {
            bool isCoherent = acts[i] >= 2 && (ruling == 0 || acts[i] - 1 == ruling);
            uint256 expected = isCoherent ? pot / coherent + dust : 0;
            if (isCoherent) dust = 0;
            require(p.disputes.balanceOf(r.jurors[i]) == expected, "a juror was credited other than its share");
        }
        require(p.disputes.balanceOf(PARTY_A) == (coherent == 0 ? pot : 0), "the payer's refund != the pot");
        require(p.crp.balanceOf(address(p.disputes)) == pot, "dispute resolution holds other than the pot");
    }

    // ─── Helpers ────────────────────────────────────────────────────────────

    function _createTask(IERC20 token, uint256 reward, uint256 slots, uint256 bond) internal returns (uint256) {
        ICorpusTasks.TaskParams memory params = ICorpusTasks.TaskParams({
            token: token,
            reward: reward,
            slots: slots,
            deadline: block.timestamp + 7 days,
            reviewWindow: 1 hours,
            panelSize: 1,
            quorum: 1,
            workerBond: bond,
            kind: 0,
            specUri: "ipfs://spec",
            specHash: keccak256(abi.encode("spec", block.timestamp, reward))
        });
        vm.prank(REQUESTER);
        return p.registry.createTask(params);
    }

    function _submit(uint256 taskId, address worker) internal returns (uint256) {
        vm.prank(worker);
        return p.registry.submit(taskId, keccak256(abi.encode(taskId, worker)), "ipfs://work");
    }

    /// @dev Draws the one-member panel of `id` and has it attest; returns the member.
    function _review(uint256 id, bool accept) internal returns (address validator) {
        p.registry.drawPanel(id);
        validator = p.registry.getSubmission(id).panel[0];
        vm.prank(validator);
        p.registry.attest(id, 0, accept, bytes32(0));
    }

    /// @dev A CRP task of the requester with `units` slots, each accepted (so the task is finished).
    function _finishedTask(uint256 units) internal returns (uint256 taskId) {
        taskId = _createTask(IERC20(address(p.crp)), 10e18, units, 0);
        uint256[] memory ids = new uint256[](units);
        for (uint256 i; i < units; ++i) {
            ids[i] = _submit(taskId, workers[i]);
            _review(ids[i], true);
        }
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        for (uint256 i; i < units; ++i) p.registry.finalize(ids[i]);
    }

    function _mintData(
        uint256 taskId,
        uint256[] memory parents,
        uint256 contributorBps,
        uint256 parentBps
    ) internal returns (uint256) {
        uint256[] memory taskIds = new uint256[](1);
        taskIds[0] = taskId;
        ICorpusData.MintParams memory params = ICorpusData.MintParams({
            taskIds: taskIds,
            parents: parents,
            contentHash: keccak256(abi.encode("data", taskId)),
            metadataUri: "ipfs://data",
            contributorShareBps: contributorBps,
            parentShareBps: parentBps,
            license: ICorpusData.License(IERC20(address(mnt)), 0, 30 days, keccak256("terms"), "ipfs://terms")
        });
        vm.prank(REQUESTER);
        return p.data.mint(params);
    }

    /// @dev A pool's whole value: units × revenue per unit + carry.
    function _poolValue(uint256 tokenId, IERC20 token) internal view returns (uint256) {
        return
            p.data.getData(tokenId).totalUnits * p.data.revenuePerUnit(tokenId, token) +
            p.data.poolCarry(tokenId, token);
    }

    function _withdrawAll(IERC20 token, address validator) internal {
        address[3] memory accounts = [REQUESTER, workers[0], validator];
        for (uint256 i; i < accounts.length; ++i) {
            if (p.registry.balanceOf(token, accounts[i]) == 0) continue;
            vm.prank(accounts[i]);
            p.registry.withdraw(token);
        }
    }

    function _checkStake(address v, uint256 staked, uint256 thawing, uint256 totalBefore) internal view {
        (uint256 s, uint256 locked, uint256 t, , bool active) = p.staking.stakeOf(v);
        uint256 weight = staked >= MINIMUM_STAKE ? staked / 1e18 : 0;
        require(s == staked && t == thawing, "stake or thawing != reference");
        require(locked <= s, "a lock exceeds the stake");
        require(active == (weight != 0), "activity != reference");
        require(p.staking.selectionWeight(v) == weight, "weight != whole-CRP stake above the minimum");
        require(p.staking.totalSelectionWeight() == totalBefore + weight, "the tree's total != reference");
    }

    function _stakeOf(address v) internal view returns (uint256) {
        (uint256 staked, , uint256 thawing, , ) = p.staking.stakeOf(v);
        return staked + thawing;
    }

    /// @dev Opens a dispute with this contract as arbitrable on behalf of party A, paying the fee (or, with a
    /// zero fee, as an allowed arbitrable).
    function _openDispute() internal returns (uint256) {
        return p.disputes.createDispute(2, abi.encode(_parties()), PARTY_A);
    }

    function _parties() internal pure returns (address[] memory parties) {
        parties = new address[](2);
        (parties[0], parties[1]) = (PARTY_A, PARTY_B);
    }

    /// @dev Each phase of a drawn round begins and ends at exactly the second its times say.
    function _checkPhases(uint256 id, ICorpusDisputes.RoundView memory r) internal {
        ICorpusDisputes.Phase[5] memory expected = [
            ICorpusDisputes.Phase.Commit,
            ICorpusDisputes.Phase.Reveal,
            ICorpusDisputes.Phase.Reveal,
            ICorpusDisputes.Phase.Appeal,
            ICorpusDisputes.Phase.Appeal
        ];
        uint256[5] memory at = [r.commitEnd, r.commitEnd + 1, r.revealEnd, r.revealEnd + 1, r.appealEnd];
        uint256 back = block.timestamp;
        if (r.evidenceEnd >= block.timestamp) {
            vm.warp(r.evidenceEnd);
            require(p.disputes.getDispute(id).phase == ICorpusDisputes.Phase.Evidence, "not in evidence at its end");
        }
        vm.warp(r.evidenceEnd + 1 > block.timestamp ? r.evidenceEnd + 1 : block.timestamp);
        require(p.disputes.getDispute(id).phase == ICorpusDisputes.Phase.Commit, "not in commit after evidence");
        for (uint256 i; i < at.length; ++i) {
            vm.warp(at[i]);
            require(p.disputes.getDispute(id).phase == expected[i], "a phase turned at another second");
            (, bool isFinal) = p.disputes.currentRuling(id);
            require(!isFinal, "final before the appeal period ended");
        }
        vm.warp(r.appealEnd + 1);
        (, bool finalNow) = p.disputes.currentRuling(id);
        require(finalNow || r.appealEnd == r.revealEnd, "not final after the appeal period");
        vm.warp(back);
    }
}
