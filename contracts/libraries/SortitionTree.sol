// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title SortitionTree
/// @notice A sum tree over weighted leaves for drawing leaves with probability proportional to weight,
/// without replacement and with exclusions, in O(log n) storage reads (after Kleros' sortition sum tree).
/// @dev Eight-ary: each storage slot holds the eight 32-bit sums of one node's children, so descending one
/// level is one SLOAD and a tree of 4,096 leaves is four levels deep. Node `(level, index)` covers leaves
/// `[index * 8^level, (index + 1) * 8^level)`; level 1 nodes hold the leaf weights themselves. The root
/// is `(depth, 0)`; the tree gains a level when a leaf is allocated past `8^depth`, the old root becoming
/// child 0 of the new one.
///
/// Weights are 32-bit lanes and so are all sums: the total must stay below 2^31 (Corpus weighs stake in
/// whole CRP, and the token's 10^9 cap keeps every sum below 2^30).
///
/// Draws exclude a small in-memory list of leaves by subtracting their weights from the sums on the way
/// down, so a leaf can be "removed" for one draw without writing storage. Each entry of that list packs a
/// leaf and its current weight as `leaf << 32 | weight` (see {removal}).
library SortitionTree {
    /// @notice A leaf weight that would take the tree total past 2^31 - 1: the leaf can weigh at most `maxWeight`.
    error SortitionTreeWeightOverflow(uint256 weight, uint256 maxWeight);
    /// @notice A draw was asked for at a point beyond what is left to draw from (or in an empty tree).
    error SortitionTreeEmpty();

    uint256 private constant _LANE_BITS = 32;
    uint256 private constant _LANE_MASK = 0xffffffff;
    uint256 private constant _LEVEL_BITS = 3; // log2 of the eight children per node
    /// @dev The tree total stays below 2^31, so bit 31 of every lane is free for the SWAR search in {find}.
    uint256 private constant _MAX_TOTAL = 0x7fffffff;
    /// @dev 1 in every 32-bit lane, and bit 31 of every lane.
    uint256 private constant _LANES_ONE = 0x0000000100000001000000010000000100000001000000010000000100000001;
    uint256 private constant _LANES_HIGH = _LANES_ONE << 31;

    /// @dev `leafCount` (leaves allocated, numbered 1 to leafCount), `depth` and `total` share one slot: every
    /// update and every draw reads them together.
    struct Tree {
        uint32 leafCount;
        uint8 depth;
        uint64 total;
        mapping(uint256 nodeKey => uint256 packedChildSums) nodes;
    }

    /// @notice Allocates the next leaf (weight 0) and returns its index; grows the tree by a level if full.
    /// Leaves are numbered from 1: leaf 0 is never allocated and always weighs 0, so callers can use 0 for
    /// "no leaf".
    /// @param tree The tree.
    /// @return leaf The new leaf's index.
    function allocate(Tree storage tree) internal returns (uint256 leaf) {
        leaf = uint256(tree.leafCount) + 1;
        uint256 depth = tree.depth;
        if (depth == 0) {
            tree.depth = 1;
        } else if (leaf == 1 << (_LEVEL_BITS * depth)) {
            // Full: the old root becomes child 0 of a new root one level up.
            tree.nodes[_key(depth + 1, 0)] = tree.total;
            tree.depth = uint8(depth + 1);
        }
        tree.leafCount = uint32(leaf);
    }

    /// @notice Sets the weight of an allocated leaf, updating every ancestor's sum and the total.
    /// @param tree The tree.
    /// @param leaf An allocated leaf.
    /// @param weight Its new weight.
    function set(Tree storage tree, uint256 leaf, uint256 weight) internal {
        uint256 oldWeight = weightOf(tree, leaf);
        if (weight == oldWeight) return;
        uint256 othersTotal = tree.total - oldWeight;
        require(weight <= _MAX_TOTAL - othersTotal, SortitionTreeWeightOverflow(weight, _MAX_TOTAL - othersTotal));
        uint256 total = othersTotal + weight;
        uint256 depth = tree.depth;
        for (uint256 level = 1; level <= depth; ++level) {
            uint256 key = _key(level, leaf >> (_LEVEL_BITS * level));
            uint256 shift = ((leaf >> (_LEVEL_BITS * (level - 1))) & 7) * _LANE_BITS;
            uint256 packed = tree.nodes[key];
            uint256 sum = ((packed >> shift) & _LANE_MASK) - oldWeight + weight;
            tree.nodes[key] = (packed & ~(_LANE_MASK << shift)) | (sum << shift);
        }
        tree.total = uint64(total);
    }

    /// @notice The weight of `leaf` (0 for a leaf never set or never allocated).
    /// @param tree The tree.
    /// @param leaf Any leaf index.
    /// @return The leaf's weight.
    function weightOf(Tree storage tree, uint256 leaf) internal view returns (uint256) {
        return (tree.nodes[_key(1, leaf >> _LEVEL_BITS)] >> ((leaf & 7) * _LANE_BITS)) & _LANE_MASK;
    }

    /// @notice Packs a leaf and its current weight into an entry of the `removed` list of {find}.
    /// @param leaf The leaf to leave out.
    /// @param weight Its current weight in the tree.
    /// @return entry The packed entry.
    function removal(uint256 leaf, uint256 weight) internal pure returns (uint256 entry) {
        return (leaf << _LANE_BITS) | weight;
    }

    /// @notice Finds the leaf at cumulative position `point` among all leaves but the removed ones.
    /// @dev `point` must be below `total - sum(removed weights)`, and each removed leaf must appear once, with
    /// its current weight. Cost: one SLOAD per level plus O(removedCount) arithmetic per level.
    /// @param tree The tree.
    /// @param point A position in [0, total - removed weight).
    /// @param removed Entries made by {removal}; only the first `removedCount` are read.
    /// @param removedCount How many entries of `removed` are in use.
    /// @return leaf The leaf drawn.
    /// @return weight Its weight, so the caller can remove it from the next draw.
    function find(
        Tree storage tree,
        uint256 point,
        uint256[] memory removed,
        uint256 removedCount
    ) internal view returns (uint256 leaf, uint256 weight) {
        uint256 level = tree.depth;
        // Also keeps `point` below 2^31, as the lane arithmetic below needs (same slot as `depth`).
        require(point < tree.total, SortitionTreeEmpty());
        // Unchecked: shifts and lane arithmetic are bounded as commented; `point` only decreases while it is
        // at least the weight subtracted.
        unchecked {
            while (level != 0) {
                // `leaf` is, until the last level, the index of the node being descended.
                uint256 packed = tree.nodes[_key(level, leaf)];
                uint256 childShift = _LEVEL_BITS * (level - 1);
                // Per child lane, the weights of removed leaves beneath it. Each lane is at most the child's
                // stored sum (removed leaves are counted in it), so the word subtraction never borrows
                // across lanes.
                uint256 holes;
                for (uint256 i; i < removedCount; ++i) {
                    uint256 entry = removed[i];
                    uint256 removedLeaf = entry >> _LANE_BITS;
                    if (removedLeaf >> (childShift + _LEVEL_BITS) == leaf) {
                        holes += (entry & _LANE_MASK) << (((removedLeaf >> childShift) & 7) * _LANE_BITS);
                    }
                }
                packed -= holes;
                // Branch-free child search (SWAR): inclusive prefix sums of the eight lanes (each below 2^31,
                // so no lane carries into the next), then count the lanes whose prefix exceeds `point`; the
                // first of them is the child. Bit 31 of a lane of `above` is set iff its prefix > point.
                uint256 prefix = packed + (packed << _LANE_BITS);
                prefix += prefix << (2 * _LANE_BITS);
                prefix += prefix << (4 * _LANE_BITS);
                uint256 above = ((prefix | _LANES_HIGH) - (point + 1) * _LANES_ONE) & _LANES_HIGH;
                // Horizontal sum of the 0/1 lanes lands in the top lane.
                uint256 child = 8 - ((((above >> 31) * _LANES_ONE) >> (7 * _LANE_BITS)) & _LANE_MASK);
                // No lane above `point` means the caller broke the precondition on `point`.
                require(child < 8, SortitionTreeEmpty());
                weight = (packed >> (child * _LANE_BITS)) & _LANE_MASK;
                point -= ((prefix >> (child * _LANE_BITS)) & _LANE_MASK) - weight;
                leaf = (leaf << _LEVEL_BITS) | child;
                --level;
            }
        }
    }

    function _key(uint256 level, uint256 index) private pure returns (uint256) {
        return (level << 32) | index;
    }
}
