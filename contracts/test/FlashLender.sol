// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title FlashLender
/// @notice Test-only ERC-3156 lender of one token, free of charge: it sends the tokens, calls the borrower back
/// within the same transaction and takes the tokens back, or the whole transaction reverts. Attack tests use it
/// to give an attacker a large balance for the length of one call.
contract FlashLender is IERC3156FlashLender {
    using SafeERC20 for IERC20;

    /// @notice What a borrower's {IERC3156FlashBorrower.onFlashLoan} returns to accept the loan.
    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice The token lent.
    IERC20 public immutable TOKEN;

    /// @notice The lender lends only {TOKEN}.
    /// @param token The token asked for.
    error FlashLenderUnsupportedToken(address token);
    /// @notice The borrower did not return {CALLBACK_SUCCESS}.
    error FlashLenderCallbackFailed();
    /// @notice The lender holds less after the loan than before.
    /// @param expected Its balance before the loan.
    /// @param actual Its balance after.
    error FlashLenderNotRepaid(uint256 expected, uint256 actual);

    /// @notice A loan was made and repaid.
    /// @param receiver The borrower.
    /// @param amount What it borrowed.
    event FlashLoan(address indexed receiver, uint256 amount);

    /// @notice A lender of `token`.
    /// @param token The token to lend (send it to this contract to fund it).
    constructor(IERC20 token) {
        TOKEN = token;
    }

    /// @inheritdoc IERC3156FlashLender
    function maxFlashLoan(address token) external view returns (uint256) {
        return token == address(TOKEN) ? TOKEN.balanceOf(address(this)) : 0;
    }

    /// @inheritdoc IERC3156FlashLender
    function flashFee(address token, uint256) external view returns (uint256) {
        require(token == address(TOKEN), FlashLenderUnsupportedToken(token));
        return 0;
    }

    /// @inheritdoc IERC3156FlashLender
    function flashLoan(
        IERC3156FlashBorrower receiver,
        address token,
        uint256 amount,
        bytes calldata data
    ) external returns (bool) {
        require(token == address(TOKEN), FlashLenderUnsupportedToken(token));
        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.safeTransfer(address(receiver), amount);
        require(
            receiver.onFlashLoan(msg.sender, token, amount, 0, data) == CALLBACK_SUCCESS,
            FlashLenderCallbackFailed()
        );
        TOKEN.safeTransferFrom(address(receiver), address(this), amount);
        uint256 afterLoan = TOKEN.balanceOf(address(this));
        require(afterLoan >= before, FlashLenderNotRepaid(before, afterLoan));
        emit FlashLoan(address(receiver), amount);
        return true;
    }
}
