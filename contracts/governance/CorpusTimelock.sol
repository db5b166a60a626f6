// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title CorpusTimelock
/// @notice Holds the treasury and every admin role and parameter of Corpus; executes what the DAO passed
/// after a minimum delay, so users can exit before a change they disagree with takes effect.
/// @dev OpenZeppelin's TimelockController with its minimum delay bounded: a zero delay would remove the
/// exit window and a huge one would freeze governance.
contract CorpusTimelock is TimelockController {
    /// @notice A minimum delay outside [{MIN_DELAY_FLOOR}, {MIN_DELAY_CEILING}].
    error CorpusTimelockDelayOutOfBounds(uint256 delay, uint256 min, uint256 max);

    /// @notice The shortest minimum delay governance may set.
    uint256 public constant MIN_DELAY_FLOOR = 1 days;
    /// @notice The longest minimum delay governance may set.
    uint256 public constant MIN_DELAY_CEILING = 30 days;

    /// @notice Deploys the timelock with a bounded minimum delay.
    /// @param minDelay Seconds every operation waits after it is queued (default 2 days).
    /// @param proposers Accounts that may queue and cancel (the governor).
    /// @param executors Accounts that may execute; `address(0)` lets anyone execute a ready operation.
    /// @param admin Optional temporary admin used to wire roles at deployment; renounced right after.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        _checkDelay(minDelay);
    }

    /// @notice Changes the minimum delay; only the timelock itself (that is, a passed proposal) may call it.
    /// @param newDelay Seconds, within [{MIN_DELAY_FLOOR}, {MIN_DELAY_CEILING}].
    function updateDelay(uint256 newDelay) public override {
        // Authorise before validating, so a stranger learns nothing and gets the timelock's own error.
        require(msg.sender == address(this), TimelockUnauthorizedCaller(msg.sender));
        _checkDelay(newDelay);
        super.updateDelay(newDelay);
    }

    function _checkDelay(uint256 delay) private pure {
        require(
            delay >= MIN_DELAY_FLOOR && delay <= MIN_DELAY_CEILING,
            CorpusTimelockDelayOutOfBounds(delay, MIN_DELAY_FLOOR, MIN_DELAY_CEILING)
        );
    }
}
