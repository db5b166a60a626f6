// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {ICorpusDisputes} from "../interfaces/ICorpusDisputes.sol";

/// @title HostileArbitrable
/// @notice Test-only arbitrable contract whose ruling callback misbehaves on demand: it reverts, burns all
/// its gas, returns a return-data bomb, or re-enters the arbitrator; or it records the ruling.
contract HostileArbitrable is IArbitrable {
    /// @notice How {rule} behaves.
    enum Mode {
        Record,
        Revert,
        BurnGas,
        ReturnBomb,
        Reenter
    }

    /// @notice The callback was told to fail.
    error HostileRefused();

    /// @notice The current behaviour.
    Mode public mode;
    /// @notice Rulings received, by dispute id (+1, so 0 means none).
    mapping(uint256 disputeId => uint256 rulingPlusOne) public received;
    /// @notice How many times {rule} succeeded.
    uint256 public calls;

    /// @notice Sets how {rule} behaves.
    /// @param newMode The behaviour.
    function setMode(Mode newMode) external {
        mode = newMode;
    }

    /// @notice Opens a funded dispute on `arbitrator` with this contract as arbitrable, paying the fee from
    /// this contract's CRP.
    /// @param arbitrator The arbitrator.
    /// @param extraData The parties then the excluded addresses, abi-encoded.
    /// @param party The party that pays.
    /// @return disputeId The new dispute.
    function open(IArbitrator arbitrator, bytes calldata extraData, address party) external returns (uint256) {
        IERC20 token = arbitrator.feeToken();
        token.approve(address(arbitrator), arbitrator.arbitrationCost(extraData));
        return arbitrator.createDispute(2, extraData, party);
    }

    /// @notice Opens an unfunded dispute (the arbitrator must allow this contract).
    /// @param arbitrator The arbitrator.
    /// @param extraData The parties then the excluded addresses, abi-encoded.
    /// @param party The party that asked.
    /// @return disputeId The new dispute.
    function openUnfunded(IArbitrator arbitrator, bytes calldata extraData, address party) external returns (uint256) {
        return arbitrator.createUnfundedDispute(2, extraData, party);
    }

    /// @inheritdoc IArbitrable
    function rule(uint256 disputeId, uint256 ruling) external {
        Mode current = mode;
        if (current == Mode.Revert) revert HostileRefused();
        if (current == Mode.BurnGas) {
            // solhint-disable-next-line no-empty-blocks
            while (gasleft() > 0) {}
        }
        if (current == Mode.ReturnBomb) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                return(0, 200000)
            }
        }
        if (current == Mode.Reenter) ICorpusDisputes(msg.sender).executeRuling(disputeId);
        received[disputeId] = ruling + 1;
        calls += 1;
        emit Ruling(IArbitrator(msg.sender), disputeId, ruling);
    }
}
