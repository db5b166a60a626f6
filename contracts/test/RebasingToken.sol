// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title RebasingToken
/// @notice Test-only ERC-20 whose balances all scale together, as a rebasing token's (stETH, AMPL) do: holders
/// own shares, a balance is `shares × factorBps / 10,000`, and the test moves the factor with {rebase} (up: a
/// positive rebase, every balance grows; down: a negative one, every balance shrinks) without any transfer.
/// @dev A transfer of `amount` moves `amount × 10,000 / factorBps` shares, rounded down as stETH rounds, so once
/// the factor is not 10,000 a recipient can receive a wei less than the amount sent. Allowances are in tokens.
contract RebasingToken is IERC20, IERC20Metadata, IERC20Errors {
    /// @notice The factor's unit: at 10,000 a share is worth one token wei.
    uint256 public constant BPS = 10_000;

    /// @notice A rebase factor of zero would erase every balance.
    error RebasingZeroFactor();

    /// @notice Every balance was rescaled.
    /// @param oldFactorBps The factor before.
    /// @param newFactorBps The factor after.
    event Rebased(uint256 oldFactorBps, uint256 newFactorBps);

    /// @notice What a share is worth, in basis points of a token wei.
    uint256 public factorBps = BPS;
    /// @notice All shares.
    uint256 public totalShares;
    /// @notice Each holder's shares.
    mapping(address account => uint256) public sharesOf;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;

    /// @notice Mints `supply` (as shares at the initial factor) to the deployer.
    /// @param supply Initial supply.
    constructor(uint256 supply) {
        totalShares = supply;
        sharesOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    /// @notice Rescales every balance: `newFactorBps` above 10,000 is a positive rebase, below a negative one.
    /// @param newFactorBps The new factor.
    function rebase(uint256 newFactorBps) external {
        require(newFactorBps != 0, RebasingZeroFactor());
        emit Rebased(factorBps, newFactorBps);
        factorBps = newFactorBps;
    }

    /// @inheritdoc IERC20
    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 amount) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert ERC20InsufficientAllowance(msg.sender, allowed, amount);
            _allowances[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    /// @inheritdoc IERC20Metadata
    function name() external pure returns (string memory) {
        return "Rebasing";
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external pure returns (string memory) {
        return "REB";
    }

    /// @inheritdoc IERC20Metadata
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return (totalShares * factorBps) / BPS;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) public view returns (uint256) {
        return (sharesOf[account] * factorBps) / BPS;
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @notice The shares a transfer of `amount` moves at the current factor (rounded down).
    /// @param amount Token wei.
    /// @return Shares.
    function sharesFor(uint256 amount) public view returns (uint256) {
        return (amount * BPS) / factorBps;
    }

    function _transfer(address from, address to, uint256 amount) private {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 shares = sharesFor(amount);
        uint256 held = sharesOf[from];
        if (held < shares) revert ERC20InsufficientBalance(from, balanceOf(from), amount);
        // Safe: shares <= held.
        unchecked {
            sharesOf[from] = held - shares;
        }
        sharesOf[to] += shares;
        emit Transfer(from, to, amount);
    }
}
