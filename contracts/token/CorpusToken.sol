// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ICorpusToken} from "../interfaces/ICorpusToken.sol";

/// @title CorpusToken (CRP)
/// @notice ERC-20 with EIP-2612 permit, ERC20Votes on a timestamp clock (ERC-6372), a hard cap of one
/// billion tokens and burning. Only {MINTER_ROLE} mints; governance (the timelock) administers every role.
/// @dev The deployer never holds a role: the admin is passed in and the initial allocation is minted
/// in the constructor, so there is nothing to renounce after deployment.
contract CorpusToken is ERC20, ERC20Burnable, ERC20Capped, ERC20Permit, ERC20Votes, AccessControl, ICorpusToken {
    /// @notice Role allowed to mint new supply (below the cap).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The hard cap on supply: 1,000,000,000 CRP with 18 decimals.
    uint256 public constant MAX_SUPPLY = 1_000_000_000e18;

    /// @notice Deploys the token, giving every role to governance and minting the initial allocation.
    /// @param governance The timelock: receives DEFAULT_ADMIN_ROLE and MINTER_ROLE, and holds the treasury.
    /// @param treasuryAllocation Tokens minted to the treasury (`governance`) at deployment, in wei.
    /// @param recipients Other initial allocation recipients.
    /// @param amounts Their amounts, in wei, matching `recipients` one to one.
    constructor(
        address governance,
        uint256 treasuryAllocation,
        address[] memory recipients,
        uint256[] memory amounts
    ) ERC20("Corpus", "CRP") ERC20Capped(MAX_SUPPLY) ERC20Permit("Corpus") {
        require(governance != address(0), CorpusTokenZeroAddress());
        require(
            recipients.length == amounts.length,
            CorpusTokenAllocationLengthMismatch(recipients.length, amounts.length)
        );
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(MINTER_ROLE, governance);
        _mint(governance, treasuryAllocation);
        // Bounded by the constructor's calldata, not by user-growable state; the cap bounds the sum.
        for (uint256 i; i < recipients.length; ++i) {
            _mint(recipients[i], amounts[i]);
        }
    }

    // ─── Governance ─────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    // ─── Holders ────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusToken
    function burn(uint256 amount) public override(ICorpusToken, ERC20Burnable) {
        super.burn(amount);
    }

    // ─── Views ──────────────────────────────────────────────────────────────

    /// @inheritdoc ICorpusToken
    function cap() public view override(ICorpusToken, ERC20Capped) returns (uint256) {
        return super.cap();
    }

    /// @notice Votes are checkpointed by timestamp so governance periods read in seconds (ERC-6372).
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable func-name-mixedcase
    /// @notice Machine-readable description of the clock (ERC-6372).
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }
    // solhint-enable func-name-mixedcase

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    // ─── Internal ───────────────────────────────────────────────────────────

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped, ERC20Votes) {
        super._update(from, to, value);
    }
}
