// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title Multicall3 (the `aggregate3` subset)
 * @notice Batches many calls into one, so an SDK reads hundreds of tasks in one `eth_call`.
 * @dev Public chains already have Multicall3 at its canonical address; this implementation of the same
 * `aggregate3` interface is deployed on local networks (in-process Hardhat, `npx hardhat node`, anvil) so
 * the SDK batches reads the same way everywhere. It holds nothing and needs no access control: every
 * call is made from this contract with no value, so it can do nothing the caller could not do directly.
 */
contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice A call that was not allowed to fail reverted; `returnData` is its revert data.
    error Multicall3CallFailed(uint256 index, bytes returnData);

    /**
     * @notice Makes each call in order and returns each one's success flag and return (or revert) data.
     * @param calls The calls; a failing call with `allowFailure` false reverts the whole batch.
     * @return results One result per call, in order.
     */
    function aggregate3(Call3[] calldata calls) external returns (Result[] memory results) {
        uint256 length = calls.length;
        results = new Result[](length);
        for (uint256 i; i < length; ++i) {
            Call3 calldata c = calls[i];
            // solhint-disable-next-line avoid-low-level-calls
            (bool success, bytes memory returnData) = c.target.call(c.callData);
            if (!success && !c.allowFailure) revert Multicall3CallFailed(i, returnData);
            results[i] = Result(success, returnData);
        }
    }

    /// @notice The current block number, so a batch can say which block it read.
    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }
}
