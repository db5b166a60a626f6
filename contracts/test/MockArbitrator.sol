// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";

/// @title MockArbitrator
/// @notice Test-only arbitrator: charges a fixed fee, records disputes and rules when the test says so.
contract MockArbitrator is IArbitrator {
    using SafeERC20 for IERC20;

    /// @notice A dispute as the test sees it.
    struct Dispute {
        IArbitrable arbitrable;
        bool funded;
        address party;
        uint256 choices;
        bytes extraData;
    }

    IERC20 private immutable _FEE_TOKEN;
    /// @notice The fee {createDispute} pulls.
    uint256 public fee;
    /// @notice How many fee units were pulled less than asked (to test an arbitrator that pulls less).
    uint256 public pullShortBy;
    /// @notice Every dispute, by id (ids start at 0).
    Dispute[] private _disputes;
    /// @dev When set, the next dispute gets this id again (a faulty arbitrator), without a new record.
    uint256 private _reusedId;
    bool private _reuseNext;

    /// @notice A test arbitrator charging `fee_` of `feeToken_`.
    /// @param feeToken_ The fee token.
    /// @param fee_ The fee.
    constructor(IERC20 feeToken_, uint256 fee_) {
        _FEE_TOKEN = feeToken_;
        fee = fee_;
    }

    /// @notice Sets the fee.
    /// @param fee_ The fee.
    function setFee(uint256 fee_) external {
        fee = fee_;
    }

    /// @notice Makes {createDispute} pull `amount` less than the fee.
    /// @param amount Wei.
    function setPullShortBy(uint256 amount) external {
        pullShortBy = amount;
    }

    /// @notice Makes the next dispute reuse `disputeId`, as a faulty or redeployed arbitrator might.
    /// @param disputeId An id already handed out.
    function reuseIdNext(uint256 disputeId) external {
        _reusedId = disputeId;
        _reuseNext = true;
    }

    /// @inheritdoc IArbitrator
    function feeToken() external view returns (IERC20) {
        return _FEE_TOKEN;
    }

    /// @inheritdoc IArbitrator
    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return fee;
    }

    /// @inheritdoc IArbitrator
    function createDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external returns (uint256 disputeId) {
        if (fee != 0) _FEE_TOKEN.safeTransferFrom(msg.sender, address(this), fee - pullShortBy);
        return _create(choices, extraData, true, party);
    }

    /// @inheritdoc IArbitrator
    function createUnfundedDispute(
        uint256 choices,
        bytes calldata extraData,
        address party
    ) external returns (uint256 disputeId) {
        return _create(choices, extraData, false, party);
    }

    /// @notice Delivers `ruling` for `disputeId` to its arbitrable contract.
    /// @param disputeId The dispute.
    /// @param ruling The ruling.
    function giveRuling(uint256 disputeId, uint256 ruling) external {
        _disputes[disputeId].arbitrable.rule(disputeId, ruling);
    }

    /// @notice One dispute.
    /// @param disputeId The dispute.
    /// @return dispute Its record.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory dispute) {
        return _disputes[disputeId];
    }

    function _create(
        uint256 choices,
        bytes calldata extraData,
        bool funded,
        address party
    ) private returns (uint256 disputeId) {
        if (_reuseNext) {
            _reuseNext = false;
            return _reusedId;
        }
        disputeId = _disputes.length;
        _disputes.push(Dispute(IArbitrable(msg.sender), funded, party, choices, extraData));
        emit DisputeCreation(disputeId, IArbitrable(msg.sender));
    }
}
