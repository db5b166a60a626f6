// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SortitionTree} from "../libraries/SortitionTree.sol";

/// @title SortitionTreeHarness
/// @notice Test-only: exposes {SortitionTree} so property tests can compare it with a plain array model.
contract SortitionTreeHarness {
    using SortitionTree for SortitionTree.Tree;

    SortitionTree.Tree private _tree;

    /// @notice Allocates `count` leaves.
    /// @param count How many.
    function allocate(uint256 count) external {
        for (uint256 i; i < count; ++i) _tree.allocate();
    }

    /// @notice Sets a leaf's weight.
    /// @param leaf An allocated leaf.
    /// @param weight Its new weight.
    function set(uint256 leaf, uint256 weight) external {
        _tree.set(leaf, weight);
    }

    /// @notice A leaf's weight.
    /// @param leaf Any leaf.
    /// @return The weight.
    function weightOf(uint256 leaf) external view returns (uint256) {
        return _tree.weightOf(leaf);
    }

    /// @notice The tree's shape and total.
    /// @return leafCount Leaves allocated.
    /// @return depth Levels above the leaves.
    /// @return total Sum of all weights.
    function shape() external view returns (uint256 leafCount, uint256 depth, uint256 total) {
        return (_tree.leafCount, _tree.depth, _tree.total);
    }

    /// @notice The leaf at cumulative position `point`, skipping `removedLeaves` (with their weights).
    /// @param point Below the total minus the removed weights.
    /// @param removedLeaves Leaves to skip, each once.
    /// @return leaf The leaf found.
    /// @return weight Its weight.
    function find(
        uint256 point,
        uint256[] calldata removedLeaves
    ) external view returns (uint256 leaf, uint256 weight) {
        uint256[] memory removed = new uint256[](removedLeaves.length);
        for (uint256 i; i < removedLeaves.length; ++i) {
            removed[i] = SortitionTree.removal(removedLeaves[i], _tree.weightOf(removedLeaves[i]));
        }
        return _tree.find(point, removed, removed.length);
    }
}
