// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Packed32
/// @notice Values below 2^32 packed eight to a storage word, entry i of a word at bits `32 i`: how review
/// panels and juries keep their members' sum-tree leaves, and data tokens their task and parent ids, in one
/// slot per eight instead of one each. Also counts the seats set in a bit mask of seats.
library Packed32 {
    /// @notice Entries per word.
    uint256 internal constant PER_WORD = 8;
    uint256 private constant _BITS = 32;

    /// @notice Entry `index` of `word` (0: empty).
    /// @param word Packed entries.
    /// @param index Below {PER_WORD}.
    /// @return value The entry.
    function at(uint256 word, uint256 index) internal pure returns (uint256 value) {
        // Safe: index < PER_WORD, so the shift is below 256.
        unchecked {
            return (word >> (index * _BITS)) & type(uint32).max;
        }
    }

    /// @notice Packs `leaves[from]` up to the next {PER_WORD} leaves into one word.
    /// @param leaves Leaves, each below 2^32.
    /// @param from First index to pack.
    /// @return word The packed leaves.
    function pack(uint256[] memory leaves, uint256 from) internal pure returns (uint256 word) {
        uint256 end = _end(leaves.length, from);
        // Safe: from <= i < from + PER_WORD, so the shift is below 256.
        unchecked {
            for (uint256 i = from; i < end; ++i) word |= leaves[i] << ((i - from) * _BITS);
        }
    }

    /// @notice Writes the seats of `word` into `leaves[from]` onwards (up to {PER_WORD} of them).
    /// @param word Packed leaves.
    /// @param leaves Where to write.
    /// @param from First index to write.
    function unpackInto(uint256 word, uint256[] memory leaves, uint256 from) internal pure {
        uint256 end = _end(leaves.length, from);
        // Safe: from <= i < from + PER_WORD.
        unchecked {
            for (uint256 i = from; i < end; ++i) leaves[i] = at(word, i - from);
        }
    }

    /// @notice The first `size` leaves of one word.
    /// @param word Packed leaves.
    /// @param size At most {PER_WORD}.
    /// @return leaves The leaves.
    function unpack(uint256 word, uint256 size) internal pure returns (uint256[] memory leaves) {
        leaves = new uint256[](size);
        unpackInto(word, leaves, 0);
    }

    /// @notice Stores `values` eight to a word in `words[0]`, `words[1]`, ….
    /// @param words Where the packed words live.
    /// @param values Values, each below 2^32.
    function store(mapping(uint256 => uint256) storage words, uint256[] memory values) internal {
        for (uint256 w; w * PER_WORD < values.length; ++w) words[w] = pack(values, w * PER_WORD);
    }

    /// @notice The first `count` values stored by {store}.
    /// @param words Where the packed words live.
    /// @param count How many values.
    /// @return values The values.
    function load(
        mapping(uint256 => uint256) storage words,
        uint256 count
    ) internal view returns (uint256[] memory values) {
        values = new uint256[](count);
        for (uint256 w; w * PER_WORD < count; ++w) unpackInto(words[w], values, w * PER_WORD);
    }

    /// @notice How many bits of `mask` are set.
    /// @param mask A set of seats.
    /// @return count The number of seats in it.
    function popCount(uint256 mask) internal pure returns (uint256 count) {
        while (mask != 0) {
            mask &= mask - 1;
            ++count;
        }
    }

    function _end(uint256 length, uint256 from) private pure returns (uint256) {
        // Safe: `from` is an index into a memory array, far below 2^256 - PER_WORD.
        unchecked {
            return length < from + PER_WORD ? length : from + PER_WORD;
        }
    }
}
