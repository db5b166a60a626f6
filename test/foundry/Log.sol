// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/* solhint-disable avoid-low-level-calls */

/// @title Log
/// @notice console.log without forge-std: forge decodes calls to this address in traces and `-vv` output.
library Log {
    address private constant _CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory label, uint256 value) internal view {
        (bool ok, ) = _CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok;
    }

    function log(string memory format, string memory name, uint256 a, uint256 b) internal view {
        (bool ok, ) = _CONSOLE.staticcall(
            abi.encodeWithSignature("log(string,string,uint256,uint256)", format, name, a, b)
        );
        ok;
    }
}
