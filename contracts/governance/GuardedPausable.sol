// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @title GuardedPausable
/// @notice The pause every Corpus contract that holds user funds shares: a guardian may pause at once, only
/// governance (DEFAULT_ADMIN_ROLE, the timelock) unpauses. Pausing stops new money coming in; the
/// contracts keep every way out (withdrawals, claims, finalization) open while paused.
abstract contract GuardedPausable is AccessControl, Pausable {
    /// @notice Role that may pause (a fast-acting multisig); it can never unpause or move funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Gives governance the admin role and, if set, the guardian the pause.
    /// @param governance Receives DEFAULT_ADMIN_ROLE (the timelock).
    /// @param guardian Receives GUARDIAN_ROLE; may be zero to start without a guardian.
    constructor(address governance, address guardian) {
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    /// @notice Stops new deposits into this contract until governance unpauses.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes normal operation; governance only.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }
}
